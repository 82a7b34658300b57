using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// The ECR properties of the targets as a user runs them: <c>dotnet build -t:ToolkitEnsureEcrRepository</c> and
/// <c>dotnet publish -p:ToolkitImage=true -p:ToolkitEcrRepository=... -p:ToolkitEnsureRepository=true</c> against the ECR
/// emulator (control plane) and its data plane in front of a real distribution registry, with AWS credentials in the
/// environment only.
/// </summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed partial class EcrTests(PackedToolkitMSBuild package) : IDisposable
{
    private static readonly string[] s_reads = ["Describe", "Get", "List"];

    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _temp = new("tk-msbuild-ecr");

    public void Dispose()
    {
        _emulator.Dispose();
        _temp.Dispose();
    }

    private Dictionary<string, string> AwsEnvironment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
        ["AWS_ENDPOINT_URL_ECR"] = _emulator.Endpoint.ToString(),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = _temp.Combine("no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.Combine("no-aws-credentials"),
        ["DOCKER_CONFIG"] = _temp.Combine("docker"),
    };

    private string[] Writes(int from = 0)
        => [.. _emulator.Requests.Skip(from).Select(r => r.Operation!).Where(o => !s_reads.Any(r => o.StartsWith(r, StringComparison.Ordinal)))];

    private static string Output(ExternalToolResult result) => result.StandardOutput + result.StandardError;

    [Fact]
    public async Task ToolkitEnsureEcrRepository_creates_the_repository_and_a_second_build_sends_no_write()
    {
        // Given the consumer and ECR settings as properties
        var published = await package.GetPublishedAsync();
        _emulator.AddKmsKey("alias/hello");
        var lifecycle = _temp.Combine("lifecycle.json");
        File.WriteAllText(lifecycle, """
            {"rules":[{"rulePriority":1,"description":"Expire untagged images after a week","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}
            """);
        // Items cannot be given on the command line: the tags come from a targets file imported after the project's.
        var tags = _temp.Combine("tags.targets");
        File.WriteAllText(tags, """
            <Project>
              <ItemGroup>
                <ToolkitEcrRepositoryTag Include="team" Value="payments" />
                <ToolkitEcrRepositoryTag Include="cost-centre" Value="42" />
              </ItemGroup>
            </Project>
            """);
        string[] properties =
        [
            "-t:ToolkitEnsureEcrRepository", $"-p:CustomAfterMicrosoftCommonTargets={tags}", "-p:ToolkitEcrRepository=hello/image", $"-p:ToolkitAwsRegion={_emulator.Region}",
            "-p:ToolkitEcrScanOnPush=true", "-p:ToolkitEcrImmutableTags=true", "-p:ToolkitEcrImmutableTagExclusions=latest%3Bdev-*",
            "-p:ToolkitEcrKmsKey=alias/hello", $"-p:ToolkitEcrLifecyclePolicy={lifecycle}",
        ];

        // When the target runs twice
        var first = await published.Project.BuildAsync(AwsEnvironment(), properties);
        var afterFirst = _emulator.Requests.Count;
        var second = await published.Project.BuildAsync(AwsEnvironment(), properties);

        // Then the first created the repository with its policy, the second changed nothing (the alias is reported unverified)
        Assert.True(first.ExitCode == 0, Output(first));
        Assert.Equal(["CreateRepository", "PutLifecyclePolicy"], Writes());
        Assert.True(first.StandardOutput.Contains("hello/image: repository hello/image created: scan on push true; tags IMMUTABLE_WITH_EXCLUSION (latest, dev-*); encryption KMS with key alias/hello; tags cost-centre=42, team=payments", StringComparison.Ordinal), first.StandardOutput);
        Assert.True(second.ExitCode == 0, Output(second));
        Assert.Empty(Writes(afterFirst));
        Assert.True(second.StandardOutput.Contains("hello/image: up to date, nothing sent", StringComparison.Ordinal), second.StandardOutput);
        Assert.Contains("hello/image: 2 change(s) made", first.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"warning TK3076: "), second.StandardOutput);
    }

    [Fact]
    public async Task A_malformed_policy_fails_the_build_with_TK3072_before_any_request()
    {
        var published = await package.GetPublishedAsync();
        var policy = _temp.Combine("policy.json");
        File.WriteAllText(policy, "{\"Version\": \"2012-10-17\", \"Statement\": [}");

        var build = await published.Project.BuildAsync(AwsEnvironment(), "-t:ToolkitEnsureEcrRepository", "-p:ToolkitEcrRepository=hello/image", $"-p:ToolkitAwsRegion={_emulator.Region}", $"-p:ToolkitEcrRepositoryPolicy={policy}");

        Assert.NotEqual(0, build.ExitCode);
        Assert.True(build.StandardOutput.Contains($"error TK3072: {policy} is not well-formed JSON at line 1, column 41", StringComparison.Ordinal), build.StandardOutput);
        Assert.Empty(_emulator.Requests);
    }
}

