using System.Collections.Concurrent;
using System.Net;

namespace Toolkit.Testing.Registry;

/// <summary>What a <see cref="FaultRule"/> does to a matching request.</summary>
public enum FaultKind
{
    /// <summary>Answer <see cref="FaultRule.StatusCode"/> (e.g. 500, 502, 503) without asking the registry.</summary>
    Status,

    /// <summary>Answer 429 with <c>Retry-After: 1</c> without asking the registry.</summary>
    TooManyRequests,

    /// <summary>Read <see cref="FaultRule.AfterBytes"/> bytes of the request body, then reset the connection.</summary>
    ResetRequestBody,

    /// <summary>Relay the registry's answer but reset the connection after <see cref="FaultRule.AfterBytes"/> bytes of its body.</summary>
    ResetResponseBody,

    /// <summary>Wait <see cref="FaultRule.Delay"/>, then relay normally.</summary>
    Delay,

    /// <summary>Relay the registry's answer with one byte of its body altered.</summary>
    CorruptResponseBody,

    /// <summary>Answer 200 with <see cref="FaultRule.Body"/> (and the registry's headers other than length) instead of the registry's body.</summary>
    ReplaceResponseBody,

    /// <summary>
    /// Relay only the first <see cref="FaultRule.AfterBytes"/> bytes of the request body to the registry, then break both
    /// connections: the registry holds a partial write, as after a network failure in the middle of an upload.
    /// </summary>
    ForwardPartialRequestBody,

    /// <summary>Relay the request whole, then reset the connection instead of relaying the registry's answer (a lost answer).</summary>
    DropResponse,

    /// <summary>Relay the answer, but stop for <see cref="FaultRule.Delay"/> after <see cref="FaultRule.AfterBytes"/> bytes of its body.</summary>
    StallResponseBody,
}

/// <summary>
/// One fault: applied to the first <c>count</c> requests whose method equals <see cref="Method"/> (any when null) and whose
/// path (with query) contains <see cref="PathContains"/>.
/// </summary>
public sealed class FaultRule
{
    private int _remaining;

    public FaultRule(FaultKind kind, string? method, string pathContains, int count)
    {
        Kind = kind;
        Method = method;
        PathContains = pathContains;
        _remaining = count;
    }

    public FaultKind Kind { get; }

    public string? Method { get; }

    public string PathContains { get; }

    public int StatusCode { get; init; } = 503;

    public long AfterBytes { get; init; }

    public TimeSpan Delay { get; init; }

    public byte[]? Body { get; init; }

    /// <summary>How many times it fired.</summary>
    public int Fired => _fired;

    private int _fired;

    internal bool TryTake(string method, string path)
    {
        if ((Method is not null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
            || !path.Contains(PathContains, StringComparison.Ordinal))
        {
            return false;
        }

        if (Interlocked.Decrement(ref _remaining) < 0)
        {
            return false;
        }

        Interlocked.Increment(ref _fired);
        return true;
    }
}

/// <summary>A request the proxy saw and what it did with it.</summary>
public sealed record ProxiedRequest(string Method, string Path, int Status, FaultKind? Fault, string? Note = null);

/// <summary>
/// A loopback HTTP proxy in front of a real registry that injects faults by rule and count: 5xx answers, 429 with
/// <c>Retry-After: 1</c>, connection resets in the middle of a request or response body, delays, corrupted or replaced
/// bodies. <c>Location</c> headers naming the registry are rewritten to the proxy, so uploads continue through it.
/// </summary>
public sealed class FaultInjectingProxy : LoopbackHttpServer
{
    private readonly RegistryRelay _relay;
    private readonly ConcurrentQueue<FaultRule> _rules = new();
    private readonly ConcurrentQueue<ProxiedRequest> _log = new();

    public FaultInjectingProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _relay = new RegistryRelay(target, HostPort);
        Start();
    }

    public IReadOnlyList<ProxiedRequest> Requests => [.. _log];

    public FaultRule Add(FaultRule rule)
    {
        _rules.Enqueue(rule);
        return rule;
    }

