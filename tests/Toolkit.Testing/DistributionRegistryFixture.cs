using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Toolkit.Testing;

/// <summary>How a <see cref="DistributionRegistryFixture"/> is configured; the default is plain HTTP without auth.</summary>
public sealed record DistributionRegistryOptions
{
    /// <summary>htpasswd Basic auth with this user (bcrypt entry generated for the run).</summary>
    public (string Username, string Password)? BasicAuth { get; init; }

    /// <summary>Token auth (<c>auth.token</c>) against a <see cref="RegistryTokenServer"/> started for the run, which accepts this user.</summary>
    public (string Username, string Password)? TokenAuth { get; init; }

    /// <summary>Serve HTTPS with a server certificate from a CA generated for the run (<see cref="DistributionRegistryFixture.CaFile"/>).</summary>
    public bool Tls { get; init; }
}

/// <summary>
/// A real CNCF distribution registry (Debian's <c>docker-registry</c>) on a free 127.0.0.1 port with temporary
/// storage, for one test class (<c>IClassFixture</c>) or one test (<c>await using</c>). Plain HTTP, no auth by default;
/// with <see cref="DistributionRegistryOptions"/> also htpasswd Basic auth, TLS with a generated CA, or token auth
/// with a small token server issuing real JWTs the registry validates.
/// </summary>
public sealed class DistributionRegistryFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly TemporaryDirectory _root = new("registry");
    private Process? _process;

    /// <summary>The mode (set before <see cref="InitializeAsync"/>; xunit class fixtures need a single parameterless constructor).</summary>
    public DistributionRegistryOptions Options { get; init; } = new();

    /// <summary><c>127.0.0.1:port</c>, as used in image references.</summary>
    public string HostPort { get; private set; } = string.Empty;

    public Uri BaseUri => new($"{(Options.Tls ? "https" : "http")}://{HostPort}/");

    /// <summary>The PEM file of the CA that signed the server certificate (TLS mode only).</summary>
    public string? CaFile { get; private set; }

    /// <summary>The registry's process id once started (benchmarks read its CPU time from /proc).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The token server (token mode only): counts the tokens it issued.</summary>
    public RegistryTokenServer? TokenServer { get; private set; }

    public async Task InitializeAsync()
    {
        var port = FreePort();
        HostPort = $"127.0.0.1:{port}";
        var tls = string.Empty;
        if (Options.Tls)
        {
            var authority = TestCertificates.CreateServerCertificates(_root.Path);
            CaFile = authority.CaFile;
            tls = $"""

                  tls:
                    certificate: {authority.CertificateFile}
                    key: {authority.KeyFile}
                """;
        }

        var auth = string.Empty;
        if (Options.BasicAuth is { } basic)
        {
            var htpasswd = _root.Combine("htpasswd");
            await File.WriteAllTextAsync(htpasswd, $"{basic.Username}:{Bcrypt(basic.Password)}\n");
            auth = $"""

                auth:
                  htpasswd:
                    realm: toolkit-test
                    path: {htpasswd}
                """;
        }
        else if (Options.TokenAuth is { } token)
        {
            TokenServer = new RegistryTokenServer(_root.Path, token.Username, token.Password);
            auth = $"""

                auth:
                  token:
                    realm: {TokenServer.Realm}
                    service: {RegistryTokenServer.Service}
                    issuer: {RegistryTokenServer.Issuer}
                    rootcertbundle: {TokenServer.CertificateFile}
                """;
        }

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
              addr: {HostPort}{tls}{auth}
            """);
        _process = ExternalTool.Start("docker-registry", ["serve", config]);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Readiness only: the registry's certificate is checked by the tests themselves.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
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
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
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
        TokenServer?.Dispose();
        TokenServer = null;
        _root.Dispose();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A bcrypt hash, the only scheme distribution's htpasswd accepts (cost 4: a test password).</summary>
    private static string Bcrypt(string password) => BCrypt.Net.BCrypt.HashPassword(password, workFactor: 4);
}
