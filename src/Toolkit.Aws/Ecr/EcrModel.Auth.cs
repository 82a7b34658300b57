// Input and output of GetAuthorizationToken. Types and member names follow the service model (service-2.json, 2015-09-21).
namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>GetAuthorizationToken</c>.</summary>
public sealed record GetAuthorizationTokenRequest
{
    public IReadOnlyList<string>? RegistryIds { get; init; }
}

/// <summary>The output of <c>GetAuthorizationToken</c>.</summary>
public sealed record GetAuthorizationTokenResponse
{
    public IReadOnlyList<AuthorizationData>? AuthorizationData { get; init; }

    /// <summary>Lists the entries with their tokens redacted.</summary>
    public override string ToString()
        => $"GetAuthorizationTokenResponse {{ AuthorizationData = [{string.Join(", ", AuthorizationData ?? [])}] }}";
}

/// <summary>A registry credential from <c>GetAuthorizationToken</c>. <see cref="AuthorizationToken"/> is a secret (base64 of <c>AWS:&lt;password&gt;</c>, valid 12 hours); <see cref="ToString"/> never shows it.</summary>
public sealed record AuthorizationData
{
    public string? AuthorizationToken { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? ProxyEndpoint { get; init; }

    /// <summary>Shows the endpoint and expiry; the token is redacted.</summary>
    public override string ToString()
        => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"AuthorizationData {{ AuthorizationToken = {(AuthorizationToken is null ? "null" : "(redacted)")}, ExpiresAt = {ExpiresAt:O}, ProxyEndpoint = {ProxyEndpoint} }}");
}
