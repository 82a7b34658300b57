using System.Collections.Concurrent;

namespace Toolkit.Aws.Ecr.Login;

/// <summary>
/// Registry passwords for ECR hosts from GetAuthorizationToken, with one <see cref="EcrClient"/> per region (and FIPS or
/// dual-stack variant) the hosts name, made on first use from the front-end's AWS options: an ECR host's region is the
/// one its credentials come from, whatever region the options name (a base image may live in another region). Nothing is resolved (credentials, region) until
/// an ECR host is used, so pushes to other registries never touch AWS.
/// </summary>
public sealed class EcrClientTokenSource : IEcrAuthorizationTokenSource, IDisposable
{
    private readonly AwsConnectionOptions _options;
    private readonly Func<AwsConnectionOptions, IEcrClient> _clients;
    private readonly ConcurrentDictionary<string, Lazy<IEcrClient>> _byRegion = new(StringComparer.Ordinal);

    public EcrClientTokenSource(AwsConnectionOptions options)
        : this(options, static o => new EcrClient(AwsConnection.Resolve(o)))
    {
    }

    /// <summary>With the clients <paramref name="clients"/> makes for each connection (tests).</summary>
    public EcrClientTokenSource(AwsConnectionOptions options, Func<AwsConnectionOptions, IEcrClient> clients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clients);
        _options = options;
        _clients = clients;
    }

    public Task<EcrAuthorizationToken> GetAuthorizationTokenAsync(EcrRegistryHost registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var connection = ConnectionFor(registry);
        var key = $"{connection.Region}|{connection.UseFips}|{connection.UseDualStack}";
        var client = _byRegion.GetOrAdd(key, _ => new Lazy<IEcrClient>(() => _clients(connection))).Value;
        return EcrLogin.GetTokenAsync(client, cancellationToken);
    }

    /// <summary>
    /// The options for <paramref name="registry"/>'s region. A custom ECR endpoint (option, <c>AWS_ENDPOINT_URL_ECR</c>,
    /// <c>AWS_ENDPOINT_URL</c>, the config file) serves one region, the configured one: it is used for hosts in that
    /// region (or when no region is configured at all). A host in another region gets that region's official endpoint,
    /// with configured endpoint URLs ignored for its client.
    /// </summary>
    private AwsConnectionOptions ConnectionFor(EcrRegistryHost registry)
    {
        var (configuredRegion, custom) = EcrLogin.ConfiguredEcrEndpoint(_options);
        var elsewhere = custom is not null && configuredRegion is not null && !string.Equals(configuredRegion, registry.Region, StringComparison.Ordinal);
        return EcrLogin.ConnectionFor(_options, registry, regionMustMatch: false, customEndpoint: elsewhere ? null : custom, ignoreConfiguredEndpoints: elsewhere);
    }

    public void Dispose()
    {
        foreach (var client in _byRegion.Values.Where(c => c.IsValueCreated))
        {
            (client.Value as IDisposable)?.Dispose();
        }
    }
}