    /// <summary>Removes every rule and forgets the request log.</summary>
    public void Reset()
    {
        _rules.Clear();
        _log.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _relay.Dispose();
        }
    }

    private FaultRule? Match(string method, string path)
    {
        foreach (var rule in _rules)
        {
            if (rule.TryTake(method, path))
            {
                return rule;
            }
        }

        return null;
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.PathAndQuery;
        var fault = Match(request.HttpMethod, path);
        try
        {
            switch (fault?.Kind)
            {
                case FaultKind.Status:
                    await DrainAsync(request.InputStream);
                    Answer(response, fault.StatusCode, null, fault.Body);
                    _log.Enqueue(new(request.HttpMethod, path, fault.StatusCode, fault.Kind));
                    return;
                case FaultKind.TooManyRequests:
                    await DrainAsync(request.InputStream);
                    Answer(response, 429, "1");
                    _log.Enqueue(new(request.HttpMethod, path, 429, fault.Kind));
                    return;
                case FaultKind.ResetRequestBody:
                    var buffer = new byte[8192];
                    long read = 0;
                    while (read < fault.AfterBytes)
                    {
                        var n = await request.InputStream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, fault.AfterBytes - read)));
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    _log.Enqueue(new(request.HttpMethod, path, 0, fault.Kind));
                    ResetConnection(context);
                    return;
                case FaultKind.Delay:
                    await Task.Delay(fault.Delay);
                    break;
            }

            await RelayAsync(context, path, fault);
        }
        catch (Exception exception) when (exception is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException or InvalidOperationException)
        {
            _log.Enqueue(new(request.HttpMethod, path, -1, fault?.Kind));
            try
            {
                response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task RelayAsync(HttpListenerContext context, string path, FaultRule? fault)
    {
        var request = context.Request;
        var response = context.Response;
        HttpContent? content = null;
        if (request.HasEntityBody)
        {
            content = new StreamContent(fault?.Kind == FaultKind.ForwardPartialRequestBody
                ? new TruncatingStream(request.InputStream, fault.AfterBytes)
                : request.InputStream);
        }

        HttpResponseMessage sent;
        try
        {
            sent = await _relay.SendAsync(request, content);
        }
        catch (HttpRequestException) when (fault?.Kind == FaultKind.ForwardPartialRequestBody)
        {
            _log.Enqueue(new(request.HttpMethod, path, 0, fault.Kind));
            ResetConnection(context);
            return;
        }

        using var upstreamResponse = sent;
        if (fault?.Kind == FaultKind.ForwardPartialRequestBody)
        {
            // The registry answered before the body was cut (it had read all it wanted): still break the client's side.
            _log.Enqueue(new(request.HttpMethod, path, 0, fault.Kind, $"registry answered {(int)upstreamResponse.StatusCode}"));
            ResetConnection(context);
            return;
        }

        if (fault?.Kind == FaultKind.DropResponse)
        {
            await upstreamResponse.Content.LoadIntoBufferAsync();
            _log.Enqueue(new(request.HttpMethod, path, 0, fault.Kind, $"registry answered {(int)upstreamResponse.StatusCode}"));
            ResetConnection(context);
            return;
        }

        var isHead = string.Equals(request.HttpMethod, "HEAD", StringComparison.OrdinalIgnoreCase);
        _relay.CopyHead(upstreamResponse, response, isHead);
        if (fault?.Kind == FaultKind.ReplaceResponseBody && !isHead)
        {
            var body = fault.Body ?? [];
            response.SendChunked = false;
            response.StatusCode = 200;
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
            response.Close();
            _log.Enqueue(new(request.HttpMethod, path, 200, fault.Kind));
            return;
        }

        if (!isHead)
        {
            await using var body = await upstreamResponse.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            long written = 0;
            var corrupted = false;
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                if (fault?.Kind == FaultKind.ResetResponseBody && written + n >= fault.AfterBytes)
                {
                    var part = (int)(fault.AfterBytes - written);
                    await response.OutputStream.WriteAsync(buffer.AsMemory(0, part));
                    await response.OutputStream.FlushAsync();
                    _log.Enqueue(new(request.HttpMethod, path, 0, fault.Kind));
                    ResetConnection(context);
                    return;
                }

                if (fault?.Kind == FaultKind.StallResponseBody && written <= fault.AfterBytes && written + n > fault.AfterBytes)
                {
                    var part = (int)(fault.AfterBytes - written);
                    await response.OutputStream.WriteAsync(buffer.AsMemory(0, part));
                    await response.OutputStream.FlushAsync();
                    await Task.Delay(fault.Delay);
                    await response.OutputStream.WriteAsync(buffer.AsMemory(part, n - part));
                    written += n;
                    continue;
                }

                if (fault?.Kind == FaultKind.CorruptResponseBody && !corrupted)
                {
                    buffer[n / 2] ^= 0x5A;
                    corrupted = true;
                }

                await response.OutputStream.WriteAsync(buffer.AsMemory(0, n));
                written += n;
            }
        }

        response.Close();
        var note = $"{request.Headers["Content-Range"]} -> {string.Join(",", upstreamResponse.Headers.TryGetValues("Range", out var r) ? r : [])}";
        _log.Enqueue(new(request.HttpMethod, path, (int)upstreamResponse.StatusCode, fault?.Kind, note));
    }

    /// <summary>
    /// Resets the TCP connection (RST). <see cref="HttpListenerResponse.Abort"/> is not enough: the managed listener closes
    /// the response stream on abort, which sends a default <c>200 OK</c> when no headers went out yet.
    /// </summary>
    private static void ResetConnection(HttpListenerContext context)
    {
        const System.Reflection.BindingFlags Instance = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public;
        var connection = typeof(HttpListenerContext).GetProperty("Connection", Instance)?.GetValue(context);
        if (connection?.GetType().GetField("_socket", Instance)?.GetValue(connection) is not System.Net.Sockets.Socket socket)
        {
            throw new InvalidOperationException("The managed HttpListener changed: its connection socket cannot be found to reset it.");
        }

        socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        socket.Close();
    }

    private static void Answer(HttpListenerResponse response, int status, string? retryAfter, byte[]? errorBody = null)
    {
        response.StatusCode = status;
        if (retryAfter is not null)
        {
            response.AddHeader("Retry-After", retryAfter);
        }

        var body = errorBody ?? "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected fault\"}]}"u8.ToArray();
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    /// <summary>Passes the first bytes of a request body through, then fails as a dropped connection would.</summary>
    private sealed class TruncatingStream(Stream inner, long limit) : Stream
    {
        private long _passed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_passed >= limit)
            {
                throw new IOException("connection dropped by the fault proxy");
            }

            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, limit - _passed)], cancellationToken);
            _passed += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
