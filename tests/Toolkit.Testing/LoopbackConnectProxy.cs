using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Toolkit.Testing;

/// <summary>
/// An HTTP proxy on a free 127.0.0.1 port that only tunnels: <c>CONNECT &lt;host&gt;:443</c> for one of the host names it
/// was given is tunnelled to ONE configured 127.0.0.1 port; any other request (another host or port, a plain proxied
/// request) is refused with 403. It never resolves a name and never connects anywhere else, so a client told to use it
/// (<c>HTTPS_PROXY</c>, or a <see cref="WebProxy"/>) reaches a loopback server under a real-looking host name, such as an
/// Amazon ECR registry's, and nothing leaves the machine.
/// </summary>
public sealed class LoopbackConnectProxy : IDisposable
{
    private const int MaxHeadBytes = 16 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly HashSet<string> _hosts;
    private readonly ConcurrentQueue<string> _tunnelled = new();
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Tunnels <c>CONNECT host:443</c> for <paramref name="hosts"/> to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public LoopbackConnectProxy(int targetPort, params string[] hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _targetPort = targetPort;
        _hosts = new HashSet<string>(hosts, StringComparer.OrdinalIgnoreCase);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>The proxy's URL, for <c>HTTPS_PROXY</c> or a <see cref="WebProxy"/>.</summary>
    public Uri Uri => new($"http://127.0.0.1:{Port}");

    /// <summary>The <c>host:port</c> of every tunnel it opened.</summary>
    public IReadOnlyList<string> Tunnelled => [.. _tunnelled];

    /// <summary>The request line of every request it refused.</summary>
    public IReadOnlyList<string> Refused => [.. _refused];

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
            var stream = client.GetStream();
            string? requestLine;
            try
            {
                requestLine = await ReadHeadAsync(stream);
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            if (requestLine is null)
            {
                return;
            }

            var parts = requestLine.Split(' ');
            var authority = parts.Length == 3 && parts[0] == "CONNECT" ? parts[1] : null;
            var colon = authority?.LastIndexOf(':') ?? -1;
            if (authority is null || colon <= 0 || authority[(colon + 1)..] != "443" || !_hosts.Contains(authority[..colon]))
            {
                _refused.Enqueue(requestLine);
                await TryWriteAsync(stream, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }

            using var target = new TcpClient();
            try
            {
                await target.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
                await TryWriteAsync(stream, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }

            _tunnelled.Enqueue(authority);
            if (!await TryWriteAsync(stream, "HTTP/1.1 200 Connection Established\r\n\r\n"))
            {
                return;
            }

            var upstream = target.GetStream();

            // Whichever side ends first ends the tunnel, so a server that drops a connection is seen as a dropped
            // connection by the client.
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toTarget = PumpAsync(stream, upstream, done.Token);
            var toClient = PumpAsync(upstream, stream, done.Token);
            await Task.WhenAny(toTarget, toClient);
            await done.CancelAsync();
            client.Client.Close();
            target.Client.Close();
            await Task.WhenAll(Quiet(toTarget), Quiet(toClient));
        }
    }

    /// <summary>Reads the request head byte by byte (so nothing of the tunnel is consumed) and returns its first line.</summary>
    private async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < MaxHeadBytes)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                var text = Encoding.ASCII.GetString([.. head]);
                return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
            }
        }

        return null;
    }

    private static async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static async Task<bool> TryWriteAsync(NetworkStream stream, string text)
    {
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
            return true;
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
