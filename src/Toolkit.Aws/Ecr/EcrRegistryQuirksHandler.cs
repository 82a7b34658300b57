using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// What Amazon ECR's registry does differently from the distribution spec, handled for ECR hosts only
/// (<see cref="EcrRegistryHost"/>; other requests pass untouched). It sits between the auth handler and the retry handler
/// (<c>RegistryClientOptions.MessageHandlers</c>):
/// <list type="bullet">
/// <item>Upload parts must be at least 5 MiB except the last: the answer opening an upload session gets
/// <c>OCI-Chunk-Min-Length: 5242880</c>, which the client honours when it uploads in chunks (a smaller
/// <c>--chunk-size</c> is raised to it; a blob streamed in one request, or sent whole, is one part and always fine).</item>
/// <item>An expired token is answered <c>403 DENIED</c> "Your authorization token has expired" without a challenge: it
/// becomes a 401 with ECR's Basic challenge, so the auth handler renews the token and sends the request again. A 403
/// without a body (a HEAD's) is checked with <c>GET /v2/</c> and the same credentials first.</item>
/// <item>A push to a repository that does not exist has its connection closed without an answer: when an upload or
/// manifest request breaks that way, the registry is asked (<c>GET /v2/&lt;name&gt;/tags/list</c>, same credentials)
/// whether the repository exists; unless it does, the failure is TK3050, naming the repository and
/// <c>dotnet toolkit ecr ensure-repository</c>.</item>
/// <item>A manifest refused with <c>400 TAG_INVALID</c> (an immutable tag that names another image) is TK3051.</item>
/// </list>
/// 201 instead of 202 to a PATCH needs nothing here: the registry client takes both. Nothing is logged but host,
/// repository and status: never a header.
/// </summary>
public sealed class EcrRegistryQuirksHandler : DelegatingHandler
{
    /// <summary>ECR's smallest upload part (all but the last), in bytes.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    private const string ChunkMinLengthHeader = "OCI-Chunk-Min-Length";

    private readonly ILogger _logger;

    public EcrRegistryQuirksHandler(ILogger<EcrRegistryQuirksHandler>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is not { } uri || !EcrRegistryHost.TryParse(uri.Authority, out var registry))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var path = RegistryPath.Parse(uri.AbsolutePath);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (path.IsPush(request.Method) && IsDroppedConnection(exception) && !cancellationToken.IsCancellationRequested)
        {
            var exists = await RepositoryExistsAsync(request, registry, path.Repository!, cancellationToken).ConfigureAwait(false);
            if (exists.Exists == true)
            {
                throw;
            }

            throw RepositoryMissing(registry, path.Repository!, exists.Evidence, exception);
        }

        if (response.StatusCode == HttpStatusCode.Forbidden && request.Headers.Authorization is { Scheme: "Basic" })
        {
            return await ExpiredTokenAsChallengeAsync(request, response, registry, cancellationToken).ConfigureAwait(false);
        }

        if (response.StatusCode == HttpStatusCode.BadRequest && request.Method == HttpMethod.Put && path.Kind == "manifests")
        {
            await ThrowIfTagImmutableAsync(response, registry, path, cancellationToken).ConfigureAwait(false);
            return response;
        }

        if (request.Method == HttpMethod.Post && path.Kind == "blobs/uploads" && response.StatusCode == HttpStatusCode.Accepted)
        {
            RaiseChunkMinimum(response);
        }

