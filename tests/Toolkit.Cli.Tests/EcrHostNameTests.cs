using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cli.Tests;

/// <summary>
/// The tool, as its own process, pushes to an Amazon ECR host name (<c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c>)
/// served by the ECR data plane on loopback: it goes through <c>HTTPS_PROXY</c> (a <see cref="LoopbackConnectProxy"/>
/// that tunnels only to the data plane) and verifies the server's certificate with <c>--ca-file</c>.
/// </summary>
public sealed class EcrHostNameTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private readonly StaticEcrRegistryBackend _backend = new StaticEcrRegistryBackend().WithRepository("team/cli");
    private readonly TemporaryDirectory _temp = new("tk-cli-ecr");
    private EcrDataPlane _plane = null!;
    private LoopbackConnectProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _plane = await EcrDataPlane.StartAsync(_backend, registry.BaseUri, new EcrDataPlaneOptions { Tls = true });
        _proxy = new LoopbackConnectProxy(_plane.Port, _plane.RegistryHost);
    }

    public async Task DisposeAsync()
    {
        _proxy.Dispose();
        await _plane.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<string> BuiltLayoutAsync()
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = _temp.Combine("image");
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", app, "-o", $"oci:{layout}:1", "--source-date-epoch", "0");
        Assert.True(build.ExitCode == 0, build.Error);
        return $"oci:{layout}:1";
    }

    /// <summary>Every proxy variable at the loopback proxy (so nothing goes anywhere else), the token as the registry password, no docker config.</summary>
    private Dictionary<string, string> Environment(string password)
    {
        var proxy = _proxy.Uri.ToString();
        var dockerConfig = _temp.Combine("docker-config");
        Directory.CreateDirectory(dockerConfig);
        return new Dictionary<string, string>
        {
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy, ["ALL_PROXY"] = proxy, ["all_proxy"] = proxy,
            ["NO_PROXY"] = string.Empty, ["no_proxy"] = string.Empty,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["DOCKER_CONFIG"] = dockerConfig,
            ["TOOLKIT_REGISTRY_USERNAME"] = "AWS",
            ["TOOLKIT_REGISTRY_PASSWORD"] = password,
        };
    }

    [Fact]
    public async Task The_tool_reaches_an_ECR_host_name_through_HTTPS_PROXY_and_trusts_it_with_the_CA_file()
    {
        // Given an image and a registry password issued by the control plane
        var source = await BuiltLayoutAsync();
        var password = _backend.IssuePassword();

        // When the tool pushes to the ECR host name with the data plane's CA
        var push = await CliRunner.RunProcessAsync(
            ["image", "push", source, $"{_plane.RegistryHost}/team/cli:1", "--ca-file", _plane.CaFile!, "--json"], _temp.Path, Environment(password));

        // Then it went through the proxy to the data plane, which took the image, and the password was never printed
        Assert.True(push.ExitCode == 0, push.StandardError);
        var digest = JsonNode.Parse(push.StandardOutput)!["digest"]!.GetValue<string>();
        Assert.Equal(digest, Assert.Single(_backend.Pushed, p => p.Tag == "1").Digest);
        Assert.Contains($"{_plane.RegistryHost}:443", _proxy.Tunnelled);
        Assert.Empty(_proxy.Refused);
        Assert.DoesNotContain(password, push.StandardOutput + push.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_CA_file_the_ECR_host_name_is_not_trusted()
    {
        // Given
        var source = await BuiltLayoutAsync();

        // When the tool pushes without --ca-file
        var push = await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/cli:untrusted"], _temp.Path, Environment(_backend.IssuePassword()));

        // Then the certificate is refused: TK1013, and nothing was pushed
        Assert.Equal(1, push.ExitCode);
        Assert.Contains("TK1013", push.StandardError, StringComparison.Ordinal);
        Assert.Empty(_backend.Pushed);
    }
}
