using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;
using Xunit.Abstractions;

namespace Toolkit.Core.Tests.Registry;

/// <summary>
/// Pushes and pulls through a <see cref="FaultInjectingProxy"/> in front of a real distribution registry: 5xx, 429 with
/// <c>Retry-After</c>, resets in the middle of a blob, slow answers, corrupted and malformed content.
/// </summary>
public sealed class RegistryFaultTests(DistributionRegistryFixture registry, ITestOutputHelper output) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private static readonly string[] ManifestTypes = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];
    private static readonly BuildTimestamp s_timestamp = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit);

    // Small waits so the class stays fast; Retry-After from the proxy is 1 s and is honoured as sent.
    private static readonly RegistryClientOptions s_options = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetryAttempts = 4 };

    private static readonly PushOptions s_chunked = new()
    {
        Upload = new BlobUploadOptions { MonolithicThreshold = 1024 * 1024, ChunkSize = PushOptions.MinChunkSize },
    };

    // The default upload: blobs above the threshold streamed in one PATCH each (three of the four layers here).
    private static readonly PushOptions s_streamed = new()
    {
        Upload = new BlobUploadOptions { MonolithicThreshold = 1024 * 1024 },
    };

    private readonly TemporaryDirectory _temp = new("tk-faults");
    private readonly FaultInjectingProxy _proxy = new(registry.BaseUri);
    private readonly RegistryClientFactory _factory = new(s_options);

    public void Dispose()
    {
        _factory.Dispose();
        _proxy.Dispose();
        _temp.Dispose();
    }

    /// <summary>An oci: layout with four layers: two of about 2.5 MiB (chunked), one of 1.5 MiB (chunked) and a small one.</summary>
    private async Task<(ImageLocation Location, Descriptor Root)> BuildImageAsync(string name)
    {
        var layers = new List<LayerSpec>();
        foreach (var (size, index) in new[] { 2_600_000, 2_500_000, 1_500_000, 4_000 }.Select((s, i) => (s, i)))
        {
            var folder = _temp.Combine($"{name}-layer{index}");
            Directory.CreateDirectory(folder);
            var bytes = new byte[size];
            new Random(size + index).NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(folder, $"data{index}.bin"), bytes);
            layers.Add(new LayerSpec(folder, $"/data{index}"));
        }

        var output = new OciLayoutLocation(_temp.Combine(name), "1.0");
        var built = await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = output,
            Layers = layers,
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Timestamp = s_timestamp,
        }, CancellationToken.None);
        return (output, built.Root);
    }

    private Task<PushResult> PushThroughProxyAsync(RegistryClientFactory factory, ImageLocation source, string repositoryAndTag, PushOptions? options = null)
        => new RegistryPusher(factory).PushAsync(source, ImageLocation.Parse($"{_proxy.HostPort}/{repositoryAndTag}"), options ?? s_chunked, CancellationToken.None);

    /// <summary>Reads the image straight from the registry (not through the proxy) and checks every manifest and blob digest.</summary>
    private async Task AssertCompleteAsync(string repositoryAndTag, Digest expected)
    {
        var source = new RegistryImageSource(_factory.Create(registry.HostPort), ImageReference.Parse($"{registry.HostPort}/{repositoryAndTag}"));
        var root = await source.ResolveAsync(CancellationToken.None);
        Assert.Equal(expected, root.Digest);
        var manifestBytes = await source.ReadContentAsync(root, CancellationToken.None);
        Assert.Equal(expected, Digest.Compute(manifestBytes));
        var manifest = OciJson.ParseManifest(manifestBytes);
        foreach (var blob in manifest.Layers.Append(manifest.Config))
        {
            await using var stream = await source.OpenBlobAsync(blob, CancellationToken.None);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            Assert.Equal(blob.Size, memory.Length);
            Assert.Equal(blob.Digest, Digest.Compute(memory.ToArray()));
        }
    }

    /// <summary>Every tag of every repository in the registry resolves to a manifest whose blobs (or children) are all there.</summary>
    private async Task<int> AssertNoDanglingManifestsAsync()
    {
        using var http = new HttpClient();
        using var catalog = JsonDocument.Parse(await http.GetStringAsync(new Uri(registry.BaseUri, "v2/_catalog?n=1000")));
        var client = _factory.Create(registry.HostPort);
        var checkedManifests = 0;
        foreach (var repository in catalog.RootElement.GetProperty("repositories").EnumerateArray().Select(r => r.GetString()!))
        {
            IReadOnlyList<string> tags;
            try
            {
                tags = await client.ListTagsAsync(repository, CancellationToken.None);
            }
            catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.RepositoryNotFound)
            {
                continue; // blobs only, no manifest: nothing can dangle
            }

            foreach (var tag in tags)
            {
                var manifest = await client.GetManifestAsync(repository, tag, ManifestTypes, CancellationToken.None);
                Assert.NotNull(manifest);
                await AssertReferencesPresentAsync(client, repository, manifest);
                checkedManifests++;
            }
        }

        return checkedManifests;
    }

    private static async Task AssertReferencesPresentAsync(IRegistryClient client, string repository, RegistryManifest manifest)
    {
        if (manifest.Descriptor.MediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList)
        {
            foreach (var child in OciJson.ParseIndex(manifest.Content).Manifests)
            {
                var childManifest = await client.GetManifestAsync(repository, child.Digest.ToString(), ManifestTypes, CancellationToken.None);
                Assert.True(childManifest is not null, $"{repository}@{manifest.Descriptor.Digest} names the missing manifest {child.Digest}");
                await AssertReferencesPresentAsync(client, repository, childManifest);
            }

            return;
        }

        var parsed = OciJson.ParseManifest(manifest.Content);
        foreach (var blob in parsed.Layers.Append(parsed.Config))
        {
            var size = await client.HeadBlobAsync(repository, blob.Digest, CancellationToken.None);
            Assert.True(size == blob.Size, $"{repository}@{manifest.Descriptor.Digest} names the blob {blob.Digest} the registry lacks");
        }
    }

    private static void AssertIndexHasNoEntry(string layoutDirectory)
    {
        var index = Path.Combine(layoutDirectory, "index.json");
        if (!File.Exists(index))
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(index));
        Assert.True(
            !document.RootElement.TryGetProperty("manifests", out var manifests) || manifests.GetArrayLength() == 0,
            $"index.json of {layoutDirectory} names a manifest after a failed pull");
    }

    [Fact]
    public async Task Ten_pushes_under_mixed_faults_each_end_complete_or_with_a_coded_error_and_nothing_dangles()
    {
        // Given
        var (image, root) = await BuildImageAsync("many");
        var outcomes = new List<string>();
        var fired = new Dictionary<FaultKind, int>();
        var watch = Stopwatch.StartNew();

        // When
        for (var i = 0; i < 10; i++)
        {
            _proxy.Reset();
            var repository = $"faults/many-{i}";
            _proxy.Add(new FaultRule(FaultKind.Status, "POST", "/blobs/uploads/", 1 + (i % 2)) { StatusCode = 503 });
            _proxy.Add(new FaultRule(FaultKind.Status, "HEAD", "/blobs/", 1) { StatusCode = 502 });
            _proxy.Add(new FaultRule(FaultKind.Delay, "PATCH", "/blobs/uploads/", 2) { Delay = TimeSpan.FromMilliseconds(150) });
            _proxy.Add(new FaultRule(FaultKind.ResetRequestBody, "PATCH", "/blobs/uploads/", i % 3 == 0 ? 1 : 0) { AfterBytes = 300_000 });
            _proxy.Add(new FaultRule(FaultKind.ResetRequestBody, "PUT", "/blobs/uploads/", i % 4 == 1 ? 1 : 0) { AfterBytes = 1_000 });
            _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/manifests/", i % 5 == 2 ? 1 : 0) { StatusCode = 500 });
            _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/manifests/", i % 5 == 3 ? 1 : 0) { StatusCode = 503 });
            _proxy.Add(new FaultRule(FaultKind.ResetRequestBody, "PATCH", "/blobs/uploads/", i % 2 == 1 ? 1 : 0) { AfterBytes = 500_000 });
            try
            {
                var result = await PushThroughProxyAsync(_factory, image, $"{repository}:1.0");
                Assert.Equal(root.Digest, result.Root.Digest);
                await AssertCompleteAsync($"{repository}:1.0", root.Digest);
                outcomes.Add("complete");
            }
            catch (ToolkitException exception)
            {
                Assert.StartsWith("TK1", exception.Code, StringComparison.Ordinal);
                Assert.False(string.IsNullOrWhiteSpace(exception.Message));
                outcomes.Add($"{exception.Code} ({exception.Message})");
                if (Environment.GetEnvironmentVariable("TK_FAULT_DEBUG") is not null)
                {
                    output.WriteLine(string.Join("\n", _proxy.Requests.Select(r => $"{r.Method} {r.Path[..Math.Min(r.Path.Length, 70)]} {r.Status} {r.Fault} {r.Note}")));
                }
            }
            finally
            {
                foreach (var request in _proxy.Requests.Where(r => r.Fault is not null))
                {
                    fired[request.Fault!.Value] = fired.GetValueOrDefault(request.Fault!.Value) + 1;
                }
            }
        }

        // Then
        Assert.Equal(10, outcomes.Count);
        // Every fault here is transient and retried (a 500 to a manifest PUT too: a PUT is idempotent), so every push completes.
        Assert.All(outcomes, o => Assert.Equal("complete", o));
        Assert.All(new[] { FaultKind.Status, FaultKind.Delay, FaultKind.ResetRequestBody }, k => Assert.True(fired.GetValueOrDefault(k) > 0, $"no {k} fault fired"));
        Assert.True(await AssertNoDanglingManifestsAsync() >= outcomes.Count(o => o == "complete"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"took {watch.Elapsed}: {string.Join(", ", outcomes)}");
        output.WriteLine($"{watch.Elapsed}: {string.Join(", ", outcomes)}");
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_a_streamed_blob_ends_in_a_coded_error_or_a_complete_image_and_a_second_push_completes()
    {
        // Given a push whose first streamed PATCH breaks after 300 KB
        var (image, root) = await BuildImageAsync("streamreset");
        var reset = _proxy.Add(new FaultRule(FaultKind.ResetRequestBody, "PATCH", "/blobs/uploads/", 1) { AfterBytes = 300_000 });

        // When it is pushed, and pushed again
        var first = await Record.ExceptionAsync(() => PushThroughProxyAsync(_factory, image, "faults/streamreset:1.0", s_streamed));
        var tagsAfterFirst = first is null ? null : await Record.ExceptionAsync(() => _factory.Create(registry.HostPort).ListTagsAsync("faults/streamreset", CancellationToken.None));
        var second = await PushThroughProxyAsync(_factory, image, "faults/streamreset:1.0", s_streamed);

        // Then the fault fired, a failed first push was a coded registry error that left no tag, and the image is complete
        Assert.Equal(1, reset.Fired);
        if (first is not null)
        {
            var coded = Assert.IsType<ToolkitException>(first);
            Assert.StartsWith("TK1", coded.Code, StringComparison.Ordinal);
            Assert.Equal(ErrorCodes.RepositoryNotFound, Assert.IsType<ToolkitException>(tagsAfterFirst).ErrorCode);
        }

        Assert.Equal(root.Digest, second.Root.Digest);
        Assert.Contains(_proxy.Requests, r => r.Method == "PATCH" && r.Status == 202);
        await AssertCompleteAsync("faults/streamreset:1.0", root.Digest);
        await AssertNoDanglingManifestsAsync();
    }

    public static TheoryData<string> UploadModes => ["streamed", "chunked", "monolithic"];

    [Theory]
    [MemberData(nameof(UploadModes))]
    public async Task A_corrupted_blob_in_the_local_layout_is_refused_with_TK2008_and_the_registry_keeps_nothing_of_it(string mode)
    {
        // Given a layout whose largest layer has one byte changed on disk (same length, so only its digest can tell)
        var (image, _) = await BuildImageAsync($"localcorrupt-{mode}");
        var layout = ((OciLayoutLocation)image).Path;
        var manifest = OciJson.ParseManifest(await File.ReadAllBytesAsync(Path.Combine(layout, "blobs", "sha256", OciJson.ParseIndex(await File.ReadAllBytesAsync(Path.Combine(layout, "index.json"))).Manifests[0].Digest.Encoded)));
        var largest = manifest.Layers.MaxBy(l => l.Size)!;
        var path = Path.Combine(layout, "blobs", "sha256", largest.Digest.Encoded);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        var options = mode switch
        {
            "streamed" => s_streamed,
            "chunked" => s_chunked,
            _ => new PushOptions(),
        };
        var repository = $"faults/localcorrupt-{mode}";

        // When it is pushed to the real registry
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushThroughProxyAsync(_factory, image, $"{repository}:1.0", options));

        // Then the error says the local content does not match, and the registry has neither the blob nor a tag
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
        Assert.Contains(largest.Digest.ToString(), error.Message, StringComparison.Ordinal);
        var client = _factory.Create(registry.HostPort);
        Assert.Null(await client.HeadBlobAsync(repository, largest.Digest, CancellationToken.None));
        Assert.Null(await client.GetManifestAsync(repository, "1.0", ManifestTypes, CancellationToken.None));
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_honoured_and_the_push_succeeds()
    {
        // Given
        var (image, root) = await BuildImageAsync("ratelimit");
        var limited = _proxy.Add(new FaultRule(FaultKind.TooManyRequests, "PUT", "/manifests/", 1));
        var watch = Stopwatch.StartNew();

        // When
        var result = await PushThroughProxyAsync(_factory, image, "faults/ratelimit:1.0");

        // Then
        Assert.Equal(root.Digest, result.Root.Digest);
        Assert.Equal(1, limited.Fired);
        var manifestPuts = _proxy.Requests.Where(r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal)).ToList();
        Assert.Equal(429, manifestPuts[0].Status);
        Assert.Contains(manifestPuts, r => r.Status == 201);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"the push took {watch.Elapsed}, shorter than Retry-After: 1");
        await AssertCompleteAsync("faults/ratelimit:1.0", root.Digest);
    }

    [Fact]
    public async Task A_blob_upload_answered_200_instead_of_201_is_not_confirmed_and_no_manifest_is_pushed()
    {
        // Given: something in the path answers the final PUT of a monolithic upload without the registry
        var (image, _) = await BuildImageAsync("unconfirmed");
        _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/blobs/uploads/", 1) { StatusCode = 200 });

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushThroughProxyAsync(_factory, image, "faults/unconfirmed:1.0"));

        // Then
        Assert.Equal(ErrorCodes.BlobUploadUnconfirmed, error.ErrorCode);
        Assert.DoesNotContain(_proxy.Requests, r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_a_pulled_blob_gives_a_complete_copy_or_a_coded_error_and_no_partial_entry()
    {
        // Given
        var (image, root) = await BuildImageAsync("pullreset");
        await PushThroughProxyAsync(_factory, image, "faults/pullreset:1.0");
        _proxy.Reset();
        _proxy.Add(new FaultRule(FaultKind.ResetResponseBody, "GET", "/blobs/sha256:", 1) { AfterBytes = 200_000 });
        var layout = _temp.Combine("pullreset-pull");

        // When
        var outcome = await Record.ExceptionAsync(() => new RegistryPusher(_factory).PushAsync(
            ImageLocation.Parse($"{_proxy.HostPort}/faults/pullreset:1.0"), ImageLocation.Parse($"oci:{layout}:1.0"), new PushOptions(), CancellationToken.None));

        // Then
        if (outcome is null)
        {
            Assert.Equal(root.Digest.ToString(), OciLayoutCheck.Verify(layout, "1.0").ManifestDigest);
        }
        else
        {
            var coded = Assert.IsType<ToolkitException>(outcome);
            Assert.StartsWith("TK", coded.Code, StringComparison.Ordinal);
            AssertIndexHasNoEntry(layout);
        }

        Assert.Contains(_proxy.Requests, r => r.Fault == FaultKind.ResetResponseBody);
    }

    [Fact]
    public async Task Two_clients_pushing_the_same_image_concurrently_both_succeed()
    {
        // Given
        var (image, root) = await BuildImageAsync("concurrent");
        using var other = new RegistryClientFactory(s_options);

        // When
        var results = await Task.WhenAll(
            PushThroughProxyAsync(_factory, image, "faults/concurrent:1.0"),
            PushThroughProxyAsync(other, image, "faults/concurrent:1.0"));

        // Then
        Assert.All(results, r => Assert.Equal(root.Digest, r.Root.Digest));
        await AssertCompleteAsync("faults/concurrent:1.0", root.Digest);
        Assert.Equal(["1.0"], await _factory.Create(registry.HostPort).ListTagsAsync("faults/concurrent", CancellationToken.None));
    }

    /// <summary>CNCF distribution's answer to a manifest PUT while another pusher is still committing the same blobs.</summary>
    private static byte[] ManifestBlobUnknownBody(Digest blob)
        => Encoding.UTF8.GetBytes(
            "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"provided digest did not match uploaded content\"},"
            + $"{{\"code\":\"MANIFEST_BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\",\"detail\":\"{blob}\"}}]}}");

    private Descriptor SmallestLayer(string name, Descriptor root)
    {
        var manifest = OciJson.ParseManifest(File.ReadAllBytes(Path.Combine(_temp.Combine(name), "blobs", root.Digest.Algorithm, root.Digest.Encoded)));
        return manifest.Layers.MinBy(l => l.Size)!;
    }

    private List<ProxiedRequest> ManifestPuts()
        => [.. _proxy.Requests.Where(r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal))];

    [Fact]
    public async Task A_manifest_PUT_refused_as_MANIFEST_BLOB_UNKNOWN_while_every_blob_is_there_is_sent_again()
    {
        // Given: the first manifest PUT gets distribution's 400 of the concurrent-push race
        var (image, root) = await BuildImageAsync("blobrace");
        var refused = _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/manifests/", 1) { StatusCode = 400, Body = ManifestBlobUnknownBody(SmallestLayer("blobrace", root).Digest) });

        // When
        var result = await PushThroughProxyAsync(_factory, image, "faults/blobrace:1.0");

        // Then: the blobs were asked for again after the refusal, the manifest was sent again, and the image is whole
        Assert.Equal(root.Digest, result.Root.Digest);
        Assert.Equal(1, refused.Fired);
        var puts = ManifestPuts();
        Assert.Equal(400, puts[0].Status);
        Assert.Equal(201, puts[^1].Status);
        var requests = _proxy.Requests;
        var refusedAt = requests.ToList().FindIndex(r => r.Method == "PUT" && r.Status == 400);
        Assert.True(requests.Skip(refusedAt).Count(r => r.Method == "HEAD" && r.Path.Contains("/blobs/", StringComparison.Ordinal)) >= 5, "every blob (config and four layers) is checked again");
        await AssertCompleteAsync("faults/blobrace:1.0", root.Digest);
    }

    [Fact]
    public async Task A_manifest_PUT_refused_as_MANIFEST_BLOB_UNKNOWN_for_a_blob_that_is_really_gone_is_TK1017_naming_it()
    {
        // Given: the registry refuses the manifest, and the smallest layer is gone by the time it is asked for again
        var (image, root) = await BuildImageAsync("blobgone");
        var layer = SmallestLayer("blobgone", root);
        _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/manifests/", 1) { StatusCode = 400, Body = ManifestBlobUnknownBody(layer.Digest) });
        _proxy.Add(new FaultRule(FaultKind.Status, "HEAD", $"/blobs/{layer.Digest}", 1000) { StatusCode = 404, Body = [] });

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushThroughProxyAsync(_factory, image, "faults/blobgone:1.0"));

        // Then
        Assert.Equal(ErrorCodes.ManifestBlobMissing, error.ErrorCode);
        Assert.Contains(layer.Digest.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(root.Digest.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Single(ManifestPuts());
    }

    [Fact]
    public async Task A_registry_that_keeps_refusing_the_manifest_with_every_blob_there_ends_coded_after_a_few_retries()
    {
        // Given
        var (image, root) = await BuildImageAsync("blobstuck");
        _proxy.Add(new FaultRule(FaultKind.Status, "PUT", "/manifests/", 1000) { StatusCode = 400, Body = ManifestBlobUnknownBody(SmallestLayer("blobstuck", root).Digest) });

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushThroughProxyAsync(_factory, image, "faults/blobstuck:1.0"));

        // Then: the first PUT and four retries (RegistryDestinationOptions.ManifestBlobUnknownRetries), then the registry's own refusal
        Assert.Equal(ErrorCodes.ManifestRejected, error.ErrorCode);
        Assert.Contains("MANIFEST_BLOB_UNKNOWN", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, ManifestPuts().Count);
    }

    [Fact]
    public async Task A_corrupted_blob_gives_a_coded_error_and_no_entry_in_the_oci_destination()
    {
        // Given
        var (image, _) = await BuildImageAsync("corrupt");
        await PushThroughProxyAsync(_factory, image, "faults/corrupt:1.0");
        _proxy.Reset();
        _proxy.Add(new FaultRule(FaultKind.CorruptResponseBody, "GET", "/blobs/sha256:", 1000));
        var layout = _temp.Combine("corrupt-pull");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new RegistryPusher(_factory).PushAsync(
            ImageLocation.Parse($"{_proxy.HostPort}/faults/corrupt:1.0"), ImageLocation.Parse($"oci:{layout}:1.0"), new PushOptions(), CancellationToken.None));

        // Then
        Assert.StartsWith("TK", error.Code, StringComparison.Ordinal);
        AssertIndexHasNoEntry(layout);
    }

    [Theory]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":")]
    [InlineData("not json at all")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"digest\":42}]}")]
    public async Task A_malformed_manifest_or_index_gives_a_coded_error_and_no_entry_in_the_oci_destination(string served)
    {
        // Given
        var (image, _) = await BuildImageAsync("malformed");
        await PushThroughProxyAsync(_factory, image, "faults/malformed:1.0");
        _proxy.Reset();
        _proxy.Add(new FaultRule(FaultKind.ReplaceResponseBody, "GET", "/manifests/", 1000) { Body = Encoding.UTF8.GetBytes(served) });
        var layout = _temp.Combine("malformed-pull");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new RegistryPusher(_factory).PushAsync(
            ImageLocation.Parse($"{_proxy.HostPort}/faults/malformed:1.0"), ImageLocation.Parse($"oci:{layout}:1.0"), new PushOptions(), CancellationToken.None));

        // Then
        Assert.StartsWith("TK", error.Code, StringComparison.Ordinal);
        AssertIndexHasNoEntry(layout);
    }

    [Fact]
    public async Task An_oversized_manifest_response_gives_a_coded_error_and_no_entry_in_the_oci_destination()
    {
        // Given
        var (image, _) = await BuildImageAsync("oversized");
        await PushThroughProxyAsync(_factory, image, "faults/oversized:1.0");
        _proxy.Reset();
        var huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"annotations\":{\"x\":\"" + new string('a', RegistryClient.MaxManifestBytes + 10) + "\"}}");
        _proxy.Add(new FaultRule(FaultKind.ReplaceResponseBody, "GET", "/manifests/", 1000) { Body = huge });
        var layout = _temp.Combine("oversized-pull");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new RegistryPusher(_factory).PushAsync(
            ImageLocation.Parse($"{_proxy.HostPort}/faults/oversized:1.0"), ImageLocation.Parse($"oci:{layout}:1.0"), new PushOptions(), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.ManifestTooLarge.Code, error.Code);
        AssertIndexHasNoEntry(layout);
    }
}
