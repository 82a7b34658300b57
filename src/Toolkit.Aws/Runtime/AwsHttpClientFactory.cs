using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Amazon.Runtime;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// The HTTP stack AWSSDK.Core sends requests through: TLS 1.2 or 1.3 only, the system's trusted roots plus those of
/// an optional CA file, no automatic redirects (a signed request is never replayed elsewhere), and plain HTTP only to
/// loopback hosts (local emulators and tests).
/// </summary>
internal sealed class AwsHttpClientFactory : HttpClientFactory
{
    private readonly ExtraCertificateAuthorities? _extraRoots;

    public AwsHttpClientFactory(string? caFile)
    {
        CaFile = caFile;
        _extraRoots = caFile is null ? null : ExtraCertificateAuthorities.Load(caFile);
    }

    /// <summary>The stack for clients AWSSDK.Core makes for its own credential providers (STS, SSO, SSO OIDC).</summary>
    public static AwsHttpClientFactory Default { get; } = new(null);

    public string? CaFile { get; }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = clientConfig.ConnectTimeout ?? TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            SslOptions = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
        };
        if (clientConfig.MaxConnectionsPerServer is { } connections)
        {
            sockets.MaxConnectionsPerServer = connections;
        }

        if (clientConfig.GetWebProxy() is { } proxy)
        {
            sockets.Proxy = proxy;
        }

        var roots = _extraRoots;
        if (roots is not null)
        {
            sockets.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => roots.Validate(certificate, errors);
        }

        var client = new HttpClient(new LoopbackOnlyPlainHttpHandler { InnerHandler = sockets }, disposeHandler: true);
        client.Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100);
        return client;
    }

    /// <summary>
    /// A client for a credentials endpoint the caller has checked (the ECS/EKS agent may be plain HTTP on a link-local
    /// address): the same TLS rules and extra roots, no redirects, no proxy, and <paramref name="timeout"/> per request.
    /// </summary>
    public HttpClient CreateCredentialsEndpointClient(TimeSpan timeout)
    {
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = timeout,
            SslOptions = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
        };
        if (_extraRoots is { } roots)
        {
            sockets.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => roots.Validate(certificate, errors);
        }

        return new HttpClient(sockets, disposeHandler: true) { Timeout = timeout };
    }

    /// <summary>One cache per client (the SDK's global cache keys on a string that cannot describe the CA file).</summary>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    /// <summary>True for <c>localhost</c> and loopback addresses, the only hosts a plain <c>http://</c> endpoint may name.</summary>
    internal static bool IsLoopback(Uri uri)
        => uri.IsLoopback || string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses to send anything over plain HTTP to a host that is not loopback.</summary>
    private sealed class LoopbackOnlyPlainHttpHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } uri && uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
            {
                throw new ToolkitException(
                    ErrorCodes.AwsInvalidEndpointUrl,
                    $"Refusing to send an AWS request over plain HTTP to {uri.Host}: only loopback hosts may be reached without TLS. Use an https:// endpoint.");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
