using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Oci.Build;

/// <summary>The layer cache reuses a layer only when nothing that reaches its bytes has changed.</summary>
public sealed class LayerCacheTests : IDisposable
{
    private static readonly BuildTimestamp s_timestamp = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit);
    private readonly TemporaryDirectory _temp = new("tk-layer-cache");

    public LayerCacheTests()
    {
        Directory.CreateDirectory(_temp.Combine("app", "lib"));
        File.WriteAllText(_temp.Combine("app", "app.dll"), "version one");
        File.WriteAllText(_temp.Combine("app", "lib", "dep.dll"), "dependency");
    }

    public void Dispose() => _temp.Dispose();

    private ImageBuildRequest Request(int? level = null) => new()
    {
        BaseImage = ScratchLocation.Instance,
        Output = new OciLayoutLocation(_temp.Combine("image"), "latest"),
        Layers = [new LayerSpec(_temp.Combine("app"), "/app")],
        Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
        CompressionLevel = level,
        LayerCacheDirectory = _temp.Combine("cache"),
        Timestamp = s_timestamp,
    };

    private string BlobPath(BuiltImage image) => _temp.Combine("image", "blobs", "sha256", image.Platforms[0].NewLayers[0].Descriptor.Digest.Encoded);

    [Fact]
    public async Task An_unchanged_folder_reuses_its_layer_without_writing_it_again()
    {
        // Given
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        var written = File.GetLastWriteTimeUtc(BlobPath(first));
        File.SetLastWriteTimeUtc(BlobPath(first), written.AddHours(-1));

        // When
        var second = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        // Then
        Assert.Equal(first.Root.Digest, second.Root.Digest);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(BlobPath(second)));
    }

    [Fact]
    public async Task A_file_rewritten_with_the_same_content_is_still_a_hit()
    {
        // Given a cached build
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        var blob = BlobPath(first);
        File.SetLastWriteTimeUtc(blob, DateTime.UtcNow.AddHours(-1));
        var marked = File.GetLastWriteTimeUtc(blob);

        // When a build step rewrites a file with the same bytes (as the SDK does with some manifests)
        File.WriteAllText(_temp.Combine("app", "app.dll"), "version one");
        var second = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        // Then the layer is reused, not written again
        Assert.Equal(first.Root.Digest, second.Root.Digest);
        Assert.Equal(marked, File.GetLastWriteTimeUtc(BlobPath(second)));
    }

    [Fact]
    public async Task A_file_rewritten_with_the_same_size_and_modification_time_is_a_miss()
    {
        // Given a cached build
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        var file = _temp.Combine("app", "app.dll");
        var modified = File.GetLastWriteTimeUtc(file);

        // When the content changes but size and mtime are put back (as 'cp -p' or a careless tool might)
        File.WriteAllText(file, "version two");
        File.SetLastWriteTimeUtc(file, modified);
        var second = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        // Then the change time gave it away
        Assert.NotEqual(first.Platforms[0].NewLayers[0].DiffId, second.Platforms[0].NewLayers[0].DiffId);
    }

    [Fact]
    public async Task Other_options_are_a_miss()
    {
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        var second = await new ImageBuilder().BuildAsync(Request(level: 1), CancellationToken.None);

        Assert.Equal(first.Platforms[0].NewLayers[0].DiffId, second.Platforms[0].NewLayers[0].DiffId);
        Assert.NotEqual(first.Platforms[0].NewLayers[0].Descriptor.Digest, second.Platforms[0].NewLayers[0].Descriptor.Digest);
    }

    [Fact]
    public async Task A_cached_layer_whose_blob_left_the_output_comes_back_from_the_cache()
    {
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        Directory.Delete(_temp.Combine("image"), recursive: true);

        var second = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        Assert.Equal(first.Root.Digest, second.Root.Digest);
        Assert.True(File.Exists(BlobPath(second)));
        OciLayoutCheck.Verify(_temp.Combine("image"), "latest");
    }

    [Fact]
    public async Task A_damaged_cache_entry_is_a_miss_not_an_error()
    {
        var first = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        foreach (var entry in Directory.GetFiles(_temp.Combine("cache")))
        {
            File.WriteAllText(entry, "{ not json");
        }

        var second = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        Assert.Equal(first.Root.Digest, second.Root.Digest);
    }

    [Fact]
    public async Task A_cached_build_gives_the_same_digest_as_a_build_without_the_cache()
    {
        await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);
        var cached = await new ImageBuilder().BuildAsync(Request(), CancellationToken.None);

        var uncached = await new ImageBuilder().BuildAsync(
            Request() with { LayerCacheDirectory = null, Output = new OciLayoutLocation(_temp.Combine("fresh"), "latest") },
            CancellationToken.None);

        Assert.Equal(uncached.Root.Digest, cached.Root.Digest);
    }

    [Fact]
    public async Task The_cache_keeps_only_its_capacity_of_most_recently_used_layers()
    {
        // Given a cache of two layers
        var cache = new Toolkit.Core.Oci.Layers.LayerCache(_temp.Combine("small-cache"), capacity: 2);
        var store = new ContentStore(_temp.Combine("store"));
        var builder = new Toolkit.Core.Oci.Layers.LayerBuilder();
        var keys = new List<string>();

        // When three different layers are recorded
        foreach (var content in new[] { "one", "two", "three" })
        {
            File.WriteAllText(_temp.Combine("app", "app.dll"), content);
            var plan = builder.Plan([new Toolkit.Core.Oci.Layers.LayerSource(_temp.Combine("app"), "/app")], new Toolkit.Core.Oci.Layers.LayerOptions(), CancellationToken.None);
            var writer = store.BeginWrite();
            await using (writer)
            {
                var layer = await builder.WriteAsync(plan, writer.Content, CancellationToken.None);
                await writer.CommitAsync(layer.Descriptor, CancellationToken.None);
                var key = await cache.KeyOfAsync(plan, CancellationToken.None);
                await cache.SetAsync(key, layer, store, CancellationToken.None);
                keys.Add(key);
            }

            await Task.Delay(20);
        }

        // Then the oldest is gone, with its blob, and the newest two are there
        var empty = new ContentStore(_temp.Combine("empty"));
        Assert.Null(await cache.TryRestoreAsync(keys[0], empty, CancellationToken.None));
        Assert.NotNull(await cache.TryRestoreAsync(keys[1], empty, CancellationToken.None));
        Assert.NotNull(await cache.TryRestoreAsync(keys[2], empty, CancellationToken.None));
        Assert.Equal(2, Directory.GetFiles(_temp.Combine("small-cache", "blobs", "sha256")).Length);
    }

    [Fact]
    public async Task An_archive_output_reuses_the_cached_layer()
    {
        var first = await new ImageBuilder().BuildAsync(Request() with { Output = new OciArchiveLocation(_temp.Combine("one.tar"), "v1") }, CancellationToken.None);

        var second = await new ImageBuilder().BuildAsync(Request() with { Output = new OciArchiveLocation(_temp.Combine("two.tar"), "v1") }, CancellationToken.None);

        Assert.Equal(first.Root.Digest, second.Root.Digest);
        Assert.Equal(File.ReadAllBytes(_temp.Combine("one.tar")), File.ReadAllBytes(_temp.Combine("two.tar")));
    }
}
