using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Toolkit.Aws.Tests;

/// <summary>
/// A loopback TCP server that reads each request's head and then drops the connection with a reset, never answering:
/// what a client sees from an endpoint behind a failing load balancer or a firewall that cuts connections. Counts the
/// requests it dropped.
/// </summary>
public sealed class ConnectionDroppingServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public ConnectionDroppingServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Requests whose head arrived before the connection was dropped.</summary>
    public int Requests => Volatile.Read(ref _requests);

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
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => DropAsync(socket));
        }
    }

    private async Task DropAsync(Socket socket)
    {
        using (socket)
        {
            var head = new StringBuilder();
            var buffer = new byte[4096];
            try
            {
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException)
            {
            }

            if (head.Length > 0)
            {
                Interlocked.Increment(ref _requests);
            }

            // A zero linger time closes with a reset, as a cut connection looks to the client.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
    }
}