/// <summary>The whole publish to an ECR repository, through the ECR data plane.</summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed class EcrPublishTests(PackedToolkitMSBuild package) : IAsyncLifetime
{
    private readonly TemporaryDirectory _temp = new("tk-msbuild-ecr-push");
    private readonly DistributionRegistryFixture _registry = new();
    private EcrEmulator _emulator = null!;
    private EcrDataPlane _plane = null!;
    private LoopbackConnectProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        await _registry.InitializeAsync();

        // BatchGetImage (the scan gate resolving the pushed image's platforms) reads manifests from the registry behind the data plane.
        _emulator = new EcrEmulator(new EcrEmulatorOptions { BackingRegistry = _registry.BaseUri });
        _plane = await EcrDataPlane.StartAsync(_emulator, _registry.BaseUri, new EcrDataPlaneOptions { Tls = true });
        _proxy = new LoopbackConnectProxy(_plane.Port, _plane.RegistryHost);
    }

    public async Task DisposeAsync()
    {
        _proxy.Dispose();
        await _plane.DisposeAsync();
        await _registry.DisposeAsync();
        _emulator.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Publish_to_ToolkitEcrRepository_ensures_the_repository_and_pushes_with_AWS_credentials_only()
    {
        // Given the consumer, AWS credentials in the environment, and the registry host reachable through the proxy only
        var published = await package.GetPublishedAsync();
        var proxy = _proxy.Uri.ToString();
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
            ["AWS_REGION"] = _emulator.Region,
            ["AWS_ENDPOINT_URL_ECR"] = _emulator.Endpoint.ToString(),
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = _temp.Combine("no-aws-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.Combine("no-aws-credentials"),
            ["DOCKER_CONFIG"] = _temp.Combine("docker"),
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy,
            ["NO_PROXY"] = "127.0.0.1", ["no_proxy"] = "127.0.0.1",
        };

        // When it is published to an ECR repository named only by ToolkitEcrRepository
        var publish = await published.Project.PublishAsync(
            environment,
            "-p:ToolkitEcrRepository=hello/app",
            "-p:ToolkitEnsureRepository=true",
            "-p:ToolkitEcrScanOnPush=true",
            $"-p:ToolkitRegistryCaFile={_plane.CaFile}",
            $"-p:ToolkitImageOutput=oci:{_temp.Combine("image")}");

        // Then the registry came from GetAuthorizationToken, the repository was created before the push, and ECR has the image
        Assert.True(publish.ExitCode == 0, $"dotnet publish exited with {publish.ExitCode}:{Environment.NewLine}{publish.StandardOutput}{publish.StandardError}");
        var operations = _emulator.Requests.Select(r => r.Operation).ToArray();
        Assert.True(Array.IndexOf(operations, "CreateRepository") >= 0, string.Join(", ", operations));
        Assert.Contains($"Pushed image {ConsumerProject.LoggedDigest(publish)} to {_emulator.RegistryHost}/hello/app:{ConsumerProject.Tag}", publish.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(ConsumerProject.LoggedDigest(publish), _emulator.ImageDigests("hello/app"));
        Assert.Empty(_proxy.Refused);
    }
    [Fact]
    public async Task Publish_with_ToolkitScanGate_waits_for_the_pushed_image_scan_and_fails_the_build_on_its_findings()
    {
        // Given the consumer, an ECR repository that scans on push (each scan takes 15 s), and AWS credentials in the environment
        var published = await package.GetPublishedAsync();
        _emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(15);
        var proxy = _proxy.Uri.ToString();
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
            ["AWS_REGION"] = _emulator.Region,
            ["AWS_ENDPOINT_URL_ECR"] = _emulator.Endpoint.ToString(),
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = _temp.Combine("no-aws-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.Combine("no-aws-credentials"),
            ["DOCKER_CONFIG"] = _temp.Combine("docker"),
            ["HTTPS_PROXY"] = proxy, ["https_proxy"] = proxy, ["HTTP_PROXY"] = proxy, ["http_proxy"] = proxy,
            ["NO_PROXY"] = "127.0.0.1", ["no_proxy"] = "127.0.0.1",
            ["GITHUB_ACTIONS"] = string.Empty, ["GITHUB_STEP_SUMMARY"] = string.Empty,
        };
        var reports = _temp.Combine("reports");

        // When it is published with ToolkitScanGate=true, and the scan of the pushed image finds the seeded vulnerabilities
        var publishing = published.Project.PublishAsync(
            environment,
            "-p:ToolkitEcrRepository=hello/gated",
            "-p:ToolkitEnsureRepository=true",
            "-p:ToolkitEcrScanOnPush=true",
            "-p:ToolkitScanGate=true",
            "-p:ToolkitScanTimeout=2m",
            $"-p:ToolkitScanJsonReport={Path.Combine(reports, "gate.json")}",
            $"-p:ToolkitRegistryCaFile={_plane.CaFile}",
            $"-p:ToolkitImageOutput=oci:{_temp.Combine("image")}");
        string? digest = null;
        while (!publishing.IsCompleted && digest is null)
        {
            digest = _emulator.ImageDigests("hello/gated") is [var first, ..] ? first : null;
            if (digest is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(digest);
        _emulator.SeedFindings("hello/gated", digest, EcrFindingsSeed.DebianDotNetApp);
        var publish = await publishing;

        // Then the gate waited for that scan and failed the build with its code and the findings behind it
        var output = publish.StandardOutput + publish.StandardError;
        Assert.True(publish.ExitCode != 0, output);
        var image = $"hello/gated@{digest}";
        Assert.Matches(new Regex($@"error TK4000: CVE-2023-45853 \(zlib [^)]+\) CRITICAL in {Regex.Escape(image)}"), publish.StandardOutput);
        Assert.Contains("error TK4000: The scan gate failed: ", publish.StandardOutput, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(reports, "gate.json")))!;
        Assert.Equal("fail", (string?)json["decision"]);
        Assert.Equal(digest, (string?)json["scans"]![0]!["imageDigest"]);
        Assert.Contains(_emulator.Requests, r => r.Operation == "DescribeImageScanFindings");
    }
}
