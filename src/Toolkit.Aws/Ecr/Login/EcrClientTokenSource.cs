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
        var connection = EcrLogin.ConnectionFor(_options, registry, regionMustMatch: false);
        var key = $"{connection.Region}|{connection.UseFips}|{connection.UseDualStack}";
        var client = _byRegion.GetOrAdd(key, _ => new Lazy<IEcrClient>(() => _clients(connection))).Value;
        return EcrLogin.GetTokenAsync(client, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var client in _byRegion.Values.Where(c => c.IsValueCreated))
        {
            (client.Value as IDisposable)?.Dispose();
        }
    }
}
