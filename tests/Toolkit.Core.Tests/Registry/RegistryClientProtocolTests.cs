using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>What the client does with answers the local registry never gives: an in-process registry double.</summary>
public sealed class RegistryClientProtocolTests
{
    private static readonly string[] Accept = [MediaTypes.OciManifest];

    private static (RegistryClient Client, StubHttpHandler Stub, RegistryClientFactory Factory) Client(Func<HttpRequestMessage, int, HttpResponseMessage> respond, IRegistryCredentialProvider? credentials = null)
    {
        var stub = new StubHttpHandler(respond);
        var factory = new RegistryClientFactory(new RegistryClientOptions { MaxRetryAttempts = 1, CredentialProvider = credentials ?? AnonymousCredentialProvider.Instance }, stub);
        return (factory.CreateClient("registry.example"), stub, factory);
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message)
        => new(status) { Content = new StringContent($$"""{"errors":[{"code":"{{code}}","message":"{{message}}","detail":null}]}""", Encoding.UTF8, "application/json") };

    public static TheoryData<HttpStatusCode, string, string> MappedErrors => new()
    {
        { HttpStatusCode.NotFound, "NAME_UNKNOWN", "TK1004" },
        { HttpStatusCode.Forbidden, "DENIED", "TK1003" },
        { HttpStatusCode.BadRequest, "MANIFEST_INVALID", "TK1005" },
        { HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN", "TK1005" },
        { HttpStatusCode.BadRequest, "TAG_INVALID", "TK1006" },
        { HttpStatusCode.BadRequest, "DIGEST_INVALID", "TK1008" },
        { HttpStatusCode.NotFound, "BLOB_UNKNOWN", "TK1007" },
        { HttpStatusCode.TooManyRequests, "TOOMANYREQUESTS", "TK1009" },
        { HttpStatusCode.InternalServerError, "UNKNOWN", "TK1010" },
    };

    [Theory]
    [MemberData(nameof(MappedErrors))]
    public async Task Registry_errors_become_coded_errors_with_the_registry_message(HttpStatusCode status, string code, string expected)
    {
        // Given a registry that answers a manifest PUT with an error
        var (client, _, factory) = Client((_, _) => Error(status, code, "the registry's own words"));
        using var _f = factory;
        var content = Encoding.UTF8.GetBytes("{}");

        // When a manifest is put
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PutManifestAsync("team/app", "v1", Descriptor.For(MediaTypes.OciManifest, content), content, CancellationToken.None));

        // Then the code is the mapped one and the message names the repository and quotes the registry
        Assert.Equal(expected, error.Code);
        Assert.Contains("team/app", error.Message, StringComparison.Ordinal);
        Assert.Contains("the registry's own words", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_immutable_tag_message_is_a_tag_error_and_long_messages_are_truncated()
    {
        // Given a registry (like ECR) that refuses to overwrite an immutable tag with a very long message
        var (client, _, factory) = Client((_, _) => Error(HttpStatusCode.BadRequest, "TAG_INVALID_X", "The image tag 'v1' already exists and cannot be overwritten because the repository is immutable. " + new string('x', 2000)));
        using var _f = factory;
        var content = Encoding.UTF8.GetBytes("{}");

        // When a manifest is put
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PutManifestAsync("app", "v1", Descriptor.For(MediaTypes.OciManifest, content), content, CancellationToken.None));

        // Then it is a tag error with a bounded message
        Assert.Equal(ErrorCodes.TagRejected.Code, error.Code);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Fact]
    public async Task A_manifest_whose_Docker_Content_Digest_differs_is_a_coded_error()
    {
        // Given a registry that sends a digest header that does not match the bytes
        var (client, _, factory) = Client((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"schemaVersion\":2}")) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciManifest);
            response.Headers.TryAddWithoutValidation("Docker-Content-Digest", Digest.Compute(Encoding.UTF8.GetBytes("other")).ToString());
            return response;
        });
        using var _f = factory;

        // When the manifest is read
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.GetManifestAsync("app", "v1", Accept, CancellationToken.None));

        // Then the mismatch is refused
        Assert.Equal(ErrorCodes.RegistryDigestMismatch.Code, error.Code);
    }

    [Fact]
    public async Task A_manifest_read_by_digest_must_have_that_digest()
    {
        // Given a registry that returns other bytes for a digest
        var (client, _, factory) = Client((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) });
        using var _f = factory;

        // When it is read by digest
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.GetManifestAsync("app", Digest.Compute([1]).ToString(), Accept, CancellationToken.None));

        // Then it is refused
        Assert.Equal(ErrorCodes.RegistryDigestMismatch.Code, error.Code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_manifest_is_refused_with_or_without_a_Content_Length(bool announced)
    {
        // Given a registry that sends more than 4 MiB as a manifest
        var big = new byte[RegistryClient.MaxManifestBytes + 1];
        var (client, _, factory) = Client((_, _) =>
        {
            HttpContent content = announced ? new ByteArrayContent(big) : new StreamContent(new UnknownLengthStream(big));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        using var _f = factory;

        // When it is read
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.GetManifestAsync("app", "v1", Accept, CancellationToken.None));

        // Then it is TK1011
        Assert.Equal(ErrorCodes.ManifestTooLarge.Code, error.Code);
    }

    [Fact]
    public async Task The_media_type_comes_from_Content_Type_and_Accept_lists_every_type_asked_for()
    {
        // Given a registry that answers with a docker manifest list
        var (client, stub, factory) = Client((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.docker.distribution.manifest.list.v2+json");
            return response;
        });
        using var _f = factory;

        // When a manifest is read asking for OCI and docker types
        var manifest = await client.GetManifestAsync("app", "v1", [MediaTypes.OciIndex, "application/vnd.docker.distribution.manifest.list.v2+json"], CancellationToken.None);

        // Then the media type is the registry's
        Assert.Equal("application/vnd.docker.distribution.manifest.list.v2+json", manifest!.Descriptor.MediaType);
        Assert.Equal($"{MediaTypes.OciIndex}, application/vnd.docker.distribution.manifest.list.v2+json", Assert.Single(stub.Requests).Accept);
    }

    [Fact]
    public async Task A_blob_redirect_is_followed_without_the_registry_credentials()
    {
        // Given a Basic registry that redirects blob reads to storage on another host
        var credentials = new StaticCredentialProvider(new Dictionary<string, RegistryCredential> { ["registry.example"] = new("u", "p") });
        var (client, stub, factory) = Client((request, _) =>
        {
            if (request.RequestUri!.Host == "storage.example")
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) };
            }

            if (request.Headers.Authorization is null)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"r\"");
                return challenge;
            }

            var redirect = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
            redirect.Headers.Location = new Uri("https://storage.example/blob?signature=abc");
            return redirect;
        }, credentials);
        using var _f = factory;
        var descriptor = Descriptor.For(MediaTypes.OciLayer, [1, 2, 3]);

        // When the blob is read
        await using var stream = await client.GetBlobAsync("app", descriptor, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        // Then the bytes come from storage, which never saw an Authorization header
        Assert.Equal([1, 2, 3], copy.ToArray());
        var storage = stub.Requests.Single(r => r.Uri.Host == "storage.example");
        Assert.Null(storage.Authorization);
    }

    [Fact]
    public async Task A_mount_answered_202_cancels_the_session_and_returns_false()
    {
        // Given a registry that starts an upload instead of mounting
        var (client, stub, factory) = Client((request, _) =>
        {
            if (request.Method == HttpMethod.Post)
            {
                var accepted = new HttpResponseMessage(HttpStatusCode.Accepted);
                accepted.Headers.Location = new Uri("/v2/app/blobs/uploads/session-1", UriKind.Relative);
                return accepted;
            }

            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        using var _f = factory;

        // When a mount is tried
        var mounted = await client.TryMountBlobAsync("app", Digest.Compute([1]), "base/image", CancellationToken.None);

        // Then it is false and the session was deleted at the resolved location
        Assert.False(mounted);
        var delete = stub.Requests.Single(r => r.Method == HttpMethod.Delete);
        Assert.Equal("https://registry.example/v2/app/blobs/uploads/session-1", delete.Uri.ToString());
    }

    [Fact]
    public async Task A_chunked_upload_honours_the_minimum_chunk_follows_each_Location_and_accepts_201_on_PATCH()
    {
        // Given a registry (ECR-like) with a 3 MiB minimum chunk that answers PATCH with 201 and a new relative Location
        var content = new byte[7 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);
        long received = 0;
        var (client, stub, factory) = Client((request, call) =>
        {
            if (request.Method == HttpMethod.Post)
            {
                var started = new HttpResponseMessage(HttpStatusCode.Accepted);
                started.Headers.Location = new Uri("/v2/app/blobs/uploads/s?n=0", UriKind.Relative);
                started.Headers.TryAddWithoutValidation("OCI-Chunk-Min-Length", (3 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return started;
            }

            if (request.Method == HttpMethod.Patch)
            {
                received += request.Content!.Headers.ContentLength!.Value;
                var patched = new HttpResponseMessage(HttpStatusCode.Created);
                patched.Headers.Location = new Uri($"/v2/app/blobs/uploads/s?n={call}", UriKind.Relative);
                patched.Headers.TryAddWithoutValidation("Range", $"0-{received - 1}");
                return patched;
            }

            var done = new HttpResponseMessage(HttpStatusCode.Created);
            done.Headers.TryAddWithoutValidation("Docker-Content-Digest", descriptor.Digest.ToString());
            return done;
        });
        using var _f = factory;

        // When a 7 MiB blob is pushed with 1 MiB chunks and a 4 MiB monolithic threshold
        await client.PushBlobAsync("app", descriptor, new MemoryStream(content), new BlobUploadOptions { ChunkSize = 1024 * 1024, MonolithicThreshold = 4 * 1024 * 1024 }, null, CancellationToken.None);

        // Then it went up in 3 MiB chunks, each to the previous Location, and was closed with its digest
        var requests = stub.Requests.ToArray();
        var patches = requests.Where(r => r.Method == HttpMethod.Patch).ToArray();
        Assert.Equal([3 * 1024 * 1024, 3 * 1024 * 1024, 1024 * 1024], patches.Select(p => p.Body!.Length));
        Assert.Equal("?n=0", patches[0].Uri.Query);
        Assert.Equal("?n=2", patches[1].Uri.Query);
        var put = requests.Single(r => r.Method == HttpMethod.Put);
        Assert.Equal($"?n=4&digest={Uri.EscapeDataString(descriptor.Digest.ToString())}", put.Uri.Query);
        Assert.Equal(content, patches.SelectMany(p => p.Body!).ToArray());
    }

    [Fact]
    public async Task A_large_blob_goes_in_one_streamed_PATCH_with_its_range_even_when_the_registry_names_a_minimum_chunk()
    {
        // Given a registry with a 3 MiB minimum chunk that moves the session on PATCH
        var content = new byte[7 * 1024 * 1024 + 5];
        new Random(8).NextBytes(content);
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);
        var ranges = new List<string>();
        var (client, stub, factory) = Client((request, call) =>
        {
            if (request.Method == HttpMethod.Post)
            {
                var started = new HttpResponseMessage(HttpStatusCode.Accepted);
                started.Headers.Location = new Uri("/v2/app/blobs/uploads/s?n=0", UriKind.Relative);
                started.Headers.TryAddWithoutValidation("OCI-Chunk-Min-Length", (3 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return started;
            }

            if (request.Method == HttpMethod.Patch)
            {
                ranges.Add($"{request.Content!.Headers.GetValues("Content-Range").Single()} of {request.Content.Headers.ContentLength}");
                var patched = new HttpResponseMessage(HttpStatusCode.Accepted);
                patched.Headers.Location = new Uri($"/v2/app/blobs/uploads/s?n={call}", UriKind.Relative);
                patched.Headers.TryAddWithoutValidation("Range", $"0-{content.Length - 1}");
                return patched;
            }

            var done = new HttpResponseMessage(HttpStatusCode.Created);
            done.Headers.TryAddWithoutValidation("Docker-Content-Digest", descriptor.Digest.ToString());
            return done;
        });
        using var _f = factory;
        var reported = new List<long>();

        // When it is pushed without a chunk size (the default) and above the monolithic threshold
        await client.PushBlobAsync("app", descriptor, new MemoryStream(content), new BlobUploadOptions { MonolithicThreshold = 4 * 1024 * 1024 }, new SynchronousProgress(reported), CancellationToken.None);

        // Then one PATCH carried all of it, announced as one range, and the PUT went to the PATCH's Location without a body
        var requests = stub.Requests.ToArray();
        Assert.Equal([HttpMethod.Post, HttpMethod.Patch, HttpMethod.Put], requests.Select(r => r.Method));
        Assert.Equal(content, requests[1].Body);
        Assert.Equal([$"0-{content.Length - 1} of {content.Length}"], ranges);
        Assert.Equal($"?n=2&digest={Uri.EscapeDataString(descriptor.Digest.ToString())}", requests[2].Uri.Query);
        Assert.True(requests[2].Body is null or { Length: 0 });
        Assert.Equal(content.Length, reported[^1]);
        Assert.Equal(reported.Order(), reported);
    }

    [Fact]
    public async Task A_streamed_source_that_fails_its_own_check_is_that_error_and_the_upload_is_not_completed()
    {
        // Given a source that fails when its end is reached (as a layout blob whose digest is wrong does)
        var (client, stub, factory) = Client((request, _) =>
        {
            var started = new HttpResponseMessage(HttpStatusCode.Accepted);
            started.Headers.Location = new Uri("/v2/app/blobs/uploads/s", UriKind.Relative);
            return started;
        });
        using var _f = factory;
        var content = new byte[2 * 1024 * 1024];
        var descriptor = Descriptor.For(MediaTypes.OciLayer, content);
        var failure = new ToolkitException(ErrorCodes.DigestMismatch, "the source is corrupt");

        // When it is streamed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PushBlobAsync(
            "app", descriptor, new FailingAtEndStream(content, failure), new BlobUploadOptions { MonolithicThreshold = 1024 * 1024 }, null, CancellationToken.None));

        // Then the source's own error comes out and no PUT closed the session
        Assert.Same(failure, error);
        Assert.DoesNotContain(stub.Requests, r => r.Method == HttpMethod.Put);
    }

    private sealed class SynchronousProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }

    private sealed class FailingAtEndStream(byte[] content, Exception failure) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            return read == 0 && count > 0 ? throw failure : read;
        }

        public override int Read(Span<byte> buffer)
        {
            var array = new byte[buffer.Length];
            var read = Read(array, 0, array.Length);
            array.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer, offset, count));
    }

    [Fact]
    public async Task A_registry_that_stores_a_blob_under_another_digest_is_a_coded_error()
    {
        // Given a registry that confirms an upload with the wrong digest
        var (client, _, factory) = Client((request, _) =>
        {
            if (request.Method == HttpMethod.Post)
            {
                var started = new HttpResponseMessage(HttpStatusCode.Accepted);
                started.Headers.Location = new Uri("https://registry.example/v2/app/blobs/uploads/s");
                return started;
            }

            var done = new HttpResponseMessage(HttpStatusCode.Created);
            done.Headers.TryAddWithoutValidation("Docker-Content-Digest", Digest.Compute([9]).ToString());
            return done;
        });
        using var _f = factory;

        // When a small blob is pushed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PushBlobAsync("app", Descriptor.For(MediaTypes.OciLayer, [1]), new MemoryStream([1]), new BlobUploadOptions(), null, CancellationToken.None));

        // Then it is TK1008
        Assert.Equal(ErrorCodes.RegistryDigestMismatch.Code, error.Code);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Content_whose_length_differs_from_its_descriptor_is_not_uploaded(int actualLength)
    {
        // Given a descriptor of 4 bytes and a stream of another length
        var (client, stub, factory) = Client((request, _) =>
        {
            var started = new HttpResponseMessage(HttpStatusCode.Accepted);
            started.Headers.Location = new Uri("/v2/app/blobs/uploads/s", UriKind.Relative);
            return started;
        });
        using var _f = factory;
        var descriptor = Descriptor.For(MediaTypes.OciLayer, [1, 2, 3, 4]);

        // When it is pushed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => client.PushBlobAsync("app", descriptor, new MemoryStream(new byte[actualLength]), new BlobUploadOptions(), null, CancellationToken.None));

        // Then nothing but the session was sent and the error is TK2008
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
        Assert.DoesNotContain(stub.Requests, r => r.Method == HttpMethod.Put);
    }

    [Fact]
    public void Loopback_hosts_are_recognised_with_and_without_ports()
    {
        // Given host names
        // When they are classified
        // Then only loopback ones are
        Assert.True(RegistryClientFactory.IsLoopback("localhost:5000"));
        Assert.True(RegistryClientFactory.IsLoopback("127.0.0.1"));
        Assert.True(RegistryClientFactory.IsLoopback("[::1]:5000"));
        Assert.False(RegistryClientFactory.IsLoopback("registry.example:5000"));
        Assert.False(RegistryClientFactory.IsLoopback("10.0.0.1:5000"));
    }

    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
