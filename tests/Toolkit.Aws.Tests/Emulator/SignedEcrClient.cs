using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>One raw answer of the emulator: status, body, the error type a client would read, and the headers.</summary>
public sealed record EcrAnswer(int StatusCode, JsonElement Body, string RawBody, HttpResponseHeaders Headers)
{
    /// <summary>The error name as clients take it: the <c>__type</c> after its namespace.</summary>
    public string? ErrorCode => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("__type", out var type) ? type.GetString()!.Split('#')[^1] : null;

    public string? Message => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("message", out var message) ? message.GetString() : null;
}

/// <summary>
/// A minimal AWS JSON 1.1 caller for emulator behaviour tests that need the emulator's fake clock (scan timing, token
/// expiry): it signs with the test signer at the time of <paramref name="clock"/>. It proves nothing about SigV4 or the
/// protocol (the AWS CLI and the JavaScript SDK do); it only drives the state machine.
/// </summary>
public sealed class SignedEcrClient(EcrEmulator emulator, TimeProvider clock, SigV4Credentials? credentials = null) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = emulator.Endpoint };

    public SigV4Credentials Credentials { get; } = credentials ?? EcrEmulator.DefaultCredentials;

    public Task<EcrAnswer> CallAsync(string operation, JsonObject? input = null)
        => SendAsync(operation, Encoding.UTF8.GetBytes((input ?? []).ToJsonString()), sign: true);

    /// <summary>Sends <paramref name="body"/> as it is (malformed JSON too), signed or not.</summary>
    public async Task<EcrAnswer> SendAsync(string operation, byte[] body, bool sign = true, string contentType = EcrEmulator.ContentType)
    {
        var amzDate = Toolkit.Testing.Aws.SigV4Verifier.FormatAmzDate(clock.GetUtcNow());
        var target = $"{EcrEmulator.TargetPrefix}.{operation}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-Amz-Date", amzDate);
        request.Headers.Add("X-Amz-Target", target);
        if (Credentials.SessionToken is { } token)
        {
            request.Headers.Add("X-Amz-Security-Token", token);
        }

        if (sign)
        {
            List<KeyValuePair<string, string>> headers =
            [
                new("Host", emulator.HostPort),
                new("Content-Type", contentType),
                new("X-Amz-Date", amzDate),
                new("X-Amz-Target", target),
            ];
            List<string> signed = ["content-type", "host", "x-amz-date", "x-amz-target"];
            if (Credentials.SessionToken is { } sessionToken)
            {
                headers.Add(new("X-Amz-Security-Token", sessionToken));
                signed.Add("x-amz-security-token");
                signed.Sort(StringComparer.Ordinal);
            }

            var authorization = Toolkit.Testing.Aws.SigV4Verifier.Authorization(new SigV4Request("POST", "/", headers, body), Credentials, emulator.Region, "ecr", signed);
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(raw.Length == 0 ? "{}" : raw);
        return new EcrAnswer((int)response.StatusCode, document.RootElement.Clone(), raw, response.Headers);
    }

    public void Dispose() => _http.Dispose();
}
