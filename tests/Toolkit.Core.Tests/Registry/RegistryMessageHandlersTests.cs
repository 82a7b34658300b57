using System.Net;
using System.Text;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>Where <see cref="RegistryClientOptions.MessageHandlers"/> sit in the factory's chain: below auth, above retries.</summary>
public sealed class RegistryMessageHandlersTests
{
    [Fact]
    public async Task A_registry_handler_sees_requests_with_their_credentials_and_answers_after_the_retries()
    {
        // Given a Basic registry that fails twice with 503 before answering, and a handler that records what passes it
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pw"));
        var stub = new StubHttpHandler((request, call) =>
        {
            if (request.Headers.Authorization?.ToString() != expected)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.TryAddWithoutValidation("WWW-Authenticate", "Basic realm=\"r\"");
                return challenge;
            }

            return call <= 3 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : new HttpResponseMessage(HttpStatusCode.OK);
        });
        var seen = new List<(string? Authorization, HttpStatusCode Status, string Order)>();
        var options = new RegistryClientOptions
        {
            MaxRetryAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            CredentialProvider = new StaticCredentialProvider(new Dictionary<string, RegistryCredential> { ["registry.example"] = new("user", "pw") }),
            MessageHandlers = [() => new Recording(seen, "first"), () => new Recording(seen, "second")],
        };
        using var factory = new RegistryClientFactory(options, stub);

        // When the registry is pinged
        await factory.Create("registry.example").PingAsync(CancellationToken.None);

        // Then each handler saw the challenge, then the authenticated request once, with the answer the retries ended on
        Assert.Equal(
            [(null, HttpStatusCode.Unauthorized, "second"), (null, HttpStatusCode.Unauthorized, "first"), (expected, HttpStatusCode.OK, "second"), (expected, HttpStatusCode.OK, "first")],
            seen);
        Assert.Equal(4, stub.Calls);
    }

    private sealed class Recording(List<(string?, HttpStatusCode, string)> seen, string name) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var authorization = request.Headers.Authorization?.ToString();
            var response = await base.SendAsync(request, cancellationToken);
            lock (seen)
            {
                seen.Add((authorization, response.StatusCode, name));
            }

            return response;
        }
    }
}
