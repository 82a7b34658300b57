using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Testing.Aws;

/// <summary>An access key an emulator knows, with its secret and, for temporary credentials, the session token that must come with it.</summary>
public sealed record SigV4Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>Never prints the secret or the token.</summary>
    public override string ToString() => $"SigV4Credentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "set")} }}";
}

/// <summary>
/// A request as it arrived, for signature checks: the method, the request target exactly as on the request line
/// (path and query, still percent-encoded), every header line in order (a name may repeat) and the body.
/// </summary>
public sealed record SigV4Request(string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The request an <see cref="HttpListener"/> received, with the body the caller already read.</summary>
    public static SigV4Request FromListener(HttpListenerRequest request, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var name in request.Headers.AllKeys)
        {
            if (name is not null && request.Headers.Get(name) is { } value)
            {
                // The listener joins repeated header lines with commas, which is what the canonical form does too.
                headers.Add(new(name, value));
            }
        }

        return new SigV4Request(request.HttpMethod, request.RawUrl ?? "/", headers, body);
    }

    /// <summary>
    /// Parses a request written out as HTTP/1.1 text, as the SigV4 test suites store them: the request line, header lines
    /// (a line that starts with white space continues the previous header), an empty line and the body.
    /// </summary>
    public static SigV4Request Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalised = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var bodyStart = normalised.IndexOf("\n\n", StringComparison.Ordinal);
        var head = bodyStart < 0 ? normalised.TrimEnd('\n') : normalised[..bodyStart];
        var body = bodyStart < 0 ? string.Empty : normalised[(bodyStart + 2)..];
        var lines = head.Split('\n');
        var requestLine = lines[0];
        var firstSpace = requestLine.IndexOf(' ', StringComparison.Ordinal);
        var version = requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal);
        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..version];
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + " " + line.Trim());
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        return new SigV4Request(method, target, headers, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>The values of every header line named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IEnumerable<string> HeaderValues(string name)
        => Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>The value of the header, repeated lines joined with commas, or null when absent.</summary>
    public string? Header(string name)
    {
        var values = HeaderValues(name).ToList();
        return values.Count == 0 ? null : string.Join(',', values);
    }
}

/// <summary>
/// The outcome of a SigV4 check. When it failed, <see cref="ErrorCode"/> and <see cref="Message"/> are what an AWS JSON
/// service answers (HTTP 400 for all of them), and <see cref="Detail"/> says, for the test log only, what did not fit.
/// </summary>
public sealed record SigV4Verification(
    bool IsValid,
    string? ErrorCode,
    string? Message,
    string? Detail,
    SigV4Credentials? Credentials,
    string? CanonicalRequest,
    string? StringToSign)
{
    internal static SigV4Verification Fail(string errorCode, string message, string? detail = null, SigV4Credentials? credentials = null, string? canonicalRequest = null, string? stringToSign = null)
        => new(false, errorCode, message, detail ?? message, credentials, canonicalRequest, stringToSign);
}

