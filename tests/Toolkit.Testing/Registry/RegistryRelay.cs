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
        var headers = request.Headers.AllKeys
            .Where(name => name is not null)
            .Select(name => new KeyValuePair<string, string[]>(name!, request.Headers.GetValues(name!) ?? []));
        return SendAsync(request.HttpMethod, request.Url!.PathAndQuery, headers, content, request.ContentLength64 >= 0 ? request.ContentLength64 : null);
    }

    /// <summary>
    /// Sends a request given by its parts (from any server: <see cref="HttpListener"/> or <see cref="Http11LoopbackServer"/>) on to the registry, with
    /// <paramref name="content"/> as its body of <paramref name="contentLength"/> bytes when the client said, hop-by-hop
    /// headers left out.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(string method, string pathAndQuery, IEnumerable<KeyValuePair<string, string[]>> headers, HttpContent? content, long? contentLength)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var upstream = new HttpRequestMessage(new HttpMethod(method), new Uri(_target, pathAndQuery)) { Content = content };
        if (content is not null && contentLength is { } length)
        {
            content.Headers.ContentLength = length;
        }

        foreach (var (name, values) in headers)
        {
            if (IsHopHeader(name))
            {
                continue;
            }

            if (!upstream.Headers.TryAddWithoutValidation(name, values))
            {
                upstream.Content?.Headers.TryAddWithoutValidation(name, values);
            }
        }

        // Not disposed here: the registry may still be reading the body when its answer arrives; the caller's content
        // (the listener's input stream or a buffer) is released with the listener context.
        return _upstream.SendAsync(upstream, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Headers of one connection, never relayed (the relay's own transport sets them).</summary>
    public static bool IsHopHeader(string name) => s_hopHeaders.Contains(name);

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
