using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr;

public sealed class EcrRegistryQuirksHandlerTests
{
    private const string Host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    private static readonly AuthenticationHeaderValue s_basic = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:canary-token-91c2")));

    /// <summary>Answers with a function, and records each request's method, path and Authorization.</summary>
    private sealed class Registry(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string PathAndQuery, string? Authorization)> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add((request.Method, request.RequestUri!.PathAndQuery, request.Headers.Authorization?.ToString()));
            var response = answer(request);
            response.RequestMessage ??= request;
            return Task.FromResult(response);
        }
    }

    private static HttpMessageInvoker Invoker(Registry registry) => new(new EcrRegistryQuirksHandler() { InnerHandler = registry });

    private static HttpRequestMessage Request(HttpMethod method, string path, string host = Host)
        => new(method, $"https://{host}{path}") { Headers = { Authorization = s_basic } };

    private static HttpResponseMessage Json(HttpStatusCode status, string code, string message)
        => new(status) { Content = new StringContent($$"""{"errors":[{"code":"{{code}}","message":"{{message}}"}]}""", Encoding.UTF8, "application/json") };

    private static HttpRequestException Dropped() => new(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("The response ended prematurely."));

    [Fact]
    public async Task Opening_an_upload_on_ECR_says_parts_are_at_least_5_MiB()
    {
        // Given ECR opening an upload session without saying a minimum
        var registry = new Registry(_ => new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { Location = new Uri("/v2/app/blobs/uploads/u1", UriKind.Relative) } });
        using var invoker = Invoker(registry);

        // When an upload is opened
        using var response = await invoker.SendAsync(Request(HttpMethod.Post, "/v2/app/blobs/uploads/"), CancellationToken.None);

        // Then the answer carries the standard minimum-chunk header at 5 MiB
        Assert.Equal("5242880", Assert.Single(response.Headers.GetValues("OCI-Chunk-Min-Length")));
    }

    [Fact]
    public async Task A_larger_minimum_the_registry_states_is_kept()
    {
        var registry = new Registry(_ => new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { { "OCI-Chunk-Min-Length", "8388608" } } });
        using var invoker = Invoker(registry);

        using var response = await invoker.SendAsync(Request(HttpMethod.Post, "/v2/app/blobs/uploads/"), CancellationToken.None);

        Assert.Equal("8388608", Assert.Single(response.Headers.GetValues("OCI-Chunk-Min-Length")));
    }

    [Fact]
    public async Task Other_registries_are_left_alone()
    {
        // Given a registry that is not ECR (a lookalike) doing what ECR does
        var registry = new Registry(request => request.Method == HttpMethod.Post
            ? new HttpResponseMessage(HttpStatusCode.Accepted)
            : Json(HttpStatusCode.Forbidden, "DENIED", "Your authorization token has expired. Reauthenticate and try again."));
        using var invoker = Invoker(registry);
        const string lookalike = Host + ".evil.example";

        // When an upload is opened and a manifest read
        using var opened = await invoker.SendAsync(Request(HttpMethod.Post, "/v2/app/blobs/uploads/", lookalike), CancellationToken.None);
        using var denied = await invoker.SendAsync(Request(HttpMethod.Get, "/v2/app/manifests/1", lookalike), CancellationToken.None);

        // Then nothing was added or turned into something else
        Assert.False(opened.Headers.Contains("OCI-Chunk-Min-Length"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_denial_becomes_a_401_with_ECRs_Basic_challenge()
    {
        // Given ECR's answer to an expired token
        var registry = new Registry(_ => Json(HttpStatusCode.Forbidden, "DENIED", "Your authorization token has expired. Reauthenticate and try again."));
        using var invoker = Invoker(registry);

        // When a request is made with it
        using var response = await invoker.SendAsync(Request(HttpMethod.Head, "/v2/app/blobs/sha256:abc"), CancellationToken.None);

        // Then it is a challenge the auth handler answers by renewing the token
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Basic", challenge.Scheme);
        Assert.Equal($"realm=\"https://{Host}/\",service=\"ecr.amazonaws.com\"", challenge.Parameter);
        Assert.Contains("token has expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_403_without_a_body_is_checked_with_the_registry_base_and_becomes_a_challenge_when_the_token_expired()
    {
        // Given ECR answering a HEAD with a bare 403, and its base (GET /v2/) saying why
        var registry = new Registry(request => request.Method == HttpMethod.Head
            ? new HttpResponseMessage(HttpStatusCode.Forbidden)
            : Json(HttpStatusCode.Forbidden, "DENIED", "Your authorization token has expired. Reauthenticate and try again."));
        using var invoker = Invoker(registry);

        // When a blob is checked
        using var response = await invoker.SendAsync(Request(HttpMethod.Head, "/v2/app/blobs/sha256:abc"), CancellationToken.None);

        // Then GET /v2/ was asked with the same credentials, and the answer is a challenge
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal((HttpMethod.Get, "/v2/", s_basic.ToString()), registry.Seen[1]);
    }

    [Fact]
    public async Task A_403_without_a_body_from_a_valid_token_stays_a_403()
    {
        // Given a bare 403 to a HEAD, and a base that accepts the token (a permission the role lacks)
        var registry = new Registry(request => request.Method == HttpMethod.Head
            ? new HttpResponseMessage(HttpStatusCode.Forbidden)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") });
        using var invoker = Invoker(registry);

        using var response = await invoker.SendAsync(Request(HttpMethod.Head, "/v2/app/blobs/sha256:abc"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("/v2/team/tags/blobs/uploads/", "team/tags")]
    [InlineData("/v2/team/referrers/blobs/uploads/", "team/referrers")]
    [InlineData("/v2/manifests/blobs/uploads/", "manifests")]
    public async Task A_repository_named_like_an_API_part_is_named_whole(string path, string repository)
    {
        // Given ECR dropping the upload and saying the repository is unknown
        var registry = new Registry(request => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Json(HttpStatusCode.NotFound, "NAME_UNKNOWN", "unknown"));
        using var invoker = Invoker(registry);

        // When an upload is opened
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(Request(HttpMethod.Post, path), CancellationToken.None));

        // Then the message and the check name the whole repository
        Assert.Contains($"ensure-repository {repository}'", error.Message, StringComparison.Ordinal);
        Assert.Equal($"/v2/{repository}/tags/list?n=1", registry.Seen[1].PathAndQuery);
    }

    [Fact]
    public async Task Another_denial_stays_a_403_with_its_body()
    {
        var registry = new Registry(_ => Json(HttpStatusCode.Forbidden, "DENIED", "User is not authorized to perform: ecr:InitiateLayerUpload"));
        using var invoker = Invoker(registry);

        using var response = await invoker.SendAsync(Request(HttpMethod.Post, "/v2/app/blobs/uploads/"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("ecr:InitiateLayerUpload", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_moved_immutable_tag_is_TK3051_suggesting_a_new_tag_or_an_exclusion_filter()
    {
        // Given ECR refusing the tag
        var registry = new Registry(_ => Json(HttpStatusCode.BadRequest, "TAG_INVALID", "The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the repository is immutable."));
        using var invoker = Invoker(registry);
        using var put = Request(HttpMethod.Put, "/v2/team/app/manifests/v1");
        put.Content = new ByteArrayContent([1]);

        // When the manifest is put
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(put, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.EcrTagImmutable, error.ErrorCode);
        Assert.Contains("v1", error.Message, StringComparison.Ordinal);
        Assert.Contains("team/app", error.Message, StringComparison.Ordinal);
        Assert.Contains("new tag", error.Message, StringComparison.Ordinal);
        Assert.Contains("exclusion filter", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be overwritten", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_manifest_refusal_goes_back_as_it_came()
    {
        var registry = new Registry(_ => Json(HttpStatusCode.BadRequest, "MANIFEST_INVALID", "manifest invalid"));
        using var invoker = Invoker(registry);
        using var put = Request(HttpMethod.Put, "/v2/app/manifests/v1");
        put.Content = new ByteArrayContent([1]);

        using var response = await invoker.SendAsync(put, CancellationToken.None);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("MANIFEST_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_upload_to_a_repository_ECR_says_is_unknown_is_TK3050_with_ensure_repository()
    {
        // Given ECR dropping the upload and answering the check with NAME_UNKNOWN
        var registry = new Registry(request => request.Method == HttpMethod.Post
            ? throw Dropped()
            : Json(HttpStatusCode.NotFound, "NAME_UNKNOWN", "The repository with name 'team/app' does not exist in the registry with id '123456789012'"));
        using var invoker = Invoker(registry);

        // When an upload is opened
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(Request(HttpMethod.Post, "/v2/team/app/blobs/uploads/"), CancellationToken.None));

        // Then it is TK3050, confirmed, naming the repository and the command; the check used the same credentials
        Assert.Equal(ErrorCodes.EcrRepositoryMissing, error.ErrorCode);
        Assert.Contains("The repository team/app does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet toolkit ecr ensure-repository team/app", error.Message, StringComparison.Ordinal);
        Assert.Contains("123456789012", error.Message, StringComparison.Ordinal);
        Assert.Equal((HttpMethod.Get, "/v2/team/app/tags/list?n=1", s_basic.ToString()), registry.Seen[1]);
        Assert.DoesNotContain("canary-token", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_push_the_check_cannot_settle_is_still_TK3050_but_says_so()
    {
        // Given ECR dropping the manifest PUT, and refusing the check (a role that may push but not list)
        var registry = new Registry(request => request.Method == HttpMethod.Put
            ? throw Dropped()
            : Json(HttpStatusCode.Forbidden, "DENIED", "not authorized to perform: ecr:ListImages"));
        using var invoker = Invoker(registry);
        using var put = Request(HttpMethod.Put, "/v2/app/manifests/1");
        put.Content = new ByteArrayContent([1]);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(put, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.EcrRepositoryMissing, error.ErrorCode);
        Assert.Contains("which is what it does when the repository does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403 DENIED", error.Message, StringComparison.Ordinal);
        Assert.Contains("ensure-repository app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_push_to_a_repository_that_exists_stays_the_network_failure_it_is()
    {
        // Given ECR dropping an upload (a network failure) of a repository that lists fine
        var registry = new Registry(request => request.Method == HttpMethod.Patch
            ? throw new HttpRequestException("reset", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)))
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"name":"app","tags":["1"]}""") });
        using var invoker = Invoker(registry);
        using var patch = Request(HttpMethod.Patch, "/v2/app/blobs/uploads/u1");
        patch.Content = new ByteArrayContent([1]);

        // When, then the original failure comes out
        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(patch, CancellationToken.None));
        Assert.Equal(2, registry.Seen.Count);
    }

    [Theory]
    [InlineData("GET", "/v2/app/manifests/1")]
    [InlineData("HEAD", "/v2/app/blobs/sha256:abc")]
    [InlineData("GET", "/v2/")]
    public async Task A_dropped_read_is_not_about_a_missing_repository(string method, string path)
    {
        var registry = new Registry(_ => throw Dropped());
        using var invoker = Invoker(registry);

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(Request(new HttpMethod(method), path), CancellationToken.None));
        Assert.Single(registry.Seen);
    }

    [Fact]
    public async Task A_refused_connection_is_not_a_dropped_push()
    {
        var registry = new Registry(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        using var invoker = Invoker(registry);

        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(Request(HttpMethod.Post, "/v2/app/blobs/uploads/"), CancellationToken.None));
        Assert.Single(registry.Seen);
    }
}
