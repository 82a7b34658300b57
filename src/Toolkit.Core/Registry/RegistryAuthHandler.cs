using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Registry;

/// <summary>
/// The registry auth handshake: on 401 it reads <c>WWW-Authenticate</c> (Basic or Bearer), gets credentials for the
/// host, asks a Bearer realm for a token (cached per host and scope set until it expires) and sends the request
/// again once. Later requests to a host it has seen a challenge from are authenticated up front, so a streamed
/// upload (which cannot be sent twice) carries its token the first time. When the registry refuses a Basic credential
/// and the provider is an <see cref="IRefreshableRegistryCredentialProvider"/> (short-lived tokens such as Amazon ECR's),
/// the provider is told and the request goes once more with its new credential; a request that cannot be sent again is
/// marked (<see cref="RegistryRequest.CredentialRenewed"/>) so its caller can start over. A 401 after that is a coded
/// error naming the registry and repository, never the secret.
/// </summary>
public sealed class RegistryAuthHandler : DelegatingHandler
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    private readonly IRegistryCredentialProvider _credentials;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Host, string Scope), CachedToken> _tokens = new();
    private readonly ConcurrentDictionary<string, RegistryCredential?> _credentialCache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Host, string Scope), Lazy<Task<CachedToken>>> _inflight = new();

    public RegistryAuthHandler(IRegistryCredentialProvider credentials, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _credentials = credentials;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is null || (request.Options.TryGetValue(RegistryRequest.Anonymous, out var anonymous) && anonymous))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var host = request.RequestUri.Authority;
        var scope = ScopeFor(request);

        // The Basic credential this request carries, when this handler put it there: if the registry refuses it, a
        // refreshable provider is told, and the request goes again with the provider's next credential.
        RegistryCredential? sentBasic = null;
        if (request.Headers.Authorization is null && _challenges.TryGetValue(host, out var known))
        {
            var upFront = await AuthorizationAsync(known, host, scope, scope, rejectedToken: null, cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = upFront.Header;
            sentBasic = known.IsBasic && upFront.Header is not null ? upFront.Credential : null;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = Challenges(response).OrderBy(c => c.IsBearer ? 0 : c.IsBasic ? 1 : 2).FirstOrDefault(c => c.IsBearer || c.IsBasic);
        if (challenge is null)
        {
            return response;
        }

        // Remembered even when this request cannot be sent again, so the caller's next attempt authenticates up front.
        _challenges[host] = challenge;
        var renewed = sentBasic is not null && Renew(host, sentBasic);
        if (!RegistryRequest.IsReplayable(request))
        {
            if (renewed)
            {
                request.Options.Set(RegistryRequest.CredentialRenewed, true);
            }

            return response;
        }

        var challengeScope = challenge.Scope is { Length: > 0 } s ? NormaliseScope(s) : scope;
        var rejected = request.Headers.Authorization is { Scheme: "Bearer" } sent ? sent.Parameter : string.Empty;
        while (true)
        {
            var (authorization, credential) = await AuthorizationAsync(challenge, host, challengeScope, scope, rejected, cancellationToken).ConfigureAwait(false);
            if (authorization is null)
            {
                response.Dispose();
                throw RegistryErrors.Unauthorized(host, RegistryRequest.RepositoryOf(request), null, null);
            }

            response.Dispose();
            request.Headers.Authorization = authorization;
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }

            // A Basic credential refused at its first use may be a stale one a refreshable provider still held: one renewal.
            if (!renewed && challenge.IsBasic && credential is not null && Renew(host, credential))
            {
                renewed = true;
                continue;
            }

            using (response)
            {
                var body = await RegistryErrors.FromResponseAsync(host, RegistryRequest.RepositoryOf(request), response, cancellationToken).ConfigureAwait(false);
                _tokens.TryRemove((host, scope), out _);
                throw RegistryErrors.Unauthorized(host, RegistryRequest.RepositoryOf(request), credential?.Source, body.ErrorCode == ErrorCodes.RegistryUnauthorized ? null : body.Message);
            }
        }
    }

    /// <summary>Tells a refreshable provider that <paramref name="rejected"/> was refused; false when the provider cannot renew.</summary>
    private bool Renew(string host, RegistryCredential rejected)
    {
        if (_credentials is not IRefreshableRegistryCredentialProvider refreshable)
        {
            return false;
        }

        _logger.LogDebug("The registry {Registry} refused the credential from {Source}; asking for a new one.", host, rejected.Source);
        refreshable.Invalidate(host, rejected);
        return true;
    }

    /// <summary>The pull (GET/HEAD) or pull,push scope a request needs, plus pull on a mount's source repository.</summary>
    internal static string ScopeFor(HttpRequestMessage request)
    {
        var repository = RegistryRequest.RepositoryOf(request);
        if (repository is null)
        {
            return string.Empty;
        }

        var read = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
        var scopes = new List<string> { $"repository:{repository}:{(read ? "pull" : "pull,push")}" };
        var query = request.RequestUri?.Query ?? string.Empty;
        var from = query.TrimStart('?').Split('&').FirstOrDefault(p => p.StartsWith("from=", StringComparison.Ordinal));
        if (from is not null)
        {
            scopes.Add($"repository:{Uri.UnescapeDataString(from[5..])}:pull");
        }

        return NormaliseScope(string.Join(' ', scopes));
    }

    private static string NormaliseScope(string scope)
        => string.Join(' ', scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    private static IEnumerable<AuthChallenge> Challenges(HttpResponseMessage response)
        => response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values)
            ? values.SelectMany(AuthChallenge.Parse)
            : [];

    /// <summary>The Authorization header answering <paramref name="challenge"/>, and the credential it was made from (if any).</summary>
    private async Task<(AuthenticationHeaderValue? Header, RegistryCredential? Credential)> AuthorizationAsync(AuthChallenge challenge, string host, string scope, string requestScope, string? rejectedToken, CancellationToken cancellationToken)
    {
        var credential = await CredentialAsync(host, cancellationToken).ConfigureAwait(false);
        if (challenge.IsBasic)
        {
            return credential is { HasPassword: true }
                ? (new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}"))), credential)
                : (null, credential);
        }

        // rejectedToken: the token the registry just refused (empty when none was sent; null when authenticating up
        // front). Any other valid cached token was fetched meanwhile (e.g. by a parallel request) and is used instead.
        var now = _timeProvider.GetUtcNow();
        if (_tokens.TryGetValue((host, scope), out var cached) && cached.Expires > now && cached.Token != rejectedToken)
        {
            return (new AuthenticationHeaderValue("Bearer", cached.Token), credential);
        }

        var token = await SharedFetchAsync(challenge, host, scope, credential, cancellationToken).ConfigureAwait(false);
        _tokens[(host, scope)] = token;
        _tokens[(host, requestScope)] = token;
        return (new AuthenticationHeaderValue("Bearer", token.Token), credential);
    }

    /// <summary>One token request per host and scope at a time: parallel uploads that meet the same challenge share it.</summary>
    private async Task<CachedToken> SharedFetchAsync(AuthChallenge challenge, string host, string scope, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var key = (host, scope);
        var fetch = new Lazy<Task<CachedToken>>(() => FetchTokenAsync(challenge, host, scope, credential, cancellationToken));
        var shared = _inflight.GetOrAdd(key, fetch);
        try
        {
            return await shared.Value.ConfigureAwait(false);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<(string, string), Lazy<Task<CachedToken>>>(key, shared));
        }
    }

    private async Task<RegistryCredential?> CredentialAsync(string host, CancellationToken cancellationToken)
    {
        if (_credentials is IRefreshableRegistryCredentialProvider)
        {
            // It keeps (and renews) its credentials itself: keeping its first answer here would outlive them.
            return await _credentials.GetCredentialAsync(host, cancellationToken).ConfigureAwait(false);
        }

        if (_credentialCache.TryGetValue(host, out var credential))
        {
            return credential;
        }

        credential = await _credentials.GetCredentialAsync(host, cancellationToken).ConfigureAwait(false);
        _credentialCache[host] = credential;
        return credential;
    }

    private async Task<CachedToken> FetchTokenAsync(AuthChallenge challenge, string host, string scope, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm))
        {
            throw new ToolkitException(ErrorCodes.TokenServiceFailed, $"The registry {host} asked for a Bearer token without a valid realm URL.");
        }

        using var request = credential?.IdentityToken is { } refreshToken
            ? new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(TokenForm(challenge, scope, refreshToken)) }
            : new HttpRequestMessage(HttpMethod.Get, WithQuery(realm, challenge.Service, scope));
        if (credential is { HasPassword: true } && credential.IdentityToken is null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));
        }

        request.Options.Set(RegistryRequest.Anonymous, true);
        _logger.LogDebug("Asking {Realm} for a token (service {Service}, scope '{Scope}', {Mode}).", realm.GetLeftPart(UriPartial.Path), challenge.Service, scope, credential is null ? "anonymous" : "with credentials");
        using var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw RegistryErrors.Unauthorized(host, RepositoryOfScope(scope), credential?.Source, $"the token service answered HTTP {(int)response.StatusCode}");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new ToolkitException(ErrorCodes.TokenServiceFailed, $"The token service of {host} ({realm.GetLeftPart(UriPartial.Path)}) answered HTTP {(int)response.StatusCode}.");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        string? token = null;
        var lifetime = DefaultTokenLifetime;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            token = (root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null)
                ?? (root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null);
            if (root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var seconds) && seconds > 0)
            {
                lifetime = TimeSpan.FromSeconds(seconds);
            }
        }
        catch (JsonException)
        {
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new ToolkitException(ErrorCodes.TokenServiceFailed, $"The token service of {host} ({realm.GetLeftPart(UriPartial.Path)}) answered without a token.");
        }

        // Renew a little early so a token does not expire between our check and the registry's.
        var margin = TimeSpan.FromSeconds(Math.Min(5, lifetime.TotalSeconds / 10));
        return new CachedToken(token, _timeProvider.GetUtcNow() + lifetime - margin);
    }

    private static string? RepositoryOfScope(string scope)
    {
        var first = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var parts = first?.Split(':');
        return parts is { Length: >= 3 } ? parts[1] : null;
    }

    private static Uri WithQuery(Uri realm, string? service, string scope)
    {
        var query = new StringBuilder(realm.Query.TrimStart('?'));
        void Add(string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (!string.IsNullOrEmpty(service))
        {
            Add("service", service);
        }

        foreach (var part in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Add("scope", part);
        }

        return new UriBuilder(realm) { Query = query.ToString() }.Uri;
    }

    private static IEnumerable<KeyValuePair<string, string>> TokenForm(AuthChallenge challenge, string scope, string refreshToken)
    {
        yield return new("grant_type", "refresh_token");
        yield return new("refresh_token", refreshToken);
        yield return new("client_id", "toolkit");
        if (challenge.Service is { } service)
        {
            yield return new("service", service);
        }

        if (scope.Length > 0)
        {
            yield return new("scope", scope);
        }
    }

    private sealed record CachedToken(string Token, DateTimeOffset Expires)
    {
        public override string ToString() => $"CachedToken {{ Expires = {Expires.ToString("O", CultureInfo.InvariantCulture)} }}";
    }
}
