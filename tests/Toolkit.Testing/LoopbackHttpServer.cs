using System.Net;

namespace Toolkit.Testing;

/// <summary>
/// An <see cref="HttpListener"/> on a free 127.0.0.1 port that serves every request on the thread pool until disposed.
/// Derived servers answer in <see cref="HandleAsync"/> and call <see cref="Start"/> once their own state is ready.
/// </summary>
public abstract class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private Task _loop = Task.CompletedTask;

    protected LoopbackHttpServer()
    {
        Port = DistributionRegistryFixture.FreePort();
        HostPort = $"127.0.0.1:{Port}";
        _listener.Prefixes.Add($"http://{HostPort}/");
    }

    /// <summary><c>127.0.0.1:port</c>, for image references and URLs.</summary>
    public string HostPort { get; }

    public int Port { get; }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected void Start()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Answers one request; a client that went away (listener, I/O or HTTP errors) aborts the response.</summary>
    protected abstract Task HandleAsync(HttpListenerContext context);

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleSafelyAsync(context));
        }
    }

    private async Task HandleSafelyAsync(HttpListenerContext context)
    {
        try
        {
            await HandleAsync(context);
        }
        catch (Exception exception) when (exception is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException or InvalidOperationException)
        {
            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
