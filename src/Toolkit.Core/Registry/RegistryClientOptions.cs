using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Toolkit.Core.Registry;

/// <summary>How <see cref="RegistryClientFactory"/> reaches registries.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Hosts (<c>host:port</c> as in references) that may be reached over plain HTTP (<c>--insecure-registry</c>).</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// Whether localhost, 127.0.0.1 and ::1 may fall back to plain HTTP like an insecure registry (default true, as docker
    /// does). HTTPS is still tried first, so a loopback registry with TLS is verified.
    /// </summary>
    public bool AllowPlainHttpOnLoopback { get; init; } = true;

    /// <summary>A PEM file with extra CA certificates trusted on top of the system roots (<c>--ca-file</c>).</summary>
    public string? CaFile { get; init; }

    public IRegistryCredentialProvider CredentialProvider { get; init; } = AnonymousCredentialProvider.Instance;

    /// <summary>
    /// Handlers for one registry's quirks (e.g. Amazon ECR's), each created once per factory and placed in that order
    /// between the auth handler and the retry handler: they see every request with its credentials and every answer after
    /// the retries, and may turn an answer into a coded error, or into the answer the standard expects (a refused
    /// credential into a 401 with a challenge, so it is renewed). A handler leaves requests to other registries alone.
    /// </summary>
    public IReadOnlyList<Func<DelegatingHandler>> MessageHandlers { get; init; } = [];

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Attempts per replayable request (1 = no retries).</summary>
    public int MaxRetryAttempts { get; init; } = 5;

    /// <summary>The first retry backoff (doubled per attempt, with jitter); a <c>Retry-After</c> from the registry takes precedence.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a request without a body may wait for its response headers, per attempt (a blob read stalling this long fails too).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The slowest transfer still waited for, in bytes per second: a request sending n bytes gets <see cref="RequestTimeout"/>
    /// plus n / this rate, so large blobs are never cut off at a fixed timeout.
    /// </summary>
    public long MinimumTransferRate { get; init; } = 32 * 1024;
}
