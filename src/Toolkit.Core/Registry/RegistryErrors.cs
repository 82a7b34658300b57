using System.Net;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Registry;

/// <summary>Turns a registry's error answer (status + <c>errors[]</c> JSON) into a coded <see cref="ToolkitException"/>.</summary>
public static class RegistryErrors
{
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxSummaryChars = 300;

    /// <summary>The key in <see cref="Exception.Data"/> under which the registry's error codes (comma-separated) are kept.</summary>
    private const string CodesKey = "Toolkit.RegistryErrorCodes";

    /// <summary>Whether the registry's answer behind <paramref name="exception"/> carried the distribution error code <paramref name="code"/> (e.g. <c>MANIFEST_BLOB_UNKNOWN</c>).</summary>
    public static bool HasRegistryCode(Exception exception, string code)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Data[CodesKey] is string codes
            && codes.Split(',').Contains(code, StringComparer.OrdinalIgnoreCase);
    }

    public static async Task<ToolkitException> FromResponseAsync(string registry, string? repository, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        var errors = ParseErrors(body);
        var exception = Classify(registry, repository, response, body, errors);
        if (errors.Count > 0)
        {
            exception.Data[CodesKey] = string.Join(',', errors.Select(e => e.Code));
        }

        return exception;
    }

    private static ToolkitException Classify(string registry, string? repository, HttpResponseMessage response, string body, IReadOnlyList<(string Code, string Message)> errors)
    {
        var summary = Summarise(errors, body);
        var what = repository is null ? $"registry {registry}" : $"repository {repository} on {registry}";
        var method = response.RequestMessage?.Method.Method ?? "request";
        var status = (int)response.StatusCode;
        var codes = errors.Select(e => e.Code).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var reason = summary.Length == 0 ? string.Empty : $": {summary}";

        if (codes.Contains("NAME_UNKNOWN"))
        {
            return new ToolkitException(ErrorCodes.RepositoryNotFound, $"The {what} does not exist (HTTP {status}){reason}.");
        }

        if (codes.Contains("MANIFEST_INVALID") || codes.Contains("MANIFEST_BLOB_UNKNOWN") || codes.Contains("MANIFEST_UNVERIFIED"))
        {
            return new ToolkitException(ErrorCodes.ManifestRejected, $"The {what} rejected the manifest (HTTP {status}){reason}.");
        }

        if (codes.Contains("TAG_INVALID") || summary.Contains("immutable", StringComparison.OrdinalIgnoreCase))
        {
            return new ToolkitException(ErrorCodes.TagRejected, $"The {what} rejected the tag (HTTP {status}){reason}. Push under a new tag or by digest.");
        }

        if (codes.Contains("DIGEST_INVALID"))
        {
            return new ToolkitException(ErrorCodes.RegistryDigestMismatch, $"The {what} says the content does not match its digest (HTTP {status}){reason}.");
        }

        if (codes.Contains("BLOB_UNKNOWN") || codes.Contains("BLOB_UPLOAD_UNKNOWN"))
        {
            return new ToolkitException(ErrorCodes.RegistryBlobUnknown, $"The {what} does not know the blob or upload (HTTP {status}){reason}.");
        }

        if (codes.Contains("DENIED") || response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new ToolkitException(ErrorCodes.RegistryDenied, $"The {what} denied the {method} (HTTP {status}){reason}. The credentials are valid but lack the rights for this.");
        }

        if (codes.Contains("UNAUTHORIZED") || response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return Unauthorized(registry, repository, null, summary);
        }

        if (codes.Contains("TOOMANYREQUESTS") || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new ToolkitException(ErrorCodes.RegistryTooManyRequests, $"The {what} kept refusing requests as too many (HTTP {status}){reason}. Wait, authenticate or lower parallelism.");
        }

        return new ToolkitException(ErrorCodes.RegistryError, $"The {what} answered {method} {response.RequestMessage?.RequestUri?.AbsolutePath} with HTTP {status} {response.ReasonPhrase}{reason}.");
    }

    public static ToolkitException Unauthorized(string registry, string? repository, string? credentialSource, string? summary)
    {
        var what = repository is null ? $"registry {registry}" : $"repository {repository} on {registry}";
        var how = credentialSource is null
            ? "No credentials were found for it: log in (docker login), or set TOOLKIT_REGISTRY_USERNAME and TOOLKIT_REGISTRY_PASSWORD."
            : $"The credentials from {credentialSource} were refused: log in again or fix them.";
        var reason = string.IsNullOrEmpty(summary) ? string.Empty : $" The registry said: {summary}.";
        return new ToolkitException(ErrorCodes.RegistryUnauthorized, $"Unauthorized for the {what}. {how}{reason}");
    }

    /// <summary>A transport failure (after retries) as a coded error; TLS failures get their own code.</summary>
    public static ToolkitException FromTransport(string registry, Exception exception)
    {
        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } || exception.InnerException is AuthenticationException)
        {
            return new ToolkitException(
                ErrorCodes.RegistryTlsFailure,
                $"The TLS connection to {registry} failed ({Trim(exception.InnerException?.Message ?? exception.Message)}). If it uses a private CA, pass it with --ca-file <pem>; if it only speaks HTTP, use --insecure-registry {registry}.",
                exception);
        }

        return new ToolkitException(
            ErrorCodes.RegistryUnreachable,
            $"The registry {registry} could not be reached ({Trim(exception.Message)}). Check the host, port, proxy and network.",
            exception);
    }

    /// <summary>The <c>errors</c> (code, message) of a distribution error body; empty when it is not one.</summary>
    public static IReadOnlyList<(string Code, string Message)> ParseErrors(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("errors", out var errors)
                || errors.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var result = new List<(string, string)>();
            foreach (var error in errors.EnumerateArray())
            {
                if (error.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : string.Empty;
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
                result.Add((code, message));
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Summarise(IReadOnlyList<(string Code, string Message)> errors, string body)
    {
        var text = errors.Count > 0
            ? string.Join("; ", errors.Select(e => string.IsNullOrEmpty(e.Message) ? e.Code : $"{e.Code} {e.Message}"))
            : body.Trim();
        return Trim(text);
    }

    /// <summary>A registry's text made fit for a message: control characters blanked, cut at a few hundred characters.</summary>
    public static string Trim(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxSummaryChars));
        foreach (var ch in text)
        {
            if (builder.Length >= MaxSummaryChars)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(ch) ? ' ' : ch);
        }

        return builder.ToString();
    }

    /// <summary>The start of an error answer's body as text (bounded; empty when it cannot be read).</summary>
    public static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[MaxBodyBytes];
                var total = 0;
                int read;
                while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                return Encoding.UTF8.GetString(buffer, 0, total);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            return string.Empty;
        }
    }
}
