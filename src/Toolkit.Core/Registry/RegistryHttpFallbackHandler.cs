using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Toolkit.Core.Registry;

/// <summary>
/// For hosts allowed to speak plain HTTP (named with <c>--insecure-registry</c>, or loopback), tries HTTPS first and
/// falls back to HTTP when the TLS handshake fails without the server presenting a certificate (it does not speak
/// TLS), remembering the answer per host. A server that presents a certificate we do not trust is a TLS error, not a
/// reason to drop to plain HTTP. Every other host is HTTPS only.
/// </summary>
public sealed class RegistryHttpFallbackHandler(Func<string, bool> allowsPlainHttp, ILogger logger, Func<string, bool>? presentedCertificate = null) : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, bool> _plainHttp = new(StringComparer.OrdinalIgnoreCase);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri;
        if (uri is null || uri.Scheme != Uri.UriSchemeHttps || !allowsPlainHttp(uri.Authority))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (_plainHttp.TryGetValue(uri.Authority, out var plain) && plain)
        {
            request.RequestUri = ToHttp(uri);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _plainHttp.TryAdd(uri.Authority, false);
            return response;
        }
        catch (HttpRequestException exception) when (exception.HttpRequestError == HttpRequestError.SecureConnectionError
            && RegistryRequest.IsReplayable(request)
            && presentedCertificate?.Invoke(uri.Host) != true)
        {
            logger.LogDebug("{Host} does not speak TLS; using plain HTTP as allowed for it.", uri.Authority);
            _plainHttp[uri.Authority] = true;
            request.RequestUri = ToHttp(uri);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Uri ToHttp(Uri uri) => new UriBuilder(uri) { Scheme = Uri.UriSchemeHttp, Port = uri.Port }.Uri;
}