/// <summary>
/// Verifies AWS Signature Version 4 on requests an emulator receives, written from the SigV4 specification: it parses
/// the <c>Authorization</c> header, rebuilds the canonical request from what arrived (not from what the client meant),
/// checks the credential scope (date, region, service, <c>aws4_request</c>), that <c>X-Amz-Date</c> is within
/// <see cref="AllowedSkew"/> of the emulator's clock, that <c>x-amz-content-sha256</c> (when sent) is the body's hash,
/// that a session token matches its access key, and finally the signature, with the secret of a registered key.
/// Failures carry the errors AWS JSON services (Coral) answer: <c>MissingAuthenticationTokenException</c>,
/// <c>IncompleteSignatureException</c>, <c>UnrecognizedClientException</c> (unknown key or session token) and
/// <c>InvalidSignatureException</c> (wrong scope, expired, mismatch). <c>SignatureDoesNotMatch</c> (HTTP 403) is the
/// query and REST-XML services' spelling (STS, S3), not ECR's.
/// </summary>
public sealed class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string MismatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    public const string InvalidTokenMessage = "The security token included in the request is invalid.";

    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private readonly Dictionary<string, SigV4Credentials> _credentials = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public SigV4Verifier(string region, string service, TimeProvider timeProvider)
    {
        Region = region;
        Service = service;
        TimeProvider = timeProvider;
    }

    public string Region { get; }

    public string Service { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>How far <c>X-Amz-Date</c> may be from the clock, either way.</summary>
    public TimeSpan AllowedSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Remove <c>.</c> and <c>..</c> path segments before encoding (every service but S3).</summary>
    public bool NormalizePath { get; init; } = true;

    /// <summary>Lets requests signed with this key through (replaces a key with the same id).</summary>
    public void AddCredentials(SigV4Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        lock (_lock)
        {
            _credentials[credentials.AccessKeyId] = credentials;
        }
    }

    public SigV4Verification Verify(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Header("Authorization");
        if (authorization is null)
        {
            return SigV4Verification.Fail("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        authorization = authorization.Trim();
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            var algorithm = authorization.Split(' ', 2)[0];
            return SigV4Verification.Fail("IncompleteSignatureException", $"Unsupported AWS 'algorithm': '{algorithm}'.");
        }

        var parameters = ParseAuthorization(authorization[(Algorithm.Length + 1)..]);
        var missing = new[] { "Credential", "SignedHeaders", "Signature" }.Where(p => !parameters.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            return SigV4Verification.Fail(
                "IncompleteSignatureException",
                string.Join(' ', missing.Select(p => $"Authorization header requires '{p}' parameter.")) + $" Authorization={Algorithm} {Redact(parameters)}");
        }

        var scope = parameters["Credential"].Split('/');
        if (scope.Length != 5)
        {
            return SigV4Verification.Fail(
                "IncompleteSignatureException",
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{parameters["Credential"]}'");
        }

        SigV4Credentials? credentials;
        lock (_lock)
        {
            _credentials.TryGetValue(scope[0], out credentials);
        }

        if (credentials is null)
        {
            return SigV4Verification.Fail("UnrecognizedClientException", InvalidTokenMessage, $"access key '{scope[0]}' is not registered");
        }

        var sessionToken = request.Header("X-Amz-Security-Token")?.Trim();
        if (!string.Equals(sessionToken, credentials.SessionToken, StringComparison.Ordinal))
        {
            return SigV4Verification.Fail(
                "UnrecognizedClientException",
                InvalidTokenMessage,
                credentials.SessionToken is null ? "a session token came with a long-term access key" : "the session token is missing or is not the one issued with the access key",
                credentials);
        }

        var amzDate = request.Header("X-Amz-Date")?.Trim();
        DateTimeOffset requestTime;
        if (amzDate is not null)
        {
            if (!DateTimeOffset.TryParseExact(amzDate, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
            {
                return SigV4Verification.Fail("IncompleteSignatureException", $"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601", credentials: credentials);
            }
        }
        else if (request.Header("Date") is { } httpDate && DateTimeOffset.TryParseExact(httpDate.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
        {
            amzDate = requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            return SigV4Verification.Fail("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", credentials: credentials);
        }

        var day = amzDate[..8];
        if (scope[1] != day)
        {
            return SigV4Verification.Fail(
                "InvalidSignatureException",
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{day}', from '{amzDate}'.",
                credentials: credentials);
        }

        if (scope[2] != Region)
        {
            return SigV4Verification.Fail("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{scope[2]}'. ", credentials: credentials);
        }

        if (scope[3] != Service)
        {
            return SigV4Verification.Fail("InvalidSignatureException", $"Credential should be scoped to correct service: '{Service}'. ", credentials: credentials);
        }

        if (scope[4] != "aws4_request")
        {
            return SigV4Verification.Fail("InvalidSignatureException", $"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[4]}'. ", credentials: credentials);
        }

        var now = TimeProvider.GetUtcNow();
        if (requestTime < now - AllowedSkew)
        {
            return SigV4Verification.Fail(
                "InvalidSignatureException",
                $"Signature expired: {amzDate} is now earlier than {Format(now - AllowedSkew)} ({Format(now)} - {AllowedSkew.TotalMinutes:0} min.)",
                credentials: credentials);
        }

        if (requestTime > now + AllowedSkew)
        {
            return SigV4Verification.Fail(
                "InvalidSignatureException",
                $"Signature not yet current: {amzDate} is still later than {Format(now + AllowedSkew)} ({Format(now)} + {AllowedSkew.TotalMinutes:0} min.)",
                credentials: credentials);
        }

        var signedHeaders = parameters["SignedHeaders"].Split(';', StringSplitOptions.RemoveEmptyEntries);
        if (!signedHeaders.Contains("host", StringComparer.OrdinalIgnoreCase))
        {
            return SigV4Verification.Fail("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", credentials: credentials);
        }

        var bodyHash = Hex(SHA256.HashData(request.Body));
        var payloadHash = bodyHash;
        if (request.Header("x-amz-content-sha256")?.Trim() is { } declaredHash)
        {
            if (declaredHash == "UNSIGNED-PAYLOAD")
            {
                payloadHash = declaredHash;
            }
            else if (!string.Equals(declaredHash, bodyHash, StringComparison.OrdinalIgnoreCase))
            {
                return SigV4Verification.Fail(
                    "InvalidSignatureException",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    $"x-amz-content-sha256 is {declaredHash}, the body's SHA-256 is {bodyHash}",
                    credentials);
            }
        }

        var canonicalRequest = CanonicalRequest(request, signedHeaders, payloadHash, NormalizePath);
        var credentialScope = $"{day}/{Region}/{Service}/aws4_request";
        var stringToSign = StringToSign(amzDate, credentialScope, canonicalRequest);
        var expected = Signature(credentials.SecretAccessKey, day, Region, Service, stringToSign);
        var provided = parameters["Signature"];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(provided)))
        {
            return SigV4Verification.Fail(
                "InvalidSignatureException",
                // As AWS answers a mismatch: the canonical request and string to sign it expected, headers (and so
                // the session token) included, which is why clients must never repeat this message as it is.
                $"{MismatchMessage}\n\nThe Canonical String for this request should have been\n'{canonicalRequest}'\n\nThe String-to-Sign should have been\n'{stringToSign}'\n",
                $"the signature does not match; the canonical request was:{Environment.NewLine}{canonicalRequest}",
                credentials,
                canonicalRequest,
                stringToSign);
        }

        return new SigV4Verification(true, null, null, null, credentials, canonicalRequest, stringToSign);
    }

    /// <summary>
    /// The canonical request: method, canonical URI (dot segments removed when <paramref name="normalizePath"/>, then
    /// every byte but unreserved characters and <c>/</c> percent-encoded, so an encoded path is encoded again), canonical
    /// query (decoded, re-encoded, sorted by name then value), the signed headers (lower-case names, trimmed values with
    /// runs of spaces collapsed, repeated lines joined with commas), the signed header list and the payload hash.
    /// </summary>
    public static string CanonicalRequest(SigV4Request request, IReadOnlyList<string> signedHeaders, string payloadHash, bool normalizePath = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signedHeaders);
        var queryStart = request.Target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? request.Target : request.Target[..queryStart];
        var query = queryStart < 0 ? string.Empty : request.Target[(queryStart + 1)..];
        if (path.Length == 0)
        {
            path = "/";
        }

        if (normalizePath)
        {
            path = RemoveDotSegments(path);
        }

        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(UriEncode(path, keepSlash: true)).Append('\n');
        builder.Append(CanonicalQuery(query)).Append('\n');
        var names = signedHeaders.Select(h => h.ToLowerInvariant()).ToList();
        foreach (var name in names)
        {
            var values = request.HeaderValues(name).Select(CanonicalHeaderValue);
            builder.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        builder.Append('\n');
        builder.Append(string.Join(';', names)).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string credentialScope, string canonicalRequest)
        => $"{Algorithm}\n{amzDate}\n{credentialScope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    /// <summary>The hex signature: HMAC-SHA256 chain over date, region, service and <c>aws4_request</c>, then over the string to sign.</summary>
    public static string Signature(string secretAccessKey, string day, string region, string service, string stringToSign)
    {
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), day);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, stringToSign));
    }

    /// <summary>
    /// Signs <paramref name="request"/> (which must carry <c>Host</c> and <c>X-Amz-Date</c>, and the session token
    /// when there is one) over <paramref name="signedHeaders"/>: the <c>Authorization</c> value to add. Test code uses it
    /// to drive an emulator with its own clock; independent clients prove the verifier.
    /// </summary>
    public static string Authorization(SigV4Request request, SigV4Credentials credentials, string region, string service, IReadOnlyList<string> signedHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var amzDate = request.Header("X-Amz-Date") ?? throw new ArgumentException("The request has no X-Amz-Date header.", nameof(request));
        var day = amzDate[..8];
        var canonicalRequest = CanonicalRequest(request, signedHeaders, Hex(SHA256.HashData(request.Body)));
        var scope = $"{day}/{region}/{service}/aws4_request";
        var signature = Signature(credentials.SecretAccessKey, day, region, service, StringToSign(amzDate, scope, canonicalRequest));
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={string.Join(';', signedHeaders.Select(h => h.ToLowerInvariant()))}, Signature={signature}";
    }

    public static string FormatAmzDate(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static string Format(DateTimeOffset time) => FormatAmzDate(time);

    private static Dictionary<string, string> ParseAuthorization(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }

        return parameters;
    }

    private static string Redact(Dictionary<string, string> parameters)
        => string.Join(", ", parameters.Select(p => p.Key == "Signature" ? "Signature=..." : $"{p.Key}={p.Value}"));

    private static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c is ' ' or '\t')
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var parameter in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? parameter : parameter[..equals];
            var value = equals < 0 ? string.Empty : parameter[(equals + 1)..];
            pairs.Add((UriEncode(PercentDecode(name), keepSlash: false), UriEncode(PercentDecode(value), keepSlash: false)));
        }

        return string.Join('&', pairs
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 section 5.2.4, keeping a trailing slash.</summary>
    private static string RemoveDotSegments(string path)
    {
        var output = new List<string>();
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last)
                {
                    output.Add(string.Empty);
                }

                continue;
            }

            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add(string.Empty);
                }

                continue;
            }

            output.Add(segment);
        }

        return "/" + string.Join('/', output);
    }

    private static string PercentDecode(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        var literalStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[literalStart..i]));
                bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
                literalStart = i + 1;
            }
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(text[literalStart..]));
        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static string UriEncode(string text, bool keepSlash)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
