using System.Security.Cryptography;
using Toolkit.Aws.Tests.Ecr;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// Independent clients only, end to end: the AWS CLI creates a repository and gets the registry password from the ECR
/// emulator (GetAuthorizationToken), skopeo pushes with it through the data-plane facade in front of the real
/// distribution registry (over TLS, as <c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c>, through the loopback proxy),
/// and the AWS CLI then finds the image in the control plane.
/// </summary>
public sealed class SkopeoAgainstEcrEmulatorTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private readonly EcrEmulator _emulator = new();
    private readonly IndependentClient _client = new(EcrEmulator.DefaultCredentials);
    private EcrDataPlaneHarness _ecr = null!;

    public async Task InitializeAsync() => _ecr = await EcrDataPlaneHarness.StartAsync(registry, _emulator);

    public async Task DisposeAsync()
    {
        await _ecr.DisposeAsync();
        _client.Dispose();
        _emulator.Dispose();
    }

    private Task<ClientResult> Aws(params string[] arguments)
        => _client.RunAsync("aws", ["--endpoint-url", _emulator.Endpoint.ToString().TrimEnd('/'), "--region", "us-east-1", "--output", "json", .. arguments]);

    [Fact]
    public async Task skopeo_pushes_with_the_password_the_AWS_CLI_got_and_the_AWS_CLI_describes_the_image()
    {
        // Given a repository made by the AWS CLI, and the registry password from its get-login-password
        (await Aws("ecr", "create-repository", "--repository-name", "team/skopeo")).Json();
        var login = await Aws("ecr", "get-login-password");
        Assert.True(login.ExitCode == 0, login.StandardError);
        var password = login.StandardOutput.Trim();
        var (layout, manifest) = await _ecr.WriteImageAsync("skopeo-cli", 7, 250_000, 30_000);
        var certificates = _ecr.Temp.Combine("skopeo-certs");
        Directory.CreateDirectory(certificates);
        File.Copy(_ecr.Plane.CaFile!, Path.Combine(certificates, "ca.crt"));
        var proxy = _ecr.Proxy.Uri.ToString();
        var environment = new Dictionary<string, string>
        {
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy, ["ALL_PROXY"] = proxy,
            ["NO_PROXY"] = string.Empty, ["no_proxy"] = string.Empty,
        };
        var destination = $"docker://{_ecr.Registry}/team/skopeo:1.0";

        // When skopeo pushes with it and reads the manifest back, and a made-up password is tried too
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", "--preserve-digests", "--dest-creds", $"AWS:{password}", "--dest-cert-dir", certificates, $"oci:{layout}:1", destination], environment: environment);
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--creds", $"AWS:{password}", "--cert-dir", certificates, destination], environment: environment);
        var refused = await ExternalTool.RunAsync("skopeo", ["inspect", "--raw", "--creds", "AWS:made-up", "--cert-dir", certificates, destination], environment: environment);

        // Then the bytes are the image's, the made-up password was refused, and the AWS CLI describes the pushed image
        Assert.Equal(manifest.Digest.ToString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw.StandardOutputBytes)));
        Assert.NotEqual(0, refused.ExitCode);
        var described = (await Aws("ecr", "describe-images", "--repository-name", "team/skopeo")).Json();
        EmulatorChecks.AssertFitsOutputShape("DescribeImages", described);
        var image = Assert.Single(described.GetProperty("imageDetails").EnumerateArray());
        Assert.Equal(manifest.Digest.ToString(), image.GetProperty("imageDigest").GetString());
        Assert.Equal(["1.0"], image.GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(280_000, image.GetProperty("imageSizeInBytes").GetInt64());
        Assert.Contains($"{_ecr.Registry}:443", _ecr.Proxy.Tunnelled);
        EmulatorChecks.AssertHealthy(_emulator);
    }
}
