using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cli.Tests;

/// <summary>
/// The tool, as its own process, pushes to an Amazon ECR host name (<c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c>)
/// served by the ECR data plane on loopback: it goes through <c>HTTPS_PROXY</c> (a <see cref="LoopbackConnectProxy"/>
/// that tunnels only to the data plane) and verifies the server's certificate with <c>--ca-file</c>. The registry
/// password comes from GetAuthorizationToken (the ECR emulator, reached directly on loopback), as for every ECR host.
/// </summary>
public sealed class EcrHostNameTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _temp = new("tk-cli-ecr");
    private EcrDataPlane _plane = null!;
    private LoopbackConnectProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _plane = await EcrDataPlane.StartAsync(_emulator, registry.BaseUri, new EcrDataPlaneOptions { Tls = true });
        _proxy = new LoopbackConnectProxy(_plane.Port, _plane.RegistryHost);
    }

    public async Task DisposeAsync()
    {
        _proxy.Dispose();
        await _plane.DisposeAsync();
        _emulator.Dispose();
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

    /// <summary>
    /// Every proxy variable at the loopback proxy (so the registry host is reached through it only), the emulator's AWS
    /// credentials and API endpoint (plain HTTP on 127.0.0.1, the one host the proxy is bypassed for), no docker config.
    /// </summary>
    private Dictionary<string, string> Environment()
    {
        var proxy = _proxy.Uri.ToString();
        var dockerConfig = _temp.Combine("docker-config");
        Directory.CreateDirectory(dockerConfig);
        return new Dictionary<string, string>
        {
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy, ["ALL_PROXY"] = proxy, ["all_proxy"] = proxy,
            ["NO_PROXY"] = "127.0.0.1", ["no_proxy"] = "127.0.0.1",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
            ["AWS_REGION"] = _emulator.Region,
            ["AWS_ENDPOINT_URL_ECR"] = _emulator.Endpoint.ToString(),
            ["AWS_CONFIG_FILE"] = _temp.Combine("no-aws-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.Combine("no-aws-credentials"),
            ["DOCKER_CONFIG"] = dockerConfig,
        };
    }

    [Fact]
    public async Task The_tool_reaches_an_ECR_host_name_through_HTTPS_PROXY_and_trusts_it_with_the_CA_file()
    {
        // Given an image and the repository
        var source = await BuiltLayoutAsync();
        var ensure = await CliRunner.RunProcessAsync(["ecr", "ensure-repository", "team/cli"], _temp.Path, Environment());
        Assert.True(ensure.ExitCode == 0, ensure.StandardError);

        // When the tool pushes to the ECR host name with the data plane's CA
        var push = await CliRunner.RunProcessAsync(
            ["image", "push", source, $"{_plane.RegistryHost}/team/cli:1", "--ca-file", _plane.CaFile!, "--json"], _temp.Path, Environment());

        // Then it went through the proxy to the data plane, which took the image
        Assert.True(push.ExitCode == 0, push.StandardError);
        var digest = JsonNode.Parse(push.StandardOutput)!["digest"]!.GetValue<string>();
        Assert.Equal([digest], _emulator.ImageDigests("team/cli"));
        Assert.Contains($"{_plane.RegistryHost}:443", _proxy.Tunnelled);
        Assert.Empty(_proxy.Refused);
    }

    [Fact]
    public async Task Without_the_CA_file_the_ECR_host_name_is_not_trusted()
    {
        // Given
        var source = await BuiltLayoutAsync();

        // When the tool pushes without --ca-file
        var push = await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/cli:untrusted"], _temp.Path, Environment());

        // Then the certificate is refused: TK1013, and nothing was pushed
        Assert.Equal(1, push.ExitCode);
        Assert.Contains("TK1013", push.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.ImageDigests("team/cli"));
    }
}
