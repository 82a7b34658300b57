using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class RegistryHttpFallbackHandlerTests
{
    private static StubHttpHandler PlainHttpServer() => new((request, _) => request.RequestUri!.Scheme == "https"
        ? throw new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established", new AuthenticationException("frame"))
        : new HttpResponseMessage(HttpStatusCode.OK));

    [Fact]
    public async Task An_allowed_host_that_does_not_speak_TLS_is_reached_over_HTTP_and_remembered()
    {
        // Given a plain-HTTP server on an allowed host
        var stub = PlainHttpServer();
        using var invoker = new HttpMessageInvoker(new RegistryHttpFallbackHandler(_ => true, NullLogger.Instance) { InnerHandler = stub });

        // When two requests are sent over https
        using var first = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://insecure.example:5000/v2/"), CancellationToken.None);
        using var second = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://insecure.example:5000/v2/x/manifests/1"), CancellationToken.None);

        // Then the first fell back and the second went straight to http
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["https", "http", "http"], stub.Requests.Select(r => r.Uri.Scheme));
        Assert.Equal(5000, stub.Requests.Last().Uri.Port);
    }

    [Fact]
    public async Task A_host_not_named_insecure_never_falls_back()
    {
        // Given the same server on a host that is not allowed plain HTTP
        var stub = PlainHttpServer();
        using var invoker = new HttpMessageInvoker(new RegistryHttpFallbackHandler(_ => false, NullLogger.Instance) { InnerHandler = stub });

        // When a request is sent
        // Then the TLS failure surfaces
        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://registry.example/v2/"), CancellationToken.None));
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_host_that_presented_a_certificate_does_not_fall_back()
    {
        // Given an allowed host whose TLS handshake got as far as an (untrusted) certificate
        var stub = PlainHttpServer();
        using var invoker = new HttpMessageInvoker(new RegistryHttpFallbackHandler(_ => true, NullLogger.Instance, _ => true) { InnerHandler = stub });

        // When a request is sent
        // Then the TLS failure surfaces instead of a downgrade
        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://127.0.0.1:5000/v2/"), CancellationToken.None));
        Assert.Single(stub.Requests);
    }
}