        return response;
    }

    /// <summary>The connection closed or reset without an answer (not a refused connection, DNS or TLS failure).</summary>
    internal static bool IsDroppedConnection(Exception exception)
    {
        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
        {
            return true;
        }

        if (exception is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError })
        {
            return false;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is IOException or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted })
            {
                return exception is HttpRequestException or IOException;
            }
        }

        return false;
    }

    private static void RaiseChunkMinimum(HttpResponseMessage response)
    {
        var stated = response.Headers.TryGetValues(ChunkMinLengthHeader, out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var minimum)
            ? minimum
            : 0;
        if (stated < MinimumPartSize)
        {
            response.Headers.Remove(ChunkMinLengthHeader);
            response.Headers.TryAddWithoutValidation(ChunkMinLengthHeader, MinimumPartSize.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Whether the repository exists, asked with the failed request's credentials. Exists is null when the registry's
    /// answer does not say (then Evidence says what it answered).
    /// </summary>
    private async Task<(bool? Exists, string Evidence)> RepositoryExistsAsync(HttpRequestMessage failed, EcrRegistryHost registry, string repository, CancellationToken cancellationToken)
    {
        using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(failed.RequestUri!, $"/v2/{repository}/tags/list?n=1"));
        probe.Headers.Authorization = failed.Headers.Authorization;

        try
        {
            using var answer = await base.SendAsync(probe, cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccessStatusCode)
            {
                return (true, "it lists the repository");
            }

            var body = await RegistryErrors.ReadBoundedAsync(answer, cancellationToken).ConfigureAwait(false);
            var errors = RegistryErrors.ParseErrors(body);
            if (answer.StatusCode == HttpStatusCode.NotFound && errors.Any(e => e.Code == "NAME_UNKNOWN"))
            {
                return (false, "ECR confirmed that no repository has that name");
            }

            return (null, $"checking whether it exists answered HTTP {(int)answer.StatusCode}{(errors.Count > 0 ? " " + errors[0].Code : string.Empty)}");
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"checking whether it exists failed too ({exception.GetType().Name})");
        }
    }

    private ToolkitException RepositoryMissing(EcrRegistryHost registry, string repository, string evidence, Exception dropped)
    {
        _logger.LogDebug("Amazon ECR {Registry} closed a push to {Repository} without an answer; {Evidence}.", registry.Host, repository, evidence);
        var confirmed = evidence.StartsWith("ECR confirmed", StringComparison.Ordinal);
        var what = confirmed
            ? $"The repository {repository} does not exist in the Amazon ECR registry {registry.Host} (account {registry.AccountId}, {registry.Region}): ECR closed the connection of the push without an answer, as it does for a missing repository, and {evidence}."
            : $"Amazon ECR ({registry.Host}, account {registry.AccountId}, {registry.Region}) closed the connection of a push to {repository} without an answer, which is what it does when the repository does not exist ({evidence}).";
        return new ToolkitException(
            ErrorCodes.EcrRepositoryMissing,
            what + $" ECR never creates repositories on push: create it with 'dotnet toolkit ecr ensure-repository {repository}' (or 'aws ecr create-repository --repository-name {repository}'), then push again.",
            dropped);
    }

    private async Task<HttpResponseMessage> ExpiredTokenAsChallengeAsync(HttpRequestMessage request, HttpResponseMessage response, EcrRegistryHost registry, CancellationToken cancellationToken)
    {
        var body = await RegistryErrors.ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        var expired = body.Length > 0
            ? SaysTokenExpired(body)
            : await TokenExpiredAsync(request, cancellationToken).ConfigureAwait(false);
        var copy = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        foreach (var header in response.Content.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        copy.Headers.ContentLength = null;
        if (!expired)
        {
            response.Content = copy;
            return response;
        }

        _logger.LogDebug("Amazon ECR {Registry} says the authorization token has expired; asking for a new one.", registry.Host);
        var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized)
        {
            Content = copy,
            RequestMessage = request,
            Version = response.Version,
        };
        challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Basic", $"realm=\"https://{registry.Host}/\",service=\"ecr.amazonaws.com\""));
        response.Dispose();
        return challenge;
    }

    private static bool SaysTokenExpired(string body)
        => RegistryErrors.ParseErrors(body).Any(e => e.Code == "DENIED" && e.Message.Contains("token has expired", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A 403 without a body (every answer to a HEAD) does not say why: the registry's base (<c>GET /v2/</c>) is asked with
    /// the same credentials, and says whether the token expired.
    /// </summary>
    private async Task<bool> TokenExpiredAsync(HttpRequestMessage refused, CancellationToken cancellationToken)
    {
        using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(refused.RequestUri!, "/v2/"));
        probe.Headers.Authorization = refused.Headers.Authorization;
        try
        {
            using var answer = await base.SendAsync(probe, cancellationToken).ConfigureAwait(false);
            return answer.StatusCode == HttpStatusCode.Forbidden && SaysTokenExpired(await RegistryErrors.ReadBoundedAsync(answer, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static async Task ThrowIfTagImmutableAsync(HttpResponseMessage response, EcrRegistryHost registry, RegistryPath path, CancellationToken cancellationToken)
    {
        var body = await RegistryErrors.ReadBoundedAsync(response, cancellationToken).ConfigureAwait(false);
        response.Content = new StringContent(body, Encoding.UTF8, response.Content.Headers.ContentType?.MediaType ?? "application/json");
        var refusal = RegistryErrors.ParseErrors(body).FirstOrDefault(e => e.Code == "TAG_INVALID");
        if (refusal.Code is null)
        {
            return;
        }

        var tag = path.Reference is { } reference && !reference.Contains(':', StringComparison.Ordinal) ? reference : null;
        var said = refusal.Message.Length > 0 ? $" (ECR said: {RegistryErrors.Trim(refusal.Message)})" : string.Empty;
        throw new ToolkitException(
            ErrorCodes.EcrTagImmutable,
            $"Amazon ECR refused to move the tag {tag ?? "(the tag)"} in the repository {path.Repository} on {registry.Host}: its tags are immutable and the tag already names another image{said}. "
            + "Push under a new tag (one per build), push by digest, or make such tags mutable with an exclusion filter on the repository (IMMUTABLE_WITH_EXCLUSION).");
    }

    /// <summary>A distribution API path: <c>/v2/&lt;name&gt;/(manifests|blobs|blobs/uploads|tags|referrers)/...</c>.</summary>
    private readonly record struct RegistryPath(string? Repository, string? Kind, string? Reference)
    {
        private static readonly string[] s_kinds = ["blobs/uploads", "manifests", "blobs", "tags", "referrers"];

        public static RegistryPath Parse(string path)
        {
            if (!path.StartsWith("/v2/", StringComparison.Ordinal))
            {
                return default;
            }

            // The last marker wins: a repository may itself be called "tags" or "referrers"; a reference has no '/'.
            (string Kind, int Index) found = (string.Empty, -1);
            foreach (var kind in s_kinds)
            {
                var index = path.LastIndexOf($"/{kind}/", StringComparison.Ordinal);
                if (index > found.Index)
                {
                    found = (kind, index);
                }
            }

            if (found.Index <= 4)
            {
                return default;
            }

            var rest = Uri.UnescapeDataString(path[(found.Index + found.Kind.Length + 2)..]);
            return new RegistryPath(path[4..found.Index], found.Kind, rest.Length > 0 ? rest : null);
        }

        /// <summary>A request that writes to the repository: an upload (POST, PATCH, PUT) or a manifest PUT.</summary>
        public bool IsPush(HttpMethod method)
            => Repository is not null
               && ((Kind == "blobs/uploads" && (method == HttpMethod.Post || method == HttpMethod.Patch || method == HttpMethod.Put))
                   || (Kind == "manifests" && method == HttpMethod.Put));
    }
}
