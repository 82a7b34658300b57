using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class RegistryPusherTests
{
    private static readonly ImageReference s_destination = ImageReference.Parse("registry.test/team/app:1.0");

    private static async Task<PushResult> PushAsync(InMemoryRegistry registry, IImageSource image, ImageReference? destination = null, PushOptions? options = null)
    {
        await using var target = new RegistryImageDestination(registry.Client(), destination ?? s_destination);
        return await new RegistryPusher(registry).CopyAsync(image, target, options ?? new PushOptions(), CancellationToken.None);
    }

    private static int IndexOf(IReadOnlyList<RegistryEvent> events, string operation, string reference)
        => events.ToList().FindIndex(e => e.Operation == operation && e.Reference == reference);

    [Fact]
    public async Task Every_blob_is_uploaded_before_the_manifest_and_the_tag_comes_last()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 3);

        // When
        var result = await PushAsync(registry, image);

        // Then
        var events = registry.Events;
        var manifest = IndexOf(events, "PutManifest", image.Root.Digest.ToString());
        Assert.True(manifest > 0);
        Assert.All(image.Blobs, b => Assert.InRange(IndexOf(events, "PutBlob", b.Digest.ToString()), 0, manifest - 1));
        Assert.Equal("PutTag", events[^1].Operation);
        Assert.Equal("1.0", events[^1].Reference);
        Assert.Equal(image.Root.Digest, registry.Tag("team/app", "1.0"));
        Assert.Equal(image.Root.Digest, result.Root.Digest);
        Assert.Equal(4, result.BlobsUploaded);
        Assert.Equal(0, result.BlobsSkipped);
        Assert.Equal(image.Blobs.Sum(b => b.Size) + image.Root.Size, result.BytesUploaded);
        Assert.Empty(registry.Violations);
    }

    [Fact]
    public async Task A_multi_platform_index_is_pushed_after_its_children_and_reads_back_byte_for_byte()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 1000, "multi", Platform.LinuxAmd64, Platform.LinuxArm64);

        // When
        var result = await PushAsync(registry, image);
        var pulled = new RegistryImageSource(registry.Client(), s_destination);
        var root = await pulled.ResolveAsync(CancellationToken.None);
        var rootBytes = await pulled.ReadContentAsync(root, CancellationToken.None);
        var children = new List<byte[]>();
        foreach (var child in OciJson.ParseIndex(rootBytes).Manifests)
        {
            children.Add(await pulled.ReadContentAsync(child, CancellationToken.None));
        }

        // Then
        var events = registry.Events;
        var index = IndexOf(events, "PutManifest", image.Root.Digest.ToString());
        Assert.All(image.Manifests, m => Assert.InRange(IndexOf(events, "PutManifest", m.Digest.ToString()), 0, index - 1));
        Assert.Equal(image.Root.Digest, root.Digest);
        Assert.Equal(MediaTypes.OciIndex, root.MediaType);
        Assert.Equal(image[image.Root.Digest], rootBytes);
        Assert.Equal(image.Manifests.Select(m => image[m.Digest]), children);
        Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], result.Manifests.Select(m => m.Platform));
        Assert.Equal(image.Manifests.Select(m => m.Digest), result.Manifests.Select(m => m.Manifest.Digest));
        Assert.Empty(registry.DanglingReferences());
    }

    [Fact]
    public async Task Pushing_the_same_image_again_uploads_nothing()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 500, "again", Platform.LinuxAmd64, Platform.LinuxArm64);
        await PushAsync(registry, image);
        var writes = registry.Events.Count;

        // When
        var again = await PushAsync(registry, image);

        // Then
        Assert.Equal(0, again.BytesUploaded);
        Assert.Equal(0, again.BlobsUploaded);
        Assert.Equal(image.Blobs.Count, again.BlobsSkipped);
        Assert.Equal(writes, registry.Events.Count);
        Assert.Equal(image.Root.Digest, again.Root.Digest);
    }

    [Fact]
    public async Task Blobs_the_registry_already_has_are_skipped_and_the_rest_uploaded()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 3, seed: "partial");
        registry.SeedBlob("team/app", image[image.Blobs[0].Digest]);

        // When
        var result = await PushAsync(registry, image);

        // Then
        Assert.Equal(1, result.BlobsSkipped);
        Assert.Equal(3, result.BlobsUploaded);
        Assert.Equal(-1, IndexOf(registry.Events, "PutBlob", image.Blobs[0].Digest.ToString()));
    }

    [Fact]
    public async Task Blobs_in_another_repository_of_the_same_registry_are_mounted_instead_of_uploaded()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 2, seed: "mount");
        await PushAsync(registry, image, ImageReference.Parse("registry.test/team/base:1"));
        var uploadsBefore = registry.Events.Count(e => e.Operation == "PutBlob");

        // When
        var result = await new RegistryPusher(registry).PushAsync(
            ImageLocation.Parse("registry.test/team/base:1"), ImageLocation.Parse("registry.test/team/app:2"), new PushOptions(), CancellationToken.None);

        // Then
        Assert.Equal(image.Blobs.Count, result.BlobsMounted);
        Assert.Equal(0, result.BlobsUploaded);
        Assert.Equal(uploadsBefore, registry.Events.Count(e => e.Operation == "PutBlob"));
        Assert.All(image.Blobs, b => Assert.True(registry.HasBlob("team/app", b.Digest)));
        Assert.Equal(image.Root.Digest, registry.Tag("team/app", "2"));
        Assert.Equal(image[image.Root.Digest], registry.Manifest("team/app", "2"));
    }

    [Fact]
    public async Task A_registry_that_refuses_mounts_gets_the_blobs_uploaded()
    {
        // Given
        var registry = new InMemoryRegistry { SupportsMount = false };
        var image = MemoryImage.Create(layers: 2, seed: "nomount");
        await PushAsync(registry, image, ImageReference.Parse("registry.test/team/base:1"));

        // When
        var result = await new RegistryPusher(registry).PushAsync(
            ImageLocation.Parse("registry.test/team/base:1"), ImageLocation.Parse("registry.test/team/app:2"), new PushOptions(), CancellationToken.None);

        // Then
        Assert.Equal(0, result.BlobsMounted);
        Assert.Equal(image.Blobs.Count, result.BlobsUploaded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Parallel_uploads_never_exceed_the_configured_bound(int parallel)
    {
        // Given
        var registry = new InMemoryRegistry { UploadDelay = TimeSpan.FromMilliseconds(40) };
        var image = MemoryImage.Create(layers: 9, layerSize: 100, seed: "parallel");

        // When
        await PushAsync(registry, image, options: new PushOptions { MaxParallelUploads = parallel });

        // Then
        Assert.InRange(registry.MaxConcurrentUploads, 1, parallel);
        if (parallel > 1)
        {
            Assert.True(registry.MaxConcurrentUploads > 1, "uploads ran one at a time");
        }
    }

    [Fact]
    public async Task Four_uploads_run_at_once_by_default()
    {
        // Given
        var registry = new InMemoryRegistry { UploadDelay = TimeSpan.FromMilliseconds(40) };
        var image = MemoryImage.Create(layers: 12, layerSize: 100, seed: "default");

        // When
        await PushAsync(registry, image);

        // Then
        Assert.Equal(PushOptions.DefaultParallelUploads, new PushOptions().MaxParallelUploads);
        Assert.InRange(registry.MaxConcurrentUploads, 2, 4);
    }

    [Fact]
    public async Task A_failed_upload_leaves_no_manifest_and_no_tag_behind()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(3, 200, "fail", Platform.LinuxAmd64, Platform.LinuxArm64);
        var broken = image.Blobs[4].Digest;
        registry.FailUpload = d => d == broken;

        // When
        await Assert.ThrowsAsync<IOException>(() => PushAsync(registry, image));

        // Then
        Assert.DoesNotContain(registry.Events, e => e.Operation is "PutManifest" or "PutTag");
        Assert.Null(registry.Tag("team/app", "1.0"));
        Assert.Empty(registry.Violations);
        Assert.Empty(registry.DanglingReferences());
    }

    [Fact]
    public async Task A_manifest_is_not_pushed_while_content_it_names_is_missing()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 1, seed: "missing");
        await using var destination = new RegistryImageDestination(registry.Client(), s_destination);
        await destination.PutContentAsync(image.Root, image[image.Root.Digest], CancellationToken.None);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => destination.CommitAsync(image.Root, [], CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.ManifestContentMissing, error.ErrorCode);
        Assert.Null(registry.Manifest("team/app", image.Root.Digest.ToString()));
        Assert.Empty(registry.Violations);
    }

    [Fact]
    public async Task Content_that_does_not_match_its_descriptor_is_refused_before_it_is_sent()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 1, seed: "bad");
        await using var destination = new RegistryImageDestination(registry.Client(), s_destination);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => destination.PutContentAsync(image.Root, "{}"u8.ToArray(), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
    }

    [Fact]
    public async Task Pushing_to_a_digest_that_is_not_the_image_is_refused_before_anything_is_tagged()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 1, seed: "digest");
        var other = ImageReference.Parse($"registry.test/team/app@{Digest.Compute("other"u8)}");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(registry, image, other));

        // Then
        Assert.Equal(ErrorCodes.PushDigestMismatch, error.ErrorCode);
        Assert.DoesNotContain(registry.Events, e => e.Operation is "PutManifest" or "PutTag");
    }

    [Fact]
    public async Task Pushing_by_digest_stores_the_image_untagged()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 1, seed: "untagged");

        // When
        var result = await PushAsync(registry, image, ImageReference.Parse($"registry.test/team/app@{image.Root.Digest}"));

        // Then
        Assert.Empty(result.Tags);
        Assert.DoesNotContain(registry.Events, e => e.Operation == "PutTag");
        Assert.Equal(image[image.Root.Digest], registry.Manifest("team/app", image.Root.Digest.ToString()));
    }

    [Fact]
    public async Task Extra_tags_are_all_applied_after_the_manifest()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(layers: 1, seed: "tags");

        // When
        var result = await PushAsync(registry, image, options: new PushOptions { Tags = ["1.0", "latest", "1.0"] });

        // Then
        Assert.Equal(["1.0", "latest"], result.Tags);
        Assert.Equal(image.Root.Digest, registry.Tag("team/app", "latest"));
        Assert.Equal(["PutTag", "PutTag"], registry.Events.TakeLast(2).Select(e => e.Operation));
    }

    [Theory]
    [InlineData(0, 8 * 1024 * 1024)]
    [InlineData(65, 8 * 1024 * 1024)]
    [InlineData(4, 1000)]
    public async Task Out_of_range_parallelism_or_chunk_size_is_an_input_error(int parallel, int chunkSize)
    {
        // Given
        var registry = new InMemoryRegistry();
        var options = new PushOptions { MaxParallelUploads = parallel, Upload = new BlobUploadOptions { ChunkSize = chunkSize } };

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(registry, MemoryImage.Create(layers: 1), options: options));

        // Then
        Assert.Equal(ErrorCodes.InvalidParallelism, error.ErrorCode);
        Assert.Empty(registry.Events);
    }

    [Fact]
    public async Task An_image_pulled_from_a_registry_to_a_layout_keeps_its_digest_and_bytes()
    {
        // Given
        using var temp = new TemporaryDirectory();
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 300, "pull", Platform.LinuxAmd64, Platform.LinuxArm64);
        await PushAsync(registry, image);

        // When
        var result = await new RegistryPusher(registry).PushAsync(
            ImageLocation.Parse("registry.test/team/app:1.0"), ImageLocation.Parse($"oci:{temp.Combine("layout")}:pulled"), new PushOptions(), CancellationToken.None);

        // Then
        await using var layout = await OciLayoutSource.OpenAsync(temp.Combine("layout"), "pulled", CancellationToken.None);
        var root = await layout.ResolveAsync(CancellationToken.None);
        Assert.Equal(image.Root.Digest, root.Digest);
        Assert.Equal(image[image.Root.Digest], await layout.ReadContentAsync(root, CancellationToken.None));
        Assert.Equal(image.Blobs.Count, result.BlobsUploaded);
    }

    [Fact]
    public async Task An_archive_destination_gets_its_blobs_one_at_a_time_and_stays_readable()
    {
        // Given
        using var temp = new TemporaryDirectory();
        var image = MemoryImage.Create(8, 20_000, "archive", Platform.LinuxAmd64, Platform.LinuxArm64);
        var archive = temp.Combine("image.tar");

        // When
        await using (var destination = new OciArchiveDestination(archive, "1"))
        {
            await new RegistryPusher().CopyAsync(image, destination, new PushOptions { MaxParallelUploads = 8 }, CancellationToken.None);
        }

        // Then
        await using var back = await OciLayoutSource.OpenArchiveAsync(archive, "1", CancellationToken.None);
        Assert.Equal(image.Root.Digest, (await back.ResolveAsync(CancellationToken.None)).Digest);
        foreach (var blob in image.Blobs)
        {
            await using var stream = await back.OpenBlobAsync(blob, CancellationToken.None);
            await stream.CopyToAsync(Stream.Null);
        }
    }

    [Fact]
    public async Task A_failed_platform_manifest_leaves_no_index_and_no_tag_behind()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(1, 100, "failmanifest", Platform.LinuxAmd64, Platform.LinuxArm64);
        var broken = image.Manifests[1].Digest.ToString();
        registry.FailManifestPut = reference => reference == broken;

        // When
        await Assert.ThrowsAsync<IOException>(() => PushAsync(registry, image));

        // Then
        Assert.Null(registry.Manifest("team/app", image.Root.Digest.ToString()));
        Assert.Null(registry.Tag("team/app", "1.0"));
        Assert.Empty(registry.DanglingReferences());
    }

    [Fact]
    public async Task The_destination_pushes_children_first_whatever_order_it_was_given_them_in()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(1, 100, "order", Platform.LinuxAmd64, Platform.LinuxArm64);
        await using var destination = new RegistryImageDestination(registry.Client(), s_destination);
        await destination.PutContentAsync(image.Root, image[image.Root.Digest], CancellationToken.None);
        foreach (var manifest in Enumerable.Reverse(image.Manifests))
        {
            await destination.PutContentAsync(manifest, image[manifest.Digest], CancellationToken.None);
        }

        foreach (var blob in image.Blobs)
        {
            await destination.PutBlobAsync(blob, new MemoryStream(image[blob.Digest]), CancellationToken.None);
        }

        // When
        await destination.CommitAsync(image.Root, [], CancellationToken.None);

        // Then
        var events = registry.Events;
        var index = IndexOf(events, "PutManifest", image.Root.Digest.ToString());
        Assert.All(image.Manifests, m => Assert.InRange(IndexOf(events, "PutManifest", m.Digest.ToString()), 0, index - 1));
        Assert.Equal(image.Root.Digest, registry.Tag("team/app", "1.0"));
        Assert.Empty(registry.Violations);
    }
}
