using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Pushes to the ECR data plane (<see cref="EcrDataPlane"/> over TLS in front of the real distribution registry, reached
/// as <c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c> through a <see cref="LoopbackConnectProxy"/>), by skopeo and by
/// the toolkit with its ECR credentials and quirks handler.
/// </summary>
public sealed class EcrDataPlaneTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private readonly StaticEcrRegistryBackend _backend = new StaticEcrRegistryBackend()
        .WithRepository("team/skopeo")
        .WithRepository("team/chunks")
        .WithRepository("team/unhandled")
        .WithRepository("team/immutable", immutableTags: true)
        .WithRepository("team/expiring")
        .WithRepository("team/referrers")
        .WithRepository("team/raw");

    private EcrDataPlaneHarness _ecr = null!;

    public async Task InitializeAsync() => _ecr = await EcrDataPlaneHarness.StartAsync(registry, _backend);

    public async Task DisposeAsync() => await _ecr.DisposeAsync();

    private Task<PushResult> PushAsync(RegistryClientFactory factory, string layout, string destination, PushOptions? options = null)
        => new RegistryPusher(factory).PushAsync(ImageLocation.Parse($"oci:{layout}:1"), ImageLocation.Parse($"{_ecr.Registry}/{destination}"), options ?? new PushOptions(), CancellationToken.None);

    [Fact]
    public async Task Skopeo_pushes_through_the_data_plane_with_the_token_and_reads_the_image_back()
    {
        // Given an image, a token from the control plane, and skopeo told to use the loopback proxy and trust the test CA
        var (layout, manifest) = await _ecr.WriteImageAsync("skopeo", 1, 300_000, 40_000);
        var password = _backend.IssuePassword();
        var certificates = _ecr.Temp.Combine("skopeo-certs");
        Directory.CreateDirectory(certificates);
        File.Copy(_ecr.Plane.CaFile!, Path.Combine(certificates, "ca.crt"));
        var proxy = _ecr.Proxy.Uri.ToString();
        var environment = new Dictionary<string, string>
        {
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy, ["ALL_PROXY"] = proxy,
            ["NO_PROXY"] = string.Empty, ["no_proxy"] = string.Empty,
        };
        var destination = $"docker://{_ecr.Registry}/team/skopeo:1";

        // When skopeo copies it to the ECR host name, then reads the manifest back
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", "--preserve-digests", "--dest-creds", $"AWS:{password}", "--dest-cert-dir", certificates, $"oci:{layout}:1", destination], environment: environment);
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--creds", $"AWS:{password}", "--cert-dir", certificates, destination], environment: environment);

        // Then it went through the proxy over TLS, the image is byte for byte the same, and the control plane was told
        Assert.Contains($"{_ecr.Registry}:443", _ecr.Proxy.Tunnelled);
        Assert.Equal(manifest.Digest.ToString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw.StandardOutputBytes)));
        var pushed = Assert.Single(_backend.Pushed, p => p.RepositoryName == "team/skopeo");
        Assert.Equal((manifest.Digest.ToString(), "1", 2), (pushed.Digest, pushed.Tag, pushed.LayerDigests.Count));
        Assert.Equal(340_000, pushed.LayersSize);
    }

    [Fact]
    public async Task Skopeo_without_the_token_is_refused()
    {
        // Given an image and a password the control plane never issued
        var (layout, _) = await _ecr.WriteImageAsync("skopeo-refused", 2, 1000);
        var certificates = _ecr.Temp.Combine("skopeo-refused-certs");
        Directory.CreateDirectory(certificates);
        File.Copy(_ecr.Plane.CaFile!, Path.Combine(certificates, "ca.crt"));
        var proxy = _ecr.Proxy.Uri.ToString();

        // When skopeo pushes with it
        var result = await ExternalTool.RunAsync(
            "skopeo",
            ["copy", "--dest-creds", "AWS:not-a-token", "--dest-cert-dir", certificates, $"oci:{layout}:1", $"docker://{_ecr.Registry}/team/skopeo:refused"],
            environment: new Dictionary<string, string> { ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["NO_PROXY"] = string.Empty, ["no_proxy"] = string.Empty });

        // Then it fails, refused with 401
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(_ecr.Plane.Requests, r => r.Status == 401 && r.Note == "unknown password");
    }

    [Fact]
    public async Task Our_push_with_1_MiB_chunks_sends_5_MiB_parts_and_the_image_reads_back()
    {
        // Given an image with a 17 MiB layer (above the monolithic threshold, so it goes in parts) and a small one
        var (layout, manifest) = await _ecr.WriteImageAsync("chunks", 3, (17 * MiB) + 123, 2000);
        var tokens = new BackendTokenSource(_backend);
        using var factory = _ecr.Factory(tokens);

        // When it is pushed with --chunk-size 1M
        var result = await PushAsync(factory, layout, "team/chunks:1", new PushOptions { Upload = new BlobUploadOptions { ChunkSize = PushOptions.ParseChunkSize("1M") } });

        // Then the large layer went in 5 MiB parts (the last shorter), one token served the push, and the image reads back
        Assert.Equal(3, result.BlobsUploaded);
        Assert.Contains(_ecr.Plane.CompletedUploads, parts => parts.SequenceEqual([5L * MiB, 5L * MiB, 5L * MiB, (2L * MiB) + 123]));
        Assert.Equal(1, tokens.Calls);
        Assert.All(_ecr.Plane.Requests.Where(r => r.Method == "PATCH"), r => Assert.Equal(201, r.Status));
        var stored = await factory.Create(_ecr.Registry).HeadManifestAsync("team/chunks", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None);
        Assert.Equal(manifest.Digest, stored?.Digest);
    }

    [Fact]
    public async Task Without_the_quirks_handler_1_MiB_parts_are_refused_by_the_data_plane()
    {
        // Given the same kind of image, and a client with ECR credentials but not the quirks handler
        var (layout, _) = await _ecr.WriteImageAsync("unhandled", 4, (17 * MiB) + 5, 100);
        using var factory = _ecr.Factory(new BackendTokenSource(_backend), quirks: false);

        // When it is pushed with 1 MiB chunks
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(factory, layout, "team/unhandled:1", new PushOptions { Upload = new BlobUploadOptions { ChunkSize = MiB } }));

        // Then the data plane refused the part after the first short one, and the push failed
        Assert.Equal(ErrorCodes.BlobUploadInterrupted, error.ErrorCode);
        Assert.Contains(_ecr.Plane.Requests, r => r.Method == "PATCH" && r.Status == 400 && r.Note == "part too small");
    }

    [Fact]
    public async Task A_push_to_a_repository_that_does_not_exist_is_TK3050_naming_it_and_ensure_repository()
    {
        // Given a repository the control plane does not have
        var (layout, _) = await _ecr.WriteImageAsync("missing", 5, 5000);
        using var factory = _ecr.Factory(new BackendTokenSource(_backend));

        // When an image is pushed to it
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(factory, layout, "team/missing:1"));

        // Then the dropped connection became TK3050, confirmed by the registry, with the command to create it
        Assert.Equal(ErrorCodes.EcrRepositoryMissing, error.ErrorCode);
        Assert.Contains("The repository team/missing does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("ECR confirmed", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet toolkit ecr ensure-repository team/missing", error.Message, StringComparison.Ordinal);
        Assert.Contains(_ecr.Plane.Requests, r => r.Method == "POST" && r.Note == "connection dropped: repository does not exist");
        Assert.DoesNotContain(_backend.Pushed, p => p.RepositoryName == "team/missing");
    }

    [Fact]
    public async Task Moving_an_immutable_tag_is_TK3051_and_pushing_the_same_image_again_is_fine()
    {
        // Given an immutable repository holding image A under tag 1
        var (first, firstManifest) = await _ecr.WriteImageAsync("immutable-a", 6, 3000);
        var (second, _) = await _ecr.WriteImageAsync("immutable-b", 7, 3000);
        using var factory = _ecr.Factory(new BackendTokenSource(_backend));
        await PushAsync(factory, first, "team/immutable:1");

        // When A is pushed again under the same tag, then B
        var again = await PushAsync(factory, first, "team/immutable:1");
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(factory, second, "team/immutable:1"));

        // Then A again is accepted, and moving the tag to B is TK3051 with what to do
        Assert.Equal(firstManifest.Digest, again.Root.Digest);
        Assert.Equal(ErrorCodes.EcrTagImmutable, error.ErrorCode);
        Assert.Contains("team/immutable", error.Message, StringComparison.Ordinal);
        Assert.Contains("new tag", error.Message, StringComparison.Ordinal);
        Assert.Contains("exclusion filter", error.Message, StringComparison.Ordinal);
        var tagged = await factory.Create(_ecr.Registry).HeadManifestAsync("team/immutable", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None);
        Assert.Equal(firstManifest.Digest, tagged?.Digest);
    }

    [Fact]
    public async Task A_token_that_expires_in_the_middle_of_a_push_is_renewed_once_and_the_push_completes()
    {
        // Given a multi-blob image, and a control plane whose passwords expire once the first blob is stored
        var (layout, manifest) = await _ecr.WriteImageAsync("expiring", 8, 200_000, 100_000, 50_000);
        var tokens = new BackendTokenSource(_backend);
        var expired = 0;
        _ecr.Plane.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/team/expiring/blobs/uploads/", StringComparison.Ordinal) && status == 201 && Interlocked.Exchange(ref expired, 1) == 0)
            {
                _backend.ExpireAll();
            }
        };
        using var factory = _ecr.Factory(tokens);

        // When it is pushed
        var result = await PushAsync(factory, layout, "team/expiring:1", new PushOptions { MaxParallelUploads = 1 });

        // Then ECR's expired-token answer came to one request (a HEAD, without a body, so GET /v2/ was asked why), one new
        // token was fetched, and the whole image is there
        Assert.Equal(manifest.Digest, result.Root.Digest);
        Assert.Equal(4, result.BlobsUploaded);
        Assert.Equal(["HEAD", "GET /v2/"], _ecr.Plane.Requests.Where(r => r.Status == 403 && r.Note == "expired token").Select(r => r.Method == "GET" ? $"GET {r.Path}" : r.Method));
        Assert.Equal(2, tokens.Calls);
        var stored = await factory.Create(_ecr.Registry).HeadManifestAsync("team/expiring", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None);
        Assert.Equal(manifest.Digest, stored?.Digest);
    }

    [Theory]
    [InlineData(PushOptions.DefaultParallelUploads)]
    [InlineData(16)]
    public async Task Parallel_uploads_refused_an_expired_token_together_renew_it_once(int parallel)
    {
        // Given an image of many blobs, and passwords that expire once the first blob is stored
        var (layout, manifest) = await _ecr.WriteImageAsync($"expiring-parallel-{parallel}", 10 + parallel, [.. Enumerable.Range(1, 12).Select(i => i * 20_000)]);
        var tokens = new BackendTokenSource(_backend);
        var expired = 0;
        _ecr.Plane.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && status == 201 && Interlocked.Exchange(ref expired, 1) == 0)
            {
                _backend.ExpireAll();
            }
        };
        using var factory = _ecr.Factory(tokens);

        // When it is pushed with parallel uploads
        var result = await PushAsync(factory, layout, $"team/expiring:parallel-{parallel}", new PushOptions { MaxParallelUploads = parallel });

        // Then however many requests were refused, one new token served them all
        Assert.Equal(manifest.Digest, result.Root.Digest);
        Assert.Equal(2, tokens.Calls);
    }

    [Fact]
    public async Task A_token_that_expires_under_a_streamed_upload_is_renewed_and_the_blob_goes_again()
    {
        // Given blobs streamed in one PATCH each, and passwords that expire once the second upload session is open, so
        // the refused request is a streamed PATCH (which cannot be sent twice)
        var (layout, manifest) = await _ecr.WriteImageAsync("expiring-stream", 30, 300_000, 200_000);
        var tokens = new BackendTokenSource(_backend);
        var sessions = 0;
        _ecr.Plane.Relayed = (method, path, status) =>
        {
            if (method == "POST" && path.EndsWith("/team/expiring/blobs/uploads/", StringComparison.Ordinal) && status == 202 && Interlocked.Increment(ref sessions) == 2)
            {
                _backend.ExpireAll();
            }
        };
        using var factory = _ecr.Factory(tokens);

        // When it is pushed
        var result = await PushAsync(factory, layout, "team/expiring:stream", new PushOptions { MaxParallelUploads = 1, Upload = new BlobUploadOptions { MonolithicThreshold = 1024 } });

        // Then the PATCH was refused as expired, one new token was fetched, and that blob went again in a new session
        Assert.Equal(manifest.Digest, result.Root.Digest);
        Assert.Single(_ecr.Plane.Requests, r => r.Method == "PATCH" && r.Status == 403);
        Assert.Equal(2, tokens.Calls);
    }

    [Fact]
    public async Task An_SBOM_attached_through_the_data_plane_is_listed_by_the_Referrers_API()
    {
        // Given an image pushed to ECR
        var (layout, manifest) = await _ecr.WriteImageAsync("referrers", 9, 4000);
        using var factory = _ecr.Factory(new BackendTokenSource(_backend));
        await PushAsync(factory, layout, "team/referrers:1");
        var image = ImageLocation.Parse($"{_ecr.Registry}/team/referrers:1");
        var referrers = new ImageReferrers(factory);
        var sbom = new Artifact
        {
            ArtifactType = "application/vnd.cyclonedx+json",
            Layers = [ArtifactBlob.FromBytes("application/vnd.cyclonedx+json", """{"bomFormat":"CycloneDX","specVersion":"1.6"}"""u8)],
        };

        // When an SBOM is attached, then listed
        var attached = await referrers.AttachAsync(image, sbom, CancellationToken.None);
        var listing = await referrers.ListAsync(image, "application/vnd.cyclonedx+json", CancellationToken.None);

        // Then both went through the Referrers API, not the tag schema
        Assert.Equal(ReferrerIndexKind.ReferrersApi, attached.RecordedIn);
        Assert.Equal(ReferrerIndexKind.ReferrersApi, listing.Source);
        Assert.Equal(attached.Referrer.Digest, Assert.Single(listing.Referrers).Digest);
        Assert.Contains(_ecr.Plane.Referrers.ReferrersRequests, r => r.StartsWith($"/v2/team/referrers/referrers/{manifest.Digest}", StringComparison.Ordinal));
        var tags = await factory.Create(_ecr.Registry).ListTagsAsync("team/referrers", CancellationToken.None);
        Assert.DoesNotContain(Referrer.FallbackTag(manifest.Digest), tags);
        var reported = Assert.Single(_backend.Pushed, p => p.Digest == attached.Referrer.Digest.ToString());
        Assert.Equal((manifest.Digest.ToString(), "application/vnd.cyclonedx+json"), (reported.SubjectDigest, reported.ArtifactType));
    }

    [Fact]
    public async Task The_data_plane_challenges_like_ECR_answers_PATCH_with_201_and_refuses_a_short_part_that_is_not_the_last()
    {
        // Given a raw HTTP client through the proxy
        using var http = new HttpClient(_ecr.Transport()) { BaseAddress = new Uri($"https://{_ecr.Registry}/") };

        // When it asks without credentials
        using var anonymous = await http.GetAsync(new Uri("v2/", UriKind.Relative));

        // Then ECR's Basic challenge comes back
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal($"Basic realm=\"https://{_ecr.Registry}/\",service=\"ecr.amazonaws.com\"", Assert.Single(anonymous.Headers.GetValues("WWW-Authenticate")));

        // When, with a token, an upload gets a 1 MiB part and then another part
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"AWS:{_backend.IssuePassword()}")));
        using var started = await http.PostAsync(new Uri("v2/team/raw/blobs/uploads/", UriKind.Relative), null);
        var location = started.Headers.Location!;
        using var first = await http.PatchAsync(location, Part(0, MiB));
        using var second = await http.PatchAsync(first.Headers.Location!, Part(MiB, 10));

        // Then the session opened on the ECR host, the first PATCH was answered 201, and the second refused as ECR does
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(_ecr.Registry, location.Host);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        var error = JsonNode.Parse(await second.Content.ReadAsStringAsync())!["errors"]![0]!;
        Assert.Equal("BLOB_UPLOAD_INVALID", error["code"]!.GetValue<string>());
        Assert.Contains("at least 5MB", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_of_a_missing_repository_answer_NAME_UNKNOWN_and_an_empty_existing_one_lists_no_tags()
    {
        using var http = new HttpClient(_ecr.Transport()) { BaseAddress = new Uri($"https://{_ecr.Registry}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"AWS:{_backend.IssuePassword()}")));

        using var missing = await http.GetAsync(new Uri("v2/team/nowhere/tags/list", UriKind.Relative));
        using var empty = await http.GetAsync(new Uri("v2/team/raw/tags/list", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("NAME_UNKNOWN", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("does not exist in the registry with id '123456789012'", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal("[]", JsonNode.Parse(await empty.Content.ReadAsStringAsync())!["tags"]!.ToJsonString());
    }

    private static ByteArrayContent Part(long offset, int length)
    {
        var content = new ByteArrayContent(new byte[length]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + length - 1}");
        return content;
    }
}
