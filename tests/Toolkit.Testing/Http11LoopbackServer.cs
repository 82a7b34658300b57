using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Toolkit.Testing;

/// <summary>A request as <see cref="Http11LoopbackServer"/> read it: its head, and its body as a stream (already de-chunked).</summary>
public sealed class Http11Request
{
    internal Http11Request(string method, string target, IReadOnlyList<KeyValuePair<string, string>> headers, Stream body, long? contentLength, bool hasBody, string scheme)
    {
        Method = method;
        Target = target;
        Headers = headers;
        Body = body;
        ContentLength = contentLength;
        HasBody = hasBody;
        Scheme = scheme;
        var query = target.IndexOf('?', StringComparison.Ordinal);
        Path = query < 0 ? target : target[..query];
    }

    public string Method { get; }

    /// <summary>The request target exactly as sent (path and query).</summary>
    public string Target { get; }

    /// <summary>The path of <see cref="Target"/>, still escaped.</summary>
    public string Path { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public Stream Body { get; }

    public long? ContentLength { get; }

    /// <summary>Whether a body follows the head (a <c>Content-Length</c> above 0, or chunked).</summary>
    public bool HasBody { get; }

    /// <summary><c>https</c> when the connection is TLS, else <c>http</c>.</summary>
    public string Scheme { get; }

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>An answer for <see cref="Http11LoopbackServer"/> to write: status, headers and a body of known or unknown length.</summary>
public sealed class Http11Response
{
    public Http11Response(int status)
    {
        Status = status;
    }

    public int Status { get; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The body (not written for HEAD), or none.</summary>
    public Stream? Body { get; init; }

    /// <summary>The body's length, sent as <c>Content-Length</c>; null with a body: sent chunked.</summary>
    public long? ContentLength { get; init; }

    /// <summary>Disposed once the answer is written (e.g. the upstream response a body streams from).</summary>
    public IDisposable? Owner { get; init; }

    public static Http11Response Bytes(int status, byte[] body, string contentType)
    {
        ArgumentNullException.ThrowIfNull(body);
        var response = new Http11Response(status) { Body = new MemoryStream(body, writable: false), ContentLength = body.Length };
        response.Headers.Add(new("Content-Type", contentType));
        return response;
    }
}

/// <summary>
/// A small HTTP/1.1 server over TCP, optionally TLS, on a free 127.0.0.1 port, for emulators that need what
/// <see cref="HttpListener"/> cannot give here: HTTPS, answering whatever <c>Host</c> the client names (an ECR host name
/// reached through a loopback proxy), and dropping a connection without any answer. Requests on a connection are served
/// one after the other (keep-alive); bodies may be sent with <c>Content-Length</c> or chunked. The handler returns the
/// answer, or null to close the connection at once (a reset, no response).
/// </summary>
public sealed class Http11LoopbackServer : IDisposable
{
    private const int MaxHeadBytes = 64 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Http11Request, Task<Http11Response?>> _handler;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Http11LoopbackServer(Func<Http11Request, Task<Http11Response?>> handler, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _certificate = certificate;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = _certificate,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            ApplicationProtocols = [SslApplicationProtocol.Http11],
                        },
                        _stop.Token);
                    stream = tls;
                }

                await using (stream)
                {
                    var input = new BufferedInput(stream);
                    while (!_stop.IsCancellationRequested && await ServeOneAsync(client, stream, input))
                    {
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or SocketException or AuthenticationException or ObjectDisposedException
                or OperationCanceledException or InvalidDataException or HttpRequestException or FormatException)
            {
                // The client went away, sent something that is not HTTP, or the handler failed: the connection closes.
            }
        }
    }

    /// <summary>Reads one request and writes its answer; false when the connection is to be closed.</summary>
    private async Task<bool> ServeOneAsync(TcpClient client, Stream stream, BufferedInput input)
    {
        var requestLine = await input.ReadLineAsync(MaxHeadBytes, _stop.Token);
        if (requestLine is null)
        {
            return false;
        }

        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new InvalidDataException("Not an HTTP/1.x request line.");
        }

