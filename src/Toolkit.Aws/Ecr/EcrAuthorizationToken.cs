using System.Text;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// What GetAuthorizationToken gives for one registry, decoded: the Basic username (always <c>AWS</c>) and password the
/// registry accepts until <see cref="ExpiresAt"/> (12 hours after issue), and the registry it was issued for.
/// <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class EcrAuthorizationToken
{
    public EcrAuthorizationToken(string username, string password, DateTimeOffset expiresAt, Uri? proxyEndpoint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        Username = username;
        Password = password;
        ExpiresAt = expiresAt;
        ProxyEndpoint = proxyEndpoint;
    }

    public string Username { get; }

    public string Password { get; }

    /// <summary>When the registry stops accepting the password.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The registry the token is for (<c>https://&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>), when the service said.</summary>
    public Uri? ProxyEndpoint { get; }

    /// <summary>
    /// Decodes one <c>authorizationData</c> entry: <paramref name="authorizationToken"/> is base64 of
    /// <c>&lt;username&gt;:&lt;password&gt;</c>. A token that is not is TK3052, whose message never quotes it.
    /// </summary>
    public static EcrAuthorizationToken FromAuthorizationData(string authorizationToken, DateTimeOffset expiresAt, string? proxyEndpoint)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorizationToken ?? string.Empty));
        }
        catch (FormatException)
        {
            throw Invalid("is not base64");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == decoded.Length - 1)
        {
            throw Invalid("is not '<username>:<password>'");
        }

        Uri? endpoint = null;
        if (!string.IsNullOrEmpty(proxyEndpoint) && !Uri.TryCreate(proxyEndpoint, UriKind.Absolute, out endpoint))
        {
            endpoint = null;
        }

        return new EcrAuthorizationToken(decoded[..colon], decoded[(colon + 1)..], expiresAt, endpoint);
    }

    public override string ToString() => $"EcrAuthorizationToken {{ Username = {Username}, ExpiresAt = {ExpiresAt:O}, ProxyEndpoint = {ProxyEndpoint}, password redacted }}";

    private static ToolkitException Invalid(string why)
        => new(ErrorCodes.EcrAuthorizationTokenInvalid, $"The authorization token Amazon ECR returned {why}, so it cannot be used to log in to the registry (the token is not shown).");
}
