using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Host;

namespace Toolkit.Core.Registry;

/// <summary>
/// Creates <see cref="IRegistryClient"/>s that share one <see cref="HttpClient"/> and handler chain:
/// auth → registry quirks (<see cref="RegistryClientOptions.MessageHandlers"/>) → retry → HTTP fallback (insecure hosts
/// only) → sockets (TLS 1.2+, extra CA, the default proxy, no automatic redirects: the client follows storage redirects
/// itself, without the registry's credentials).
/// </summary>
public sealed class RegistryClientFactory : IRegistryClientFactory, IDisposable
{
    private readonly RegistryClientOptions _options;
    private readonly HttpClient _http;
    private readonly ExtraCertificateAuthorities? _extraRoots;

    // Hosts whose TLS handshake got as far as a certificate: they speak TLS, so a failure there is never a reason to use HTTP.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _presentedCertificate = new(StringComparer.OrdinalIgnoreCase);

    public RegistryClientFactory(RegistryClientOptions options)
        : this(options, null)
    {
    }

    /// <summary>With <paramref name="transport"/> in place of the sockets handler (tests).</summary>
    public RegistryClientFactory(RegistryClientOptions options, HttpMessageHandler? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _extraRoots = options.CaFile is null ? null : ExtraCertificateAuthorities.Load(options.CaFile);
        var insecure = options.InsecureRegistries.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var logger = options.LoggerFactory.CreateLogger<RegistryClient>();
        var fallback = new RegistryHttpFallbackHandler(host => insecure.Contains(host) || (options.AllowPlainHttpOnLoopback && IsLoopback(host)), logger, _presentedCertificate.ContainsKey)
        {
            InnerHandler = transport ?? CreateTransport(),
        };
        var retry = new RegistryRetryHandler(options.TimeProvider, logger, options.MaxRetryAttempts) { InnerHandler = fallback, AttemptTimeout = options.RequestTimeout, MinimumTransferRate = options.MinimumTransferRate, BaseDelay = options.RetryBaseDelay };
        HttpMessageHandler belowAuth = retry;
        foreach (var create in options.MessageHandlers.Reverse())
        {
            var handler = create() ?? throw new InvalidOperationException("A registry message handler factory returned null.");
            handler.InnerHandler = belowAuth;
            belowAuth = handler;
        }

        var auth = new RegistryAuthHandler(options.CredentialProvider, options.TimeProvider, logger) { InnerHandler = belowAuth };
        _http = new HttpClient(auth, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// The factory every front-end uses: the connection options it was given, credentials from the docker
    /// config and its helpers (or the TOOLKIT_REGISTRY_* variables of <paramref name="environment"/>).
    /// </summary>
    public static RegistryClientFactory ForConnection(RegistryConnectionOptions connection, IEnvironmentVariables environment, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new RegistryClientFactory(new RegistryClientOptions
        {
            InsecureRegistries = [.. connection.InsecureRegistries],
            CaFile = connection.CaFile,
            CredentialProvider = new DockerConfigCredentialProvider(environment, ProcessRunner.Instance, loggerFactory.CreateLogger<DockerConfigCredentialProvider>()),
            LoggerFactory = loggerFactory,
        });
    }

    /// <summary>A client for one registry host (<c>host[:port]</c> as in references; <c>docker.io</c> is Docker Hub).</summary>
    public IRegistryClient Create(string registry) => CreateClient(registry);

    /// <summary>The concrete client, for callers that set its options (e.g. <see cref="RegistryClient.TagPageSize"/>).</summary>
    public RegistryClient CreateClient(string registry)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        var host = registry is "docker.io" or "index.docker.io" ? "registry-1.docker.io" : registry;
        return new RegistryClient(registry, new Uri($"https://{host}/"), _http, _options.LoggerFactory.CreateLogger<RegistryClient>())
        {
            RetryDelay = _options.RetryBaseDelay,
            TimeProvider = _options.TimeProvider,
            ReadTimeout = _options.RequestTimeout,
        };
    }

    public void Dispose()
    {
        _http.Dispose();
        _extraRoots?.Dispose();
    }

    internal static bool IsLoopback(string authority)
    {
        var host = authority;
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            host = end > 0 ? host[1..end] : host;
        }
        else if (host.LastIndexOf(':') is var colon and > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = host[..colon];
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private SocketsHttpHandler CreateTransport()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = 32,
            SslOptions = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
        };
        var roots = _extraRoots;
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
        {
            if (sender is SslStream { TargetHostName: { Length: > 0 } host } && certificate is not null)
            {
                _presentedCertificate[host] = true;
            }

            return errors == SslPolicyErrors.None || (roots is not null && roots.Validate(certificate, errors));
        };

        return handler;
    }
}
