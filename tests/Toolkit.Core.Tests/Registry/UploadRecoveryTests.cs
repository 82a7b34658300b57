using System.Diagnostics;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>
/// Broken upload sessions against the real distribution registry, through a <see cref="FaultInjectingProxy"/>: a chunk
/// resumes where the registry stands, a session the registry lost or cancelled is restarted, a lost answer to the final
/// PUT is recognised by the blob being there, and a session that keeps breaking ends in TK1081.
/// </summary>
public sealed class UploadRecoveryTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private const int Chunk = PushOptions.MinChunkSize;

    private static readonly RegistryClientOptions s_options = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryAttempts = 3 };

    private static readonly BlobUploadOptions s_chunked = new() { MonolithicThreshold = Chunk, ChunkSize = Chunk };

    private readonly FaultInjectingProxy _proxy = new(registry.BaseUri);
    private readonly RegistryClientFactory _factory = new(s_options);
    private readonly TemporaryDirectory _temp = new("tk-upload-recovery");

    public void Dispose()
    {
        _factory.Dispose();
        _proxy.Dispose();
        _temp.Dispose();
    }

    private static (Descriptor Descriptor, byte[] Content) RandomBlob(int size, int seed)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        return (Descriptor.For(MediaTypes.OciLayerGzip, content), content);
    }

    private IRegistryClient ThroughProxy => _factory.Create(_proxy.HostPort);

    private async Task AssertStoredAsync(string repository, Descriptor descriptor)
    {
        var direct = _factory.Create(registry.HostPort);
        Assert.Equal(descriptor.Size, await direct.HeadBlobAsync(repository, descriptor.Digest, CancellationToken.None));
        await using var stream = await direct.GetBlobAsync(repository, descriptor, CancellationToken.None);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        Assert.Equal(descriptor.Digest, Digest.Compute(memory.ToArray()));
    }

    private int Count(string method, string pathContains)
        => _proxy.Requests.Count(r => r.Method == method && r.Path.Contains(pathContains, StringComparison.Ordinal));

    [Fact]
    public async Task A_chunk_answered_503_resumes_in_the_same_session_from_the_registrys_offset()
    {
        // Given: the second PATCH never reaches the registry
        var (descriptor, content) = RandomBlob((3 * Chunk) + 1000, 1);
        var failed = _proxy.Add(new FaultRule(FaultKind.Status, "PATCH", "/blobs/uploads/", 1) { StatusCode = 503 });

        // When
        await ThroughProxy.PushBlobAsync("recover/resume", descriptor, new MemoryStream(content, writable: false), s_chunked, null, CancellationToken.None);

        // Then: one session, the registry asked where it stands, and the blob is intact
        Assert.Equal(1, failed.Fired);
        Assert.Equal(1, Count("POST", "/blobs/uploads/"));
        Assert.Equal(1, Count("GET", "/blobs/uploads/"));
        Assert.Equal(5, Count("PATCH", "/blobs/uploads/")); // 4 chunks, one of them twice
        await AssertStoredAsync("recover/resume", descriptor);
    }

    [Fact]
    public async Task A_chunk_cut_off_after_the_registry_took_part_of_it_restarts_the_session_and_the_blob_is_intact()
    {
        // Given: the registry receives 300 KB of the second chunk, then the connection breaks (distribution then
        // cancels the session when the client comes back at the old offset)
        var (descriptor, content) = RandomBlob((3 * Chunk) + 1000, 2);
        var cut = _proxy.Add(new FaultRule(FaultKind.ForwardPartialRequestBody, "PATCH", "/blobs/uploads/", 1) { AfterBytes = 300_000 });

        // When: the stream can be rewound, so the client restarts by itself
        await ThroughProxy.PushBlobAsync("recover/partial", descriptor, new MemoryStream(content, writable: false), s_chunked, null, CancellationToken.None);

        // Then
        Assert.Equal(1, cut.Fired);
        Assert.Equal(2, Count("POST", "/blobs/uploads/"));
        await AssertStoredAsync("recover/partial", descriptor);
    }

    [Fact]
    public async Task A_monolithic_PUT_cut_off_in_the_middle_restarts_the_session()
    {
        // Given
        var (descriptor, content) = RandomBlob(600_000, 3);
        var cut = _proxy.Add(new FaultRule(FaultKind.ForwardPartialRequestBody, "PUT", "/blobs/uploads/", 1) { AfterBytes = 200_000 });

        // When
        await ThroughProxy.PushBlobAsync("recover/monolithic", descriptor, new MemoryStream(content, writable: false), new BlobUploadOptions(), null, CancellationToken.None);

        // Then
        Assert.Equal(1, cut.Fired);
        Assert.Equal(2, Count("POST", "/blobs/uploads/"));
        await AssertStoredAsync("recover/monolithic", descriptor);
    }

    [Fact]
    public async Task A_lost_answer_to_the_final_PUT_is_recognised_by_the_blob_being_there()
    {
        // Given: the registry stores the blob, but its 201 never arrives
        var (descriptor, content) = RandomBlob(300_000, 4);
        var dropped = _proxy.Add(new FaultRule(FaultKind.DropResponse, "PUT", "/blobs/uploads/", 1));

        // When
        await ThroughProxy.PushBlobAsync("recover/lost-answer", descriptor, new MemoryStream(content, writable: false), new BlobUploadOptions(), null, CancellationToken.None);

        // Then: no second session, because a HEAD showed the blob complete
        Assert.Equal(1, dropped.Fired);
        Assert.Equal(1, Count("POST", "/blobs/uploads/"));
        Assert.Contains(_proxy.Requests, r => r.Method == "HEAD" && r.Path.Contains("/blobs/sha256:", StringComparison.Ordinal));
        await AssertStoredAsync("recover/lost-answer", descriptor);
    }

    [Fact]
    public async Task An_expired_session_answered_404_is_restarted()
    {
        // Given: the registry forgot the session between two chunks
        var (descriptor, content) = RandomBlob((2 * Chunk) + 10, 5);
        var expired = _proxy.Add(new FaultRule(FaultKind.Status, "PATCH", "/blobs/uploads/", 1)
        {
            StatusCode = 404,
            Body = Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\",\"message\":\"blob upload unknown to registry\"}]}"),
        });
        _proxy.Add(new FaultRule(FaultKind.Status, "GET", "/blobs/uploads/", 1)
        {
            StatusCode = 404,
            Body = Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\",\"message\":\"blob upload unknown to registry\"}]}"),
        });

        // When
        await ThroughProxy.PushBlobAsync("recover/expired", descriptor, new MemoryStream(content, writable: false), s_chunked, null, CancellationToken.None);

        // Then
        Assert.Equal(1, expired.Fired);
        Assert.Equal(2, Count("POST", "/blobs/uploads/"));
        await AssertStoredAsync("recover/expired", descriptor);
    }

    [Fact]
    public async Task A_session_that_keeps_breaking_ends_in_TK1081_and_a_push_names_no_manifest()
    {
        // Given: every PATCH is cut off after the registry took part of it
        var image = await BuildLayoutAsync("broken");
        _proxy.Add(new FaultRule(FaultKind.ForwardPartialRequestBody, "PATCH", "/blobs/uploads/", 1000) { AfterBytes = 100_000 });

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new RegistryPusher(_factory).PushAsync(
            image, ImageLocation.Parse($"{_proxy.HostPort}/recover/broken:1"), new PushOptions { Upload = s_chunked }, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.BlobUploadInterrupted, error.ErrorCode);
        Assert.Contains("push again", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Requests, r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal));
        Assert.Null(await _factory.Create(registry.HostPort).HeadManifestAsync("recover/broken", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None));
    }

    [Fact]
    public async Task A_push_from_a_layout_reopens_the_blob_when_its_session_must_restart()
    {
        // Given: an oci: layout (its blob streams cannot be rewound) and one chunk cut off mid-way
        var image = await BuildLayoutAsync("reopen");
        var cut = _proxy.Add(new FaultRule(FaultKind.ForwardPartialRequestBody, "PATCH", "/blobs/uploads/", 1) { AfterBytes = 200_000 });

        // When
        var result = await new RegistryPusher(_factory).PushAsync(
            image, ImageLocation.Parse($"{_proxy.HostPort}/recover/reopen:1"), new PushOptions { Upload = s_chunked, MaxParallelUploads = 1 }, CancellationToken.None);

        // Then
        Assert.Equal(1, cut.Fired);
        var manifest = await _factory.Create(registry.HostPort).GetManifestAsync("recover/reopen", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None);
        Assert.NotNull(manifest);
        Assert.Equal(result.Root.Digest, manifest.Descriptor.Digest);
        foreach (var layer in OciJson.ParseManifest(manifest.Content).Layers)
        {
            await AssertStoredAsync("recover/reopen", layer);
        }
    }

    [Fact]
    public async Task A_blob_download_that_stalls_fails_with_a_coded_error_after_the_read_timeout()
    {
        // Given: a blob whose download stops sending after 100 KB
        var (descriptor, content) = RandomBlob(400_000, 6);
        await _factory.Create(registry.HostPort).PushBlobAsync("recover/stall", descriptor, new MemoryStream(content), new BlobUploadOptions(), null, CancellationToken.None);
        _proxy.Add(new FaultRule(FaultKind.StallResponseBody, "GET", "/blobs/sha256:", 1) { AfterBytes = 100_000, Delay = TimeSpan.FromSeconds(20) });
        using var http = new HttpClient();
        var impatient = new RegistryClient(_proxy.HostPort, new Uri($"http://{_proxy.HostPort}/"), http, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
        {
            ReadTimeout = TimeSpan.FromSeconds(1),
        };
        var watch = Stopwatch.StartNew();

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(async () =>
        {
            await using var stream = await impatient.GetBlobAsync("recover/stall", descriptor, CancellationToken.None);
            await stream.CopyToAsync(Stream.Null);
        });

        // Then
        Assert.Equal(ErrorCodes.RegistryUnreachable, error.ErrorCode);
        Assert.Contains("received nothing for 1 s", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    private async Task<ImageLocation> BuildLayoutAsync(string name)
    {
        var folder = _temp.Combine($"{name}-files");
        Directory.CreateDirectory(folder);
        var bytes = new byte[(2 * Chunk) + 5000];
        new Random(name.Length).NextBytes(bytes);
        await File.WriteAllBytesAsync(Path.Combine(folder, "data.bin"), bytes);
        var output = new OciLayoutLocation(_temp.Combine(name), "1");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = output,
            Layers = [new LayerSpec(folder, "/data")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit),
        }, CancellationToken.None);
        return output;
    }
}
