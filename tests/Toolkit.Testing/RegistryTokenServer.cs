using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Toolkit.Testing;

/// <summary>
/// A tiny token service for distribution's <c>auth.token</c> on 127.0.0.1: it checks Basic credentials, and issues
/// ES256 JWTs (signing certificate in <c>x5c</c>, the same certificate in the registry's <c>rootcertbundle</c>) that grant
/// the requested actions to the known user and nothing to anonymous callers. The registry validates them for real.
/// </summary>
public sealed class RegistryTokenServer : LoopbackHttpServer
{
    public const string Service = "toolkit-test-registry";
    public const string Issuer = "toolkit-test-issuer";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private readonly string _username;
    private readonly string _password;
    private int _tokensIssued;
    private int _requests;

    public RegistryTokenServer(string directory, string username, string password)
    {
        _username = username;
        _password = password;
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest("CN=Toolkit Test Token Signer", _key, HashAlgorithmName.SHA256);
        _certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        CertificateFile = Path.Combine(directory, "token-signer.pem");
        File.WriteAllText(CertificateFile, _certificate.ExportCertificatePem());

        Realm = new Uri($"http://{HostPort}/token");
        Start();
    }

    public Uri Realm { get; }

    /// <summary>The PEM certificate the registry trusts for token signatures.</summary>
    public string CertificateFile { get; }

    /// <summary>Every request to the realm, including refused ones.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _key.Dispose();
            _certificate.Dispose();
        }
    }

    protected override Task HandleAsync(HttpListenerContext context)
    {
        Answer(context);
        return Task.CompletedTask;
    }

    private void Answer(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        using var response = context.Response;
        var user = Authenticate(context.Request.Headers["Authorization"]);
        if (user is null)
        {
            response.StatusCode = 401;
            return;
        }

        var scopes = context.Request.QueryString.GetValues("scope") ?? [];
        var access = user.Length == 0
            ? []
            : scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(ParseScope).OfType<object>().ToArray();
        var token = Sign(user, access);
        Interlocked.Increment(ref _tokensIssued);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { token, expires_in = 300 });
        response.ContentType = "application/json";
        response.OutputStream.Write(body);
    }

    /// <summary>The user name; empty for anonymous; null when the credentials are wrong.</summary>
    private string? Authenticate(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return string.Empty;
        }

        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
        return decoded == $"{_username}:{_password}" ? _username : null;
    }

    private static object? ParseScope(string scope)
    {
        // repository:name[:tag-free path with slashes]:actions — the name may not contain ':' here.
        var parts = scope.Split(':');
        return parts.Length == 3 ? new { type = parts[0], name = parts[1], actions = parts[2].Split(',') } : null;
    }

    private string Sign(string subject, object[] access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
