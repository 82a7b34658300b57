using System.Net;

namespace Toolkit.Testing.Registry;

/// <summary>
/// Forwards requests a loopback test server received to the real registry behind it and copies the answers back, with
/// hop-by-hop headers left out and <c>Location</c> headers that name the registry rewritten to the server, so upload
/// sessions continue through it.
/// </summary>
public sealed class RegistryRelay : IDisposable
{
    private static readonly HashSet<string> s_hopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Host", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect",
    };

    private readonly Uri _target;
    private readonly string _hostPort;
    private readonly HttpClient _upstream;

    public RegistryRelay(Uri target, string hostPort)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _hostPort = hostPort;
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public void Dispose() => _upstream.Dispose();

    /// <summary>Sends <paramref name="request"/> on to the registry with <paramref name="content"/> as its body (its length as the client said).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpListenerRequest request, HttpContent? content)
    {
        ArgumentNullException.ThrowIfNull(request);
        var upstream = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_target, request.Url!.PathAndQuery)) { Content = content };
        if (content is not null && request.ContentLength64 >= 0)
        {
            content.Headers.ContentLength = request.ContentLength64;
        }

        foreach (var name in request.Headers.AllKeys)
        {
            if (name is null || s_hopHeaders.Contains(name))
            {
                continue;
            }

            var values = request.Headers.GetValues(name) ?? [];
            if (!upstream.Headers.TryAddWithoutValidation(name, values))
            {
                upstream.Content?.Headers.TryAddWithoutValidation(name, values);
            }
        }

        // Not disposed here: the registry may still be reading the body when its answer arrives; the caller's content
        // (the listener's input stream or a buffer) is released with the listener context.
        return _upstream.SendAsync(upstream, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Copies the registry's status and headers to <paramref name="response"/>, and says how its body will go (length or chunked).</summary>
    public void CopyHead(HttpResponseMessage upstream, HttpListenerResponse response, bool isHead)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var header in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (s_hopHeaders.Contains(header.Key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                response.AddHeader(header.Key, string.Equals(header.Key, "Location", StringComparison.OrdinalIgnoreCase) ? RewriteLocation(value) : value);
            }
        }

        if (upstream.Content.Headers.ContentLength is { } length)
        {
            response.ContentLength64 = length;
        }
        else if (!isHead)
        {
            response.SendChunked = true;
        }
    }

    private string RewriteLocation(string value)
    {
        var authority = _target.Authority;
        return value.Contains(authority, StringComparison.OrdinalIgnoreCase)
            ? value.Replace(authority, _hostPort, StringComparison.OrdinalIgnoreCase)
            : value;
    }
}
