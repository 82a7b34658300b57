using System.Security.Cryptography;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Registry;

/// <summary>The client against a real distribution registry over plain HTTP on 127.0.0.1.</summary>
public sealed class RegistryClientTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private static readonly string[] ManifestTypes = [MediaTypes.OciManifest, MediaTypes.OciIndex];
    private readonly RegistryClientFactory _factory = new(new RegistryClientOptions());

    public void Dispose() => _factory.Dispose();

    private IRegistryClient Client => _factory.Create(registry.HostPort);

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    internal static async Task<(Descriptor Manifest, byte[] Content)> PushImageAsync(IRegistryClient client, string repository, string tag, int layerSize = 3000)
    {
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var layer = RandomBytes(layerSize);
        var configDescriptor = Descriptor.For(MediaTypes.OciConfig, config);
        var layerDescriptor = Descriptor.For(MediaTypes.OciLayerGzip, layer);
        await client.PushBlobAsync(repository, configDescriptor, new MemoryStream(config), new BlobUploadOptions(), null, CancellationToken.None);
        await client.PushBlobAsync(repository, layerDescriptor, new MemoryStream(layer), new BlobUploadOptions(), null, CancellationToken.None);
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"{{configDescriptor.Digest}}","size":{{config.Length}}},"layers":[{"mediaType":"{{MediaTypes.OciLayerGzip}}","digest":"{{layerDescriptor.Digest}}","size":{{layer.Length}}}]}
            """.Trim());
        var descriptor = Descriptor.For(MediaTypes.OciManifest, manifest);
        await client.PutManifestAsync(repository, tag, descriptor, manifest, CancellationToken.None);
        return (descriptor, manifest);
    }

    [Fact]
    public async Task Ping_succeeds_on_a_plain_HTTP_loopback_registry()
    {
        // Given a registry on 127.0.0.1 that speaks only HTTP
        // When it is pinged
        // Then it answers (HTTPS was tried, then plain HTTP as allowed for loopback)
        await Client.PingAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_manifest_round_trips_with_its_exact_bytes_and_digest()
    {
        // Given an image pushed by tag
        var (descriptor, content) = await PushImageAsync(Client, "roundtrip/app", "v1");

        // When it is read back by tag and by digest, and HEADed
        var byTag = await Client.GetManifestAsync("roundtrip/app", "v1", ManifestTypes, CancellationToken.None);
        var byDigest = await Client.GetManifestAsync("roundtrip/app", descriptor.Digest.ToString(), ManifestTypes, CancellationToken.None);
        var head = await Client.HeadManifestAsync("roundtrip/app", "v1", ManifestTypes, CancellationToken.None);

        // Then the bytes, media type and digest are the ones pushed
        Assert.NotNull(byTag);
        Assert.Equal(content, byTag.Content);
        Assert.Equal(descriptor.Digest, byTag.Descriptor.Digest);
        Assert.Equal(MediaTypes.OciManifest, byTag.Descriptor.MediaType);
        Assert.Equal(content, byDigest!.Content);
        Assert.Equal(descriptor.Digest, head!.Digest);
        Assert.Equal(content.Length, head.Size);
    }

    [Fact]
    public async Task Missing_manifests_and_blobs_are_null()
    {
        // Given a repository with one image
        await PushImageAsync(Client, "missing/app", "v1");
        var absent = Digest.Compute(Encoding.UTF8.GetBytes("absent"));

        // When absent things are asked for
        // Then they are null, also in a repository that does not exist
        Assert.Null(await Client.GetManifestAsync("missing/app", "nope", ManifestTypes, CancellationToken.None));
        Assert.Null(await Client.HeadManifestAsync("missing/app", "nope", ManifestTypes, CancellationToken.None));
        Assert.Null(await Client.HeadBlobAsync("missing/app", absent, CancellationToken.None));
        Assert.Null(await Client.GetManifestAsync("no/such/repository", "v1", ManifestTypes, CancellationToken.None));
    }

    [Theory]
    [InlineData(1000, 16 * 1024 * 1024, null)]
    [InlineData(5 * 1024 * 1024 + 123, 1024 * 1024, 1024 * 1024)]
    [InlineData(5 * 1024 * 1024 + 123, 1024 * 1024, null)]
    public async Task A_blob_round_trips_monolithic_chunked_or_streamed(int size, long threshold, int? chunkSize)
    {
        // Given a blob and upload options that make it monolithic, chunked or streamed in one PATCH
        var content = RandomBytes(size);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);
        var options = new BlobUploadOptions { MonolithicThreshold = threshold, ChunkSize = chunkSize };
        var reported = new List<long>();

        // When it is pushed and read back
        await Client.PushBlobAsync("blobs/app", descriptor, new MemoryStream(content), options, new SynchronousProgress(reported), CancellationToken.None);
        var size_ = await Client.HeadBlobAsync("blobs/app", descriptor.Digest, CancellationToken.None);
        await using var stream = await Client.GetBlobAsync("blobs/app", descriptor, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        // Then the registry has exactly those bytes, and progress reached the full size
        Assert.Equal(size, size_);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(copy.ToArray()));
        Assert.Equal(size, reported[^1]);
    }

    [Fact]
    public async Task A_blob_is_mounted_from_another_repository_and_an_unknown_one_is_not()
    {
        // Given a blob in one repository
        var content = RandomBytes(2048);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);
        await Client.PushBlobAsync("mount/source", descriptor, new MemoryStream(content), new BlobUploadOptions(), null, CancellationToken.None);

        // When it is mounted into another, and an unknown blob is mounted
        var mounted = await Client.TryMountBlobAsync("mount/target", descriptor.Digest, "mount/source", CancellationToken.None);
        var unknown = await Client.TryMountBlobAsync("mount/target", Digest.Compute(Encoding.UTF8.GetBytes("x")), "mount/source", CancellationToken.None);

        // Then the first is there without an upload, and the second says false
        Assert.True(mounted);
        Assert.Equal(2048, await Client.HeadBlobAsync("mount/target", descriptor.Digest, CancellationToken.None));
        Assert.False(unknown);
    }

    [Fact]
    public async Task Tags_are_listed_across_pages()
    {
        // Given a repository with several tags
        var (descriptor, content) = await PushImageAsync(Client, "tags/app", "t0");
        for (var i = 1; i < 5; i++)
        {
            await Client.PutManifestAsync("tags/app", $"t{i}", descriptor, content, CancellationToken.None);
        }

        // When they are listed two per page
        using var http = new HttpClient();
        var tags = await new RegistryClient(registry.HostPort, registry.BaseUri, http, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) { TagPageSize = 2 }
            .ListTagsAsync("tags/app", CancellationToken.None);

        // Then all are there
        Assert.Equal(["t0", "t1", "t2", "t3", "t4"], tags.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_manifest_naming_a_missing_blob_is_a_coded_manifest_error()
    {
        // Given a manifest whose layers are not in the registry
        var manifest = Encoding.UTF8.GetBytes($$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"{{Digest.Compute([1])}}","size":1},"layers":[]}
            """.Trim());

        // When it is pushed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Client.PutManifestAsync("bad/app", "v1", Descriptor.For(MediaTypes.OciManifest, manifest), manifest, CancellationToken.None));

        // Then it is TK1005 with the registry's reason
        Assert.Equal(ErrorCodes.ManifestRejected.Code, error.Code);
        Assert.Contains("MANIFEST_BLOB_UNKNOWN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skopeo_reads_back_what_the_client_pushed_and_the_client_reads_what_skopeo_copied()
    {
        // Given an image pushed by the client
        var (descriptor, content) = await PushImageAsync(Client, "peer/app", "v1", layerSize: 40_000);

        // When skopeo reads it, and copies it (keeping digests) to another repository of the registry
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/peer/app:v1"]);
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false", $"docker://{registry.HostPort}/peer/app:v1", $"docker://{registry.HostPort}/peer/copied:v2"]);
        var copied = await Client.GetManifestAsync("peer/copied", "v2", ManifestTypes, CancellationToken.None);

        // Then skopeo saw our exact bytes, and its copy kept the digest
        Assert.Equal(content, raw.StandardOutputBytes);
        Assert.Equal(descriptor.Digest, copied!.Descriptor.Digest);
    }

    [Fact]
    public async Task An_unreachable_registry_is_a_coded_error()
    {
        // Given a port nobody listens on
        using var factory = new RegistryClientFactory(new RegistryClientOptions { MaxRetryAttempts = 1 });
        var client = factory.Create("127.0.0.1:1");

        // When it is pinged
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PingAsync(CancellationToken.None));

        // Then the error says it cannot be reached
        Assert.Equal(ErrorCodes.RegistryUnreachable.Code, error.Code);
    }

    private sealed class SynchronousProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
