using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// Registry credentials for Amazon ECR hosts (<see cref="EcrRegistryHost"/>) from GetAuthorizationToken, through
/// <see cref="IEcrAuthorizationTokenSource"/>; every other registry is asked of the inner provider (the docker config).
/// A token is kept per registry host until <see cref="RenewBefore"/> before it expires (half its life when it lives less
/// than twice that), callers that need one at the same time share one request, and a token the registry refuses is
/// dropped at once (<see cref="Invalidate"/>), so the next request brings a new one. The inner provider's answers are
/// kept too, until the registry refuses them.
/// </summary>
public sealed class EcrCredentialProvider : IRefreshableRegistryCredentialProvider
{
    /// <summary>How long before it expires a token is renewed by default.</summary>
    public static readonly TimeSpan DefaultRenewBefore = TimeSpan.FromMinutes(5);

    private readonly IEcrAuthorizationTokenSource _tokens;
    private readonly IRegistryCredentialProvider _inner;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<Held>>> _ecr = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<RegistryCredential?>>> _others = new(StringComparer.OrdinalIgnoreCase);
    private int _tokenRequests;

    public EcrCredentialProvider(IEcrAuthorizationTokenSource tokens, IRegistryCredentialProvider inner, TimeProvider timeProvider, ILogger<EcrCredentialProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _tokens = tokens;
        _inner = inner;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>How long before <see cref="EcrAuthorizationToken.ExpiresAt"/> a kept token is replaced by a new one.</summary>
    public TimeSpan RenewBefore { get; init; } = DefaultRenewBefore;

    /// <summary>How many tokens were asked for so far (each GetAuthorizationToken call once).</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public async Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        if (!EcrRegistryHost.TryParse(registry, out var ecr))
        {
            var kept = _others.GetOrAdd(registry, key => new Lazy<Task<RegistryCredential?>>(() => _inner.GetCredentialAsync(key, CancellationToken.None)));
            try
            {
                return await kept.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (kept.Value.IsFaulted || kept.Value.IsCanceled)
            {
                _others.TryRemove(new KeyValuePair<string, Lazy<Task<RegistryCredential?>>>(registry, kept));
                throw;
            }
        }

        // A token found due for renewal is dropped and fetched again once; a fresh fetch is always used.
        for (var round = 0; ; round++)
        {
            var entry = _ecr.GetOrAdd(ecr.Host, _ => new Lazy<Task<Held>>(() => FetchAsync(ecr)));
            Held held;
            try
            {
                // The shared fetch does not stop when one caller gives up: the others still wait for it.
                held = await entry.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (entry.Value.IsFaulted || entry.Value.IsCanceled)
            {
                _ecr.TryRemove(new KeyValuePair<string, Lazy<Task<Held>>>(ecr.Host, entry));
                throw;
            }

            if (round > 0 || _timeProvider.GetUtcNow() < held.RenewAt)
            {
                return held.Credential;
            }

            _ecr.TryRemove(new KeyValuePair<string, Lazy<Task<Held>>>(ecr.Host, entry));
        }
    }

    public void Invalidate(string registry, RegistryCredential rejected)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(rejected);
        if (!EcrRegistryHost.TryParse(registry, out var ecr))
        {
            if (_others.TryGetValue(registry, out var kept) && kept.IsValueCreated && kept.Value.IsCompletedSuccessfully && Same(kept.Value.Result, rejected))
            {
                _others.TryRemove(new KeyValuePair<string, Lazy<Task<RegistryCredential?>>>(registry, kept));
            }

            if (_inner is IRefreshableRegistryCredentialProvider refreshable)
            {
                refreshable.Invalidate(registry, rejected);
            }

            return;
        }

        // Only the token that was refused is dropped: one fetched meanwhile (by a parallel request) stays.
        if (_ecr.TryGetValue(ecr.Host, out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully && Same(entry.Value.Result.Credential, rejected)
            && _ecr.TryRemove(new KeyValuePair<string, Lazy<Task<Held>>>(ecr.Host, entry)))
        {
            _logger.LogDebug("Amazon ECR refused the authorization token for {Registry}; a new one will be requested.", ecr.Host);
        }
    }

    private static bool Same(RegistryCredential? held, RegistryCredential rejected)
        => held is not null && (ReferenceEquals(held, rejected) || (held.Username == rejected.Username && held.Password == rejected.Password));

    private async Task<Held> FetchAsync(EcrRegistryHost registry)
    {
        Interlocked.Increment(ref _tokenRequests);
        var token = await _tokens.GetAuthorizationTokenAsync(registry, CancellationToken.None).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        var life = token.ExpiresAt - now;
        var renewAt = life > RenewBefore + RenewBefore ? token.ExpiresAt - RenewBefore : now + (life / 2);
        _logger.LogDebug(
            "Got an Amazon ECR authorization token for {Registry} (account {Account}, region {Region}), valid until {ExpiresAt:O}; it is renewed after {RenewAt:O}.",
            registry.Host, registry.AccountId, registry.Region, token.ExpiresAt, renewAt);
        if (token.ProxyEndpoint is { } endpoint && !string.Equals(endpoint.Host, registry.Host, StringComparison.OrdinalIgnoreCase))
        {
            _logger.LogDebug("The token for {Registry} was issued for {ProxyEndpoint}.", registry.Host, endpoint.Host);
        }

        var credential = new RegistryCredential(token.Username, token.Password, source: $"Amazon ECR GetAuthorizationToken (account {registry.AccountId}, {registry.Region})");
        return new Held(credential, renewAt);
    }

    /// <summary>A token as a registry credential, and when to stop handing it out.</summary>
    private sealed record Held(RegistryCredential Credential, DateTimeOffset RenewAt)
    {
        public override string ToString() => $"Held {{ {Credential}, RenewAt = {RenewAt:O} }}";
    }
}
