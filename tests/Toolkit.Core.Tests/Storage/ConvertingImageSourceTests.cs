using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Registry;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Storage;

public sealed class ConvertingImageSourceTests
{
    private static readonly ImageReference s_destination = ImageReference.Parse("registry.test/team/app:1.0");

    private static async Task<PushResult> PushAsync(InMemoryRegistry registry, IImageSource image, ImageFormat? format, IProgress<BlobProgress>? progress = null)
    {
        await using var target = new RegistryImageDestination(registry.Client(), s_destination);
        return await new RegistryPusher(registry).CopyAsync(image, target, new PushOptions { Format = format, Progress = progress }, CancellationToken.None);
    }

    [Fact]
    public async Task An_OCI_index_reads_as_a_manifest_list_of_Docker_manifests_whose_blobs_are_the_originals()
    {
        // Given
        var image = MemoryImage.Create(2, 500, "list", Platform.LinuxAmd64, Platform.LinuxArm64);
        var source = new ConvertingImageSource(image, ImageFormat.Docker);

        // When
        var root = await source.ResolveAsync(CancellationToken.None);
        var list = OciJson.ParseIndex(await source.ReadContentAsync(root, CancellationToken.None));

        // Then
        Assert.Equal(MediaTypes.DockerManifestList, root.MediaType);
        Assert.NotEqual(image.Root.Digest, root.Digest);
        Assert.Equal(image.Root, source.OriginalRoot);
        Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], list.Manifests.Select(m => m.Platform));
        foreach (var entry in list.Manifests)
        {
            var bytes = await source.ReadContentAsync(entry, CancellationToken.None);
            Assert.Equal(entry.Digest, Digest.Compute(bytes));
            Assert.Equal(entry.Size, bytes.Length);
            var manifest = OciJson.ParseManifest(bytes);
            Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
            foreach (var blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
            {
                await using var stream = await source.OpenBlobAsync(blob, CancellationToken.None);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.Equal(image[blob.Digest], copy.ToArray());
            }
        }
    }

    [Fact]
    public async Task An_image_already_in_the_format_reads_exactly_as_its_source()
    {
        // Given: manifests written with spaces and newlines, which any rewrite would change
        var image = MemoryImage.Create(1, 100, "same", Platform.LinuxAmd64, Platform.LinuxArm64);
        var source = new ConvertingImageSource(image, ImageFormat.Oci);

        // When
        var root = await source.ResolveAsync(CancellationToken.None);

        // Then
        Assert.Equal(image.Root, root);
        Assert.Equal(image[image.Root.Digest], await source.ReadContentAsync(root, CancellationToken.None));
        Assert.All(image.Manifests, m => Assert.Equal(image[m.Digest], source.ReadContentAsync(m, CancellationToken.None).GetAwaiter().GetResult()));
    }

    [Fact]
    public async Task A_refused_conversion_fails_when_the_image_is_resolved()
    {
        // Given
        var image = MemoryImage.CreateWithLayerType(MediaTypes.OciLayerZstd, 1, 100, "zstd", Platform.LinuxAmd64, Platform.LinuxArm64);
        var source = new ConvertingImageSource(image, ImageFormat.Docker);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.ZstdLayerInDockerFormat, error.ErrorCode);
    }

    [Fact]
    public async Task What_is_left_out_is_logged_as_a_TK2103_warning_once_per_document()
    {
        // Given: an index whose entries carry annotations
        var image = MemoryImage.Create(1, 100, "warn", Platform.LinuxAmd64, Platform.LinuxArm64);
        var annotated = new AnnotatedRoot(image);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<LogLine>();
        using var logging = new LogSink(lines.Enqueue);

        // When
        await new ConvertingImageSource(annotated, ImageFormat.Docker, logging.CreateLogger<ConvertingImageSource>()).ResolveAsync(CancellationToken.None);

        // Then
        var warning = Assert.Single(lines, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal("TK2103", warning.Code);
        Assert.Contains("org.opencontainers.image.version", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pushing_as_Docker_stores_a_manifest_list_and_Docker_manifests_that_name_only_blobs_the_registry_has()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 500, "push", Platform.LinuxAmd64, Platform.LinuxArm64);

        // When
        var result = await PushAsync(registry, image, ImageFormat.Docker);

        // Then
        Assert.Equal(MediaTypes.DockerManifestList, result.Root.MediaType);
        Assert.Equal(result.Root.Digest, registry.Tag("team/app", "1.0"));
        var list = OciJson.ParseIndex(registry.Manifest("team/app", "1.0")!);
        Assert.Equal(MediaTypes.DockerManifestList, list.MediaType);
        Assert.Equal(list.Manifests.Select(m => m.Digest), result.Manifests.Select(m => m.Manifest.Digest));
        foreach (var entry in list.Manifests)
        {
            Assert.Equal(MediaTypes.DockerManifest, OciJson.ParseManifest(registry.Manifest("team/app", entry.Digest.ToString())!).MediaType);
        }

        Assert.All(image.Blobs, b => Assert.True(registry.HasBlob("team/app", b.Digest)));
        Assert.Equal(image.Blobs.Count, result.BlobsUploaded);
        Assert.Empty(registry.DanglingReferences());
        Assert.Empty(registry.Violations);
    }

    [Fact]
    public async Task Pushing_as_Docker_twice_gives_the_same_digest_and_uploads_nothing_the_second_time()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 500, "twice", Platform.LinuxAmd64, Platform.LinuxArm64);
        var first = await PushAsync(registry, image, ImageFormat.Docker);

        // When
        var second = await PushAsync(registry, image, ImageFormat.Docker);

        // Then
        Assert.Equal(first.Root, second.Root);
        Assert.Equal(0, second.BytesUploaded);
    }

    [Fact]
    public async Task Pushing_back_as_OCI_gives_the_original_digest_when_the_original_was_canonical()
    {
        // Given: a canonical OCI image pushed as Docker
        using var temp = new TemporaryDirectory();
        var image = TestImage.Create("round trip");
        var layout = await image.WriteLayoutAsync(temp.Combine("oci"), "1");
        var registry = new InMemoryRegistry();
        var pusher = new RegistryPusher(registry);
        var docker = await pusher.PushAsync(ImageLocation.Parse($"oci:{layout}:1"), ImageLocation.Parse("registry.test/app:docker"), new PushOptions { Format = ImageFormat.Docker }, CancellationToken.None);

        // When
        var oci = await pusher.PushAsync(ImageLocation.Parse("registry.test/app:docker"), ImageLocation.Parse($"oci:{temp.Combine("back")}:1"), new PushOptions { Format = ImageFormat.Oci }, CancellationToken.None);

        // Then
        Assert.Equal(MediaTypes.DockerManifest, docker.Root.MediaType);
        Assert.NotEqual(image.ManifestDescriptor.Digest, docker.Root.Digest);
        Assert.Equal(image.ManifestDescriptor.Digest, oci.Root.Digest);
        await using var back = await OciLayoutSource.OpenAsync(temp.Combine("back"), "1", CancellationToken.None);
        var root = await back.ResolveAsync(CancellationToken.None);
        var bytes = await back.ReadContentAsync(root, CancellationToken.None);
        Assert.Equal(image.Manifest, bytes);
        OciSchemas.AssertValidManifest(bytes);
    }

    [Fact]
    public async Task A_refused_conversion_sends_nothing_to_the_registry()
    {
        // Given
        var registry = new InMemoryRegistry();
        var image = MemoryImage.CreateWithLayerType(MediaTypes.OciLayerZstd, 2, 100, "refused");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(registry, image, ImageFormat.Docker));

        // Then
        Assert.Equal("TK2100", error.Code);
        Assert.Empty(registry.Events);
    }

    /// <summary>A source whose index entries and index carry annotations, for the warning test.</summary>
    private sealed class AnnotatedRoot(MemoryImage image) : IImageSource
    {
        private readonly byte[] _index = OciJson.Serialize(new ImageIndex
        {
            Manifests = [.. image.Manifests],
            Annotations = new() { [AnnotationKeys.Version] = "1.0" },
        });

        public string DisplayName => image.DisplayName;

        public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult(Descriptor.For(MediaTypes.OciIndex, _index));

        public Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
            => descriptor.Digest == Digest.Compute(_index) ? Task.FromResult(_index) : image.ReadContentAsync(descriptor, cancellationToken);

        public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken) => image.OpenBlobAsync(descriptor, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
