using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Toolkit.Testing;

/// <summary>
/// A real CNCF distribution registry (Debian's <c>docker-registry</c>) on a free 127.0.0.1 port with temporary
/// storage, for one test class (<c>IClassFixture</c>) or one test (<c>await using</c>). Plain HTTP, no auth.
/// </summary>
public sealed class DistributionRegistryFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly TemporaryDirectory _root = new("registry");
    private Process? _process;

    /// <summary><c>127.0.0.1:port</c>, as used in image references.</summary>
    public string HostPort { get; private set; } = string.Empty;

    public Uri BaseUri => new($"http://{HostPort}/");

    public async Task InitializeAsync()
    {
        var port = FreePort();
        HostPort = $"127.0.0.1:{port}";
        var config = _root.Combine("config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {_root.Combine("data")}
              delete:
                enabled: true
            http:
              addr: {HostPort}
            """);
        _process = ExternalTool.Start("docker-registry", ["serve", config]);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode} before answering on {HostPort}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "v2/"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"docker-registry did not answer /v2/ on {HostPort} within 30 s.");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
        _root.Dispose();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
