using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class RegistryAuthHandlerTests
{
    private const string Password = "s3cret-Pa55word";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private int _tokenRequests;

    /// <summary>A registry double with a Bearer realm: tokens "t1", "t2"... for user/s3cret, anonymous tokens for none.</summary>
    private StubHttpHandler BearerRegistry(int expiresIn = 300, string tokenProperty = "token")
        => new((request, _) =>
        {
            var uri = request.RequestUri!;
            if (uri.AbsolutePath == "/token")
            {
                var auth = request.Headers.Authorization;
                if (auth is not null && auth.Parameter != Convert.ToBase64String(Encoding.UTF8.GetBytes($"user:{Password}")))
                {
                    return new HttpResponseMessage(HttpStatusCode.Unauthorized);
                }

                var n = Interlocked.Increment(ref _tokenRequests);
                var token = auth is null ? $"anon{n}" : $"t{n}";
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"{{tokenProperty}}":"{{token}}","expires_in":{{expiresIn}}}""") };
            }

            if (request.Headers.Authorization is { Scheme: "Bearer", Parameter: { } p } && p.StartsWith('t'))
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized)
            {
                Content = new StringContent("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"""),
            };
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer realm=\"http://registry.test/token\",service=\"registry.test\",scope=\"repository:app:pull\"");
            return challenge;
        });

    private HttpMessageInvoker Invoker(HttpMessageHandler inner, RegistryCredential? credential)
        => new(new RegistryAuthHandler(
            credential is null ? AnonymousCredentialProvider.Instance : new StaticCredentialProvider(new Dictionary<string, RegistryCredential> { ["registry.test"] = credential }),
            _time,
            NullLogger.Instance) { InnerHandler = inner });

    private static HttpRequestMessage Get(string path = "/v2/app/manifests/latest") => new(HttpMethod.Get, "http://registry.test" + path);

    [Theory]
    [InlineData("token")]
    [InlineData("access_token")]
    public async Task A_Bearer_challenge_is_answered_with_a_token_from_the_realm(string tokenProperty)
    {
        // Given a Bearer registry and credentials
        var stub = BearerRegistry(tokenProperty: tokenProperty);
        using var invoker = Invoker(stub, new RegistryCredential("user", Password));

        // When a request is sent
        using var response = await invoker.SendAsync(Get(), CancellationToken.None);

        // Then it succeeds after one token request, asked with service and scope
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _tokenRequests);
        var tokenRequest = stub.Requests.Single(r => r.Uri.AbsolutePath == "/token");
        Assert.Equal("?service=registry.test&scope=repository%3Aapp%3Apull", tokenRequest.Uri.Query);
        Assert.StartsWith("Basic ", tokenRequest.Authorization, StringComparison.Ordinal);
        Assert.Equal("Bearer t1", stub.Requests.Last().Authorization);
    }

    [Fact]
    public async Task Tokens_are_cached_per_scope_until_they_expire()
    {
        // Given a Bearer registry whose tokens live 120 s
        var stub = BearerRegistry(expiresIn: 120);
        using var invoker = Invoker(stub, new RegistryCredential("user", Password));

        // When three pulls are made, then time passes beyond the lifetime and one more is made
        for (var i = 0; i < 3; i++)
        {
            using var response = await invoker.SendAsync(Get(), CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var afterThree = _tokenRequests;
        var registryRequestsAfterThree = stub.Requests.Count(r => r.Uri.AbsolutePath != "/token");
        _time.Advance(TimeSpan.FromSeconds(121));
        using var later = await invoker.SendAsync(Get(), CancellationToken.None);

        // Then one token served the first three (later ones pre-authenticated, no 401) and a new one was fetched after expiry
        Assert.Equal(1, afterThree);
        Assert.Equal(4, registryRequestsAfterThree);
        Assert.Equal(2, _tokenRequests);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_a_coded_unauthorized_error_without_the_secret()
    {
        // Given a Bearer registry and a wrong password
        var stub = BearerRegistry();
        using var invoker = Invoker(stub, new RegistryCredential("user", "wrong-" + Password, source: "test config"));

        // When a request is sent
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(Get(), CancellationToken.None));

        // Then the error is TK1002, names the registry and repository, and not the secret
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("registry.test", error.Message, StringComparison.Ordinal);
        Assert.Contains("app", error.Message, StringComparison.Ordinal);
        Assert.Contains("test config", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registry_that_refuses_the_token_too_is_a_coded_unauthorized_error()
    {
        // Given a Bearer registry, anonymous (its anonymous tokens do not grant anything)
        var stub = BearerRegistry();
        using var invoker = Invoker(stub, null);

        // When a request is sent
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(Get(), CancellationToken.None));

        // Then it asked anonymously once, retried once, and says no credentials were found
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("No credentials were found", error.Message, StringComparison.Ordinal);
        Assert.Null(stub.Requests.Single(r => r.Uri.AbsolutePath == "/token").Authorization);
        Assert.Equal(2, stub.Requests.Count(r => r.Uri.AbsolutePath != "/token"));
    }

    [Fact]
    public async Task A_Basic_challenge_is_answered_with_the_credentials_and_later_requests_carry_them_up_front()
    {
        // Given a Basic registry
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"user:{Password}"));
        var stub = new StubHttpHandler((request, _) =>
        {
            if (request.Headers.Authorization?.ToString() == expected)
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"Registry\"");
            return challenge;
        });
        using var invoker = Invoker(stub, new RegistryCredential("user", Password));

        // When two requests are sent, the second with a streamed body
        using var first = await invoker.SendAsync(Get(), CancellationToken.None);
        using var upload = new HttpRequestMessage(HttpMethod.Patch, "http://registry.test/v2/app/blobs/uploads/1") { Content = new StreamContent(new MemoryStream([1])) };
        using var second = await invoker.SendAsync(upload, CancellationToken.None);

        // Then both succeed and the streamed one was sent once, already authenticated
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(3, stub.Calls);
    }

    [Fact]
    public async Task A_request_marked_anonymous_never_carries_credentials()
    {
        // Given a Basic registry already authenticated against
        var stub = new StubHttpHandler((request, call) =>
        {
            if (call == 1)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"Registry\"");
                return challenge;
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var invoker = Invoker(stub, new RegistryCredential("user", Password));
        using var first = await invoker.SendAsync(Get(), CancellationToken.None);

        // When a storage redirect target on the same host is fetched anonymously
        using var redirect = Get("/v2/app/blobs/sha256:abc");
        redirect.Options.Set(new HttpRequestOptionsKey<bool>("Toolkit.Registry.Anonymous"), true);
        using var second = await invoker.SendAsync(redirect, CancellationToken.None);

        // Then it had no Authorization header
        Assert.Null(stub.Requests.Last().Authorization);
    }

    [Fact]
    public void The_scope_is_pull_for_reads_push_for_writes_and_includes_a_mount_source()
    {
        // Given requests of each kind
        using var get = Get();
        using var put = new HttpRequestMessage(HttpMethod.Put, "http://registry.test/v2/team/app/manifests/1");
        using var mount = new HttpRequestMessage(HttpMethod.Post, "http://registry.test/v2/app/blobs/uploads/?mount=sha256%3Aabc&from=base%2Fimage");

        // When their scopes are computed
        // Then they follow the distribution token scope grammar
        Assert.Equal("repository:app:pull", RegistryAuthHandler.ScopeFor(get));
        Assert.Equal("repository:team/app:pull,push", RegistryAuthHandler.ScopeFor(put));
        Assert.Equal("repository:app:pull,push repository:base/image:pull", RegistryAuthHandler.ScopeFor(mount));
    }

    [Fact]
    public async Task An_identity_token_is_exchanged_at_the_realm_with_the_OAuth2_refresh_grant()
    {
        // Given a Bearer registry and an identity token (docker's identitytoken / a helper's <token> user)
        var stub = new StubHttpHandler((request, _) =>
        {
            if (request.RequestUri!.AbsolutePath == "/token")
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"access_token\":\"t-oauth\"}") };
            }

            if (request.Headers.Authorization?.ToString() == "Bearer t-oauth")
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer realm=\"http://registry.test/token\",service=\"registry.test\"");
            return challenge;
        });
        using var invoker = Invoker(stub, new RegistryCredential(null, null, identityToken: "refresh-" + Password));

        // When a request is sent
        using var response = await invoker.SendAsync(Get(), CancellationToken.None);

        // Then the realm got a form POST with the refresh token, and no Basic header
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokenRequest = stub.Requests.Single(r => r.Uri.AbsolutePath == "/token");
        Assert.Equal(HttpMethod.Post, tokenRequest.Method);
        Assert.Null(tokenRequest.Authorization);
        var form = Encoding.UTF8.GetString(tokenRequest.Body!);
        Assert.Contains("grant_type=refresh_token", form, StringComparison.Ordinal);
        Assert.Contains("refresh_token=refresh-" + Password, form, StringComparison.Ordinal);
        Assert.Contains("scope=repository%3Aapp%3Apull", form, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_without_expires_in_live_sixty_seconds()
    {
        // Given a realm that sends no expires_in
        var stub = new StubHttpHandler((request, _) =>
        {
            if (request.RequestUri!.AbsolutePath == "/token")
            {
                Interlocked.Increment(ref _tokenRequests);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"t\"}") };
            }

            if (request.Headers.Authorization is not null)
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer realm=\"http://registry.test/token\"");
            return challenge;
        });
        using var invoker = Invoker(stub, null);

        // When requests are sent at 0 s, 50 s and 61 s
        using (await invoker.SendAsync(Get(), CancellationToken.None))
        {
        }

        _time.Advance(TimeSpan.FromSeconds(50));
        using (await invoker.SendAsync(Get(), CancellationToken.None))
        {
        }

        var beforeExpiry = _tokenRequests;
        _time.Advance(TimeSpan.FromSeconds(11));
        using (await invoker.SendAsync(Get(), CancellationToken.None))
        {
        }

        // Then the token was reused within 60 s and renewed after
        Assert.Equal(1, beforeExpiry);
        Assert.Equal(2, _tokenRequests);
    }

    [Fact]
    public async Task Neither_the_password_nor_the_token_is_logged()
    {
        // Given a Bearer registry, credentials, and a log that records everything
        var lines = new List<string>();
        using var sink = new LogSink(line => lines.Add(line.Message + line.Exception));
        var stub = BearerRegistry();
        using var invoker = new HttpMessageInvoker(new RegistryAuthHandler(
            new StaticCredentialProvider(new Dictionary<string, RegistryCredential> { ["registry.test"] = new("user", Password) }),
            _time,
            sink.CreateLogger("test"))
        {
            InnerHandler = new RegistryRetryHandler(_time, sink.CreateLogger("retry")) { InnerHandler = stub },
        });

        // When requests are made
        using (await invoker.SendAsync(Get(), CancellationToken.None))
        {
        }

        // Then the log mentions the token request but no secret
        Assert.Contains(lines, l => l.Contains("token", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains("t1", StringComparison.Ordinal) || l.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + Password)), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parallel_requests_meeting_the_same_challenge_share_one_token_request()
    {
        // Given a Bearer registry whose token service answers only when released
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new GatedRegistry(release.Task);
        using var invoker = new HttpMessageInvoker(new RegistryAuthHandler(AnonymousCredentialProvider.Instance, _time, NullLogger.Instance) { InnerHandler = registry });

        // When eight pulls start together (challenged, or waiting for the token) and then the token service answers
        var pulls = Enumerable.Range(0, 8).Select(_ => invoker.SendAsync(Get(), CancellationToken.None)).ToArray();
        await StubHttpHandler.WaitUntilAsync(() => registry.TokenRequests >= 1);
        await Task.Delay(100);
        release.SetResult();
        var responses = await Task.WhenAll(pulls);

        // Then all succeed on one token
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, registry.TokenRequests);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_streamed_request_that_meets_a_challenge_is_not_resent_but_the_next_one_is_authenticated()
    {
        // Given a Basic registry never contacted before
        var stub = new StubHttpHandler((request, _) =>
        {
            if (request.Headers.Authorization is not null)
            {
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"r\"");
            return challenge;
        });
        using var invoker = Invoker(stub, new RegistryCredential("user", Password));
        HttpRequestMessage Upload() => new(HttpMethod.Put, "http://registry.test/v2/app/blobs/uploads/1?digest=sha256:x") { Content = new StreamContent(new MemoryStream([1, 2])) };

        // When a streamed upload is sent, then sent again by its caller
        using var first = await invoker.SendAsync(Upload(), CancellationToken.None);
        using var second = await invoker.SendAsync(Upload(), CancellationToken.None);

        // Then the first 401 came back as is (the stream was not replayed) and the second went up authenticated
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, stub.Calls);
    }

    /// <summary>A Basic registry that accepts only <paramref name="accepted"/>'s password.</summary>
    private static StubHttpHandler BasicRegistry(Func<string> accepted)
        => new((request, _) =>
        {
            if (request.Headers.Authorization?.ToString() == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"user:{accepted()}")))
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"r\"");
            return challenge;
        });

    private HttpMessageInvoker InvokerWith(HttpMessageHandler inner, IRegistryCredentialProvider credentials)
        => new(new RegistryAuthHandler(credentials, _time, NullLogger.Instance) { InnerHandler = inner });

    [Fact]
    public async Task A_refused_Basic_credential_of_a_refreshable_provider_is_renewed_once_and_the_request_goes_again()
    {
        // Given a refreshable provider whose first password the registry stops accepting after one request
        var tokens = new RenewingCredentials();
        var accepted = "token-1";
        var stub = BasicRegistry(() => accepted);
        using var invoker = InvokerWith(stub, tokens);
        using (var first = await invoker.SendAsync(Get(), CancellationToken.None))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        accepted = "token-2";

        // When the next request goes up front with the old password
        using var second = await invoker.SendAsync(Get(), CancellationToken.None);

        // Then the provider was told once, and the request went again with the new password
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["token-1"], tokens.Invalidated);
        Assert.Equal(4, stub.Calls); // challenge, token-1; refused token-1, token-2
    }

    [Fact]
    public async Task A_renewed_credential_that_is_refused_too_is_a_coded_error_after_one_renewal()
    {
        // Given a registry that accepts none of the provider's passwords
        var tokens = new RenewingCredentials();
        var stub = BasicRegistry(() => "something-else");
        using var invoker = InvokerWith(stub, tokens);

        // When a request is sent
        var error = await Assert.ThrowsAsync<ToolkitException>(() => invoker.SendAsync(Get(), CancellationToken.None));

        // Then the first password was renewed once, the second refused, and the error names the source, not a secret
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Equal(["token-1"], tokens.Invalidated);
        Assert.Equal(3, stub.Calls);
        Assert.Contains("renewing test tokens", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token-", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_request_refused_its_credential_is_marked_renewed_for_its_caller()
    {
        // Given a refreshable provider already used against a Basic registry, which then stops accepting its password
        var tokens = new RenewingCredentials();
        var accepted = "token-1";
        var stub = BasicRegistry(() => accepted);
        using var invoker = InvokerWith(stub, tokens);
        using (await invoker.SendAsync(Get(), CancellationToken.None))
        {
        }

        accepted = "token-2";

        // When a streamed upload goes up front with the old password
        using var upload = new HttpRequestMessage(HttpMethod.Patch, "http://registry.test/v2/app/blobs/uploads/1") { Content = new StreamContent(new MemoryStream([1])) };
        using var response = await invoker.SendAsync(upload, CancellationToken.None);

        // Then the 401 comes back (the stream is not replayed), the credential was renewed, and the request says so
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["token-1"], tokens.Invalidated);
        Assert.True(upload.Options.TryGetValue(new HttpRequestOptionsKey<bool>("Toolkit.Registry.CredentialRenewed"), out var renewed) && renewed);
    }

    /// <summary>Passwords token-1, token-2... that move on when the current one is invalidated.</summary>
    private sealed class RenewingCredentials : IRefreshableRegistryCredentialProvider
    {
        private int _generation = 1;

        public List<string> Invalidated { get; } = [];

        public Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
            => Task.FromResult<RegistryCredential?>(new RegistryCredential("user", $"token-{_generation}", source: "renewing test tokens"));

        public void Invalidate(string registry, RegistryCredential rejected)
        {
            if (rejected.Password == $"token-{_generation}")
            {
                Invalidated.Add(rejected.Password);
                _generation++;
            }
        }
    }

    private sealed class GatedRegistry(Task release) : HttpMessageHandler
    {
        private int _challenged;
        private int _tokenRequests;

        public int Challenged => Volatile.Read(ref _challenged);

        public int TokenRequests => Volatile.Read(ref _tokenRequests);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (request.RequestUri!.AbsolutePath == "/token")
            {
                Interlocked.Increment(ref _tokenRequests);
                await release;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"shared\"}") };
            }

            if (request.Headers.Authorization?.ToString() == "Bearer shared")
            {
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            Interlocked.Increment(ref _challenged);
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Bearer realm=\"http://registry.test/token\",service=\"registry.test\",scope=\"repository:app:pull\"");
            return challenge;
        }
    }
}
