using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>What <see cref="PushOptions.Progress"/> is told during a push, and that it adds up to the <see cref="PushResult"/>.</summary>
public sealed class PushProgressTests
{
    private static readonly ImageReference s_destination = ImageReference.Parse("registry.test/team/app:1.0");

    /// <summary>Records reports as they arrive (synchronously, from whichever thread reports).</summary>
    private sealed class RecordingProgress : IProgress<BlobProgress>
    {
        private readonly List<BlobProgress> _reports = [];

        public IReadOnlyList<BlobProgress> Reports
        {
            get
            {
                lock (_reports)
                {
                    return [.. _reports];
                }
            }
        }

        public void Report(BlobProgress value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }
        }

        public ILookup<Digest, BlobProgress> ByItem => Reports.ToLookup(r => r.Digest);

        public IReadOnlyList<BlobProgress> Finals => [.. ByItem.Select(g => g.Last())];
    }

    private static async Task<PushResult> PushAsync(InMemoryRegistry registry, IImageSource image, RecordingProgress progress, int parallel = 4)
    {
        await using var target = new RegistryImageDestination(registry.Client(), s_destination);
        return await new RegistryPusher(registry).CopyAsync(image, target, new PushOptions { Progress = progress, MaxParallelUploads = parallel }, CancellationToken.None);
    }

    [Fact]
    public async Task Every_item_is_reported_waiting_first_then_uploading_with_growing_bytes_then_done()
    {
        // Given: layers large enough for several reports each
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(3, 300_000, "sequence", Platform.LinuxAmd64, Platform.LinuxArm64);
        var progress = new RecordingProgress();

        // When
        var result = await PushAsync(registry, image, progress);

        // Then
        var items = image.Blobs.Select(b => b.Digest).Concat(image.Manifests.Select(m => m.Digest)).Append(image.Root.Digest).ToHashSet();
        Assert.Equal(items, progress.ByItem.Select(g => g.Key).ToHashSet());
        var firstNonWaiting = progress.Reports.ToList().FindIndex(r => r.State != BlobTransferState.Waiting);
        Assert.Equal(items.Count, firstNonWaiting);
        foreach (var item in progress.ByItem)
        {
            var states = item.Select(r => r.State).ToList();
            Assert.Equal(BlobTransferState.Waiting, states[0]);
            Assert.Equal(BlobTransferState.Done, states[^1]);
            Assert.Equal(item.First().Size, item.Last().BytesDone);
            var uploading = item.Where(r => r.State == BlobTransferState.Uploading).Select(r => r.BytesDone).ToList();
            Assert.Equal(uploading.Order(), uploading);
            Assert.All(uploading, b => Assert.InRange(b, 0, item.First().Size));
            if (!item.First().IsManifest)
            {
                Assert.Equal(0, uploading[0]);
                Assert.Equal(item.First().Size, uploading[^1]);
            }
        }

        Assert.True(progress.ByItem[image.Blobs[0].Digest].Count(r => r.State == BlobTransferState.Uploading) >= 4, "a 300 KB layer was reported fewer than 4 times");
        Assert.Equal(result.BlobsUploaded, progress.Finals.Count(r => r.State == BlobTransferState.Done && !r.IsManifest));
        Assert.Equal(result.BytesUploaded, progress.Finals.Where(r => r.State == BlobTransferState.Done).Sum(r => r.BytesDone));
    }

    [Fact]
    public async Task Blobs_the_registry_has_are_reported_skipped_and_the_counts_match_the_result()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(3, 1000, "skip", Platform.LinuxAmd64, Platform.LinuxArm64);
        registry.SeedBlob("team/app", image[image.Blobs[0].Digest]);
        registry.SeedBlob("team/app", image[image.Blobs[1].Digest]);
        var progress = new RecordingProgress();

        // When
        var result = await PushAsync(registry, image, progress);

        // Then
        var blobs = progress.Finals.Where(r => !r.IsManifest).ToList();
        Assert.Equal(2, result.BlobsSkipped);
        Assert.Equal(result.BlobsSkipped, blobs.Count(r => r.State == BlobTransferState.Skipped));
        Assert.Equal(result.BlobsUploaded, blobs.Count(r => r.State == BlobTransferState.Done));
        Assert.Equal(result.BytesUploaded, progress.Finals.Where(r => r.State == BlobTransferState.Done).Sum(r => r.BytesDone));
        Assert.DoesNotContain(progress.ByItem[image.Blobs[0].Digest], r => r.State == BlobTransferState.Uploading);
    }

    [Fact]
    public async Task A_second_push_reports_everything_skipped_and_nothing_sent()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 1000, "again", Platform.LinuxAmd64, Platform.LinuxArm64);
        await PushAsync(registry, image, new RecordingProgress());
        var progress = new RecordingProgress();

        // When
        var result = await PushAsync(registry, image, progress);

        // Then
        Assert.Equal(0, result.BytesUploaded);
        Assert.All(progress.Finals, r => Assert.Equal(BlobTransferState.Skipped, r.State));
        Assert.Equal(image.Blobs.Count + image.Manifests.Count + 1, progress.Finals.Count);
    }

    [Fact]
    public async Task Mounted_blobs_are_reported_mounted()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 1000, "mount");
        await using (var target = new RegistryImageDestination(registry.Client(), ImageReference.Parse("registry.test/team/base:1")))
        {
            await new RegistryPusher(registry).CopyAsync(image, target, new PushOptions(), CancellationToken.None);
        }

        var progress = new RecordingProgress();

        // When
        var result = await new RegistryPusher(registry).PushAsync(
            ImageLocation.Parse("registry.test/team/base:1"), ImageLocation.Parse("registry.test/team/app:2"), new PushOptions { Progress = progress }, CancellationToken.None);

        // Then
        Assert.Equal(image.Blobs.Count, result.BlobsMounted);
        Assert.Equal(result.BlobsMounted, progress.Finals.Count(r => r.State == BlobTransferState.Mounted));
        Assert.All(progress.Finals.Where(r => r.State == BlobTransferState.Mounted), r => Assert.False(r.IsManifest));
    }

    [Fact]
    public async Task Progress_is_reported_for_a_local_destination_too()
    {
        // Given
        using var temp = new TemporaryDirectory();
        var image = MemoryImage.Create(2, 1000, "local");
        var progress = new RecordingProgress();

        // When
        PushResult result;
        await using (var destination = new OciArchiveDestination(temp.Combine("image.tar"), "1"))
        {
            result = await new RegistryPusher().CopyAsync(image, destination, new PushOptions { Progress = progress }, CancellationToken.None);
        }

        // Then
        Assert.Equal(result.BlobsUploaded, progress.Finals.Count(r => r.State == BlobTransferState.Done && !r.IsManifest));
        Assert.Equal(result.BytesUploaded, progress.Finals.Where(r => r.State == BlobTransferState.Done).Sum(r => r.BytesDone));
    }
}
