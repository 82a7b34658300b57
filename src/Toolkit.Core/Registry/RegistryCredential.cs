namespace Toolkit.Core.Registry;

/// <summary>
/// Credentials for one registry: a username and password, or an identity (refresh) token. <see cref="ToString"/>
/// never shows the secret, so a credential can be logged or put in a message by mistake without leaking.
/// </summary>
public sealed record RegistryCredential
{
    public RegistryCredential(string? username, string? password, string? identityToken = null, string source = "unknown")
    {
        Username = username;
        Password = password;
        IdentityToken = identityToken;
        Source = source;
    }

    public string? Username { get; }

    public string? Password { get; }

    /// <summary>An OAuth2 refresh token (docker's <c>identitytoken</c>), exchanged at the token realm.</summary>
    public string? IdentityToken { get; }

    /// <summary>Where the credential came from (e.g. <c>config.json auths</c>, <c>docker-credential-pass</c>), for messages.</summary>
    public string Source { get; }

    public bool HasPassword => Username is not null && Password is not null;

    public override string ToString() => $"RegistryCredential {{ Username = {Username}, Source = {Source}, secret redacted }}";
}

/// <summary>Finds credentials for a registry host; null means anonymous.</summary>
public interface IRegistryCredentialProvider
{
    /// <summary>The credentials for <paramref name="registry"/> (as in references, e.g. <c>ghcr.io</c>, <c>127.0.0.1:5000</c>), or null.</summary>
    Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken);
}

/// <summary>
/// A provider whose credentials go stale (short-lived tokens, rotated passwords). It keeps its credentials itself and
/// answers <see cref="IRegistryCredentialProvider.GetCredentialAsync"/> cheaply, so <see cref="RegistryAuthHandler"/> asks
/// it before every authenticated request instead of keeping the first answer for the whole run; and it is told when the
/// registry refused a credential, so the next call brings a new one.
/// </summary>
public interface IRefreshableRegistryCredentialProvider : IRegistryCredentialProvider
{
    /// <summary>
    /// The registry refused <paramref name="rejected"/>: forget it, if it is still the credential held for
    /// <paramref name="registry"/> (parallel requests that were refused the same credential cause one renewal, not many).
    /// </summary>
    void Invalidate(string registry, RegistryCredential rejected);
}

/// <summary>No credentials for any registry.</summary>
public sealed class AnonymousCredentialProvider : IRegistryCredentialProvider
{
    public static AnonymousCredentialProvider Instance { get; } = new();

    public Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
        => Task.FromResult<RegistryCredential?>(null);
}

/// <summary>Fixed credentials per registry host (tests, and hosts that got credentials elsewhere, e.g. ECR).</summary>
public sealed class StaticCredentialProvider(IReadOnlyDictionary<string, RegistryCredential> credentials) : IRegistryCredentialProvider
{
    public Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
        => Task.FromResult(credentials.TryGetValue(registry, out var credential) ? credential : null);
}