        var headers = new List<KeyValuePair<string, string>>();
        var headBytes = requestLine.Length;
        while (true)
        {
            var line = await input.ReadLineAsync(MaxHeadBytes, _stop.Token) ?? throw new InvalidDataException("The connection ended in the request head.");
            headBytes += line.Length + 2;
            if (headBytes > MaxHeadBytes)
            {
                throw new InvalidDataException("The request head is too large.");
            }

            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        string? Get(string name) => headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        var chunked = Get("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
        long? length = !chunked && long.TryParse(Get("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var declared) ? declared : null;
        if (string.Equals(Get("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stop.Token);
        }

        Stream body = chunked ? new ChunkedBody(input) : new LengthBody(input, length ?? 0);
        var request = new Http11Request(parts[0], parts[1], headers, body, length, chunked || length > 0, _certificate is null ? "http" : "https");
        var response = await _handler(request);
        if (response is null)
        {
            // Dropped: a reset, without any answer.
            client.Client.LingerState = new LingerOption(true, 0);
            client.Client.Close();
            return false;
        }

        using (response.Owner)
        {
            await WriteAsync(stream, request, response);
        }

        // Whatever the handler left of the body is read, so the next request starts where it should.
        await body.CopyToAsync(Stream.Null, _stop.Token);
        return !string.Equals(Get("Connection"), "close", StringComparison.OrdinalIgnoreCase);
    }

    private async Task WriteAsync(Stream stream, Http11Request request, Http11Response response)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
        foreach (var (name, value) in response.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var isHead = request.Method == "HEAD";
        var chunked = response.Body is not null && response.ContentLength is null && !isHead;
        if (response.ContentLength is { } length)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Length: {length}\r\n");
        }
        else if (chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
        }
        else if (!isHead && response.Status is not (204 or 304) && response.Status >= 200)
        {
            head.Append("Content-Length: 0\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
        if (response.Body is { } source && !isHead)
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (chunked)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(read.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), _stop.Token);
                    await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    await stream.WriteAsync("\r\n"u8.ToArray(), _stop.Token);
                }
                else
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }

            if (chunked)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), _stop.Token);
            }
        }

        await stream.FlushAsync(_stop.Token);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        _ => "Status",
    };

    /// <summary>The connection's input with a buffer, so the head can be read line by line and the body after it.</summary>
    private sealed class BufferedInput(Stream inner)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(int limit, CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return line.Count == 0 ? null : throw new InvalidDataException("The connection ended in a line.");
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    if (line.Count > 0 && line[^1] == '\r')
                    {
                        line.RemoveAt(line.Count - 1);
                    }

                    return Encoding.Latin1.GetString([.. line]);
                }

                line.Add(b);
                if (line.Count > limit)
                {
                    throw new InvalidDataException("A line is too long.");
                }
            }
        }

        public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return 0;
            }

            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            return count;
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await inner.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }

    private abstract class BodyStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A body of <c>Content-Length</c> bytes.</summary>
    private sealed class LengthBody(BufferedInput input, long length) : BodyStream
    {
        private long _remaining = length;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_remaining == 0 || buffer.Length == 0)
            {
                return 0;
            }

            var read = await input.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
            if (read == 0)
            {
                throw new IOException("The connection ended in the request body.");
            }

            _remaining -= read;
            return read;
        }
    }

    /// <summary>A chunked body, de-chunked (trailers are read and dropped).</summary>
    private sealed class ChunkedBody(BufferedInput input) : BodyStream
    {
        private long _chunkLeft;
        private bool _done;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_done || buffer.Length == 0)
            {
                return 0;
            }

            if (_chunkLeft == 0)
            {
                var sizeLine = await input.ReadLineAsync(1024, cancellationToken) ?? throw new IOException("The connection ended in a chunked body.");
                var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
                _chunkLeft = long.Parse(semicolon < 0 ? sizeLine.Trim() : sizeLine[..semicolon].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (_chunkLeft == 0)
                {
                    while (!string.IsNullOrEmpty(await input.ReadLineAsync(MaxHeadBytes, cancellationToken)))
                    {
                    }

                    _done = true;
                    return 0;
                }
            }

            var read = await input.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _chunkLeft)], cancellationToken);
            if (read == 0)
            {
                throw new IOException("The connection ended in a chunk.");
            }

            _chunkLeft -= read;
            if (_chunkLeft == 0)
            {
                await input.ReadLineAsync(2, cancellationToken);
            }

            return read;
        }
    }
}
