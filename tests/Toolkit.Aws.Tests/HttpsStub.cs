using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// An HTTPS server on a free 127.0.0.1 port with a certificate from <see cref="TestCertificates"/>: it completes the TLS
/// handshake with the protocols it is given, then answers every request with <c>200 {}</c> and a request ID. Counts
/// the handshakes tried and the requests served, and keeps each request's headers.
/// </summary>
public sealed class HttpsStub : IDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly SslProtocols _protocols;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, string>> _requests = new();
    private readonly Task _loop;
    private int _connections;

    /// <param name="certificates">The server certificate (for 127.0.0.1, ::1 and localhost) and its key.</param>
    /// <param name="address">A loopback address to listen on; 127.0.0.2 serves a certificate that does not name it.</param>
    /// <param name="protocols">The TLS versions the server accepts.</param>
    public HttpsStub(TestCertificateFiles certificates, string address = "127.0.0.1", SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var ip = IPAddress.Parse(address);
        if (!IPAddress.IsLoopback(ip))
        {
            throw new ArgumentException("Test servers listen on loopback addresses only.", nameof(address));
        }

        _listener = new TcpListener(ip, 0);
        _certificate = X509Certificate2.CreateFromPemFile(certificates.CertificateFile, certificates.KeyFile);
        _protocols = protocols;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public string Url => $"https://{((IPEndPoint)_listener.LocalEndpoint).Address}:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted (each begins a handshake).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The headers of each request served (after a completed handshake).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Requests => [.. _requests];

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

        _certificate.Dispose();
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

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate, EnabledSslProtocols = _protocols }, _stop.Token);
                var headers = await ReadRequestAsync(tls);
                _requests.Enqueue(headers);
                var body = "{}"u8.ToArray();
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: tls-request-{_requests.Count}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await tls.WriteAsync(body, _stop.Token);
                await tls.FlushAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> ReadRequestAsync(Stream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int end;
        while ((end = IndexOfHeadEnd(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                throw new IOException("The client closed the connection before the request head ended.");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString(received.ToArray(), 0, end).Split("\r\n");
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var remaining = length - (received.Count - (end + 4));
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), _stop.Token);
            if (read == 0)
            {
                break;
            }

            remaining -= read;
        }

        return headers;
    }

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
