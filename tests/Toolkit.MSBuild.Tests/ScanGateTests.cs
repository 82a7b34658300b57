using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// <c>dotnet build -t:ToolkitScanGate</c> on the shared consumer project with the Trivy and Grype samples of the engine's
/// tests: the build fails with the gate's code and one error per finding behind it, passes with an allowlist, and writes the
/// JSON, SARIF and Markdown reports.
/// </summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed class ScanGateTests(PackedToolkitMSBuild package) : IDisposable
{
    private const string TrivyDigest = "sha256:4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0";

    private readonly TemporaryDirectory _temp = new("tk-msbuild-scan");

    public void Dispose() => _temp.Dispose();

    private string Sample(string name)
    {
        var path = _temp.Combine(name);
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", name), path, overwrite: true);
        return path;
    }

    /// <summary>Builds run outside GitHub Actions even when the tests do (the gate would add to the job summary there).</summary>
    private static readonly Dictionary<string, string> s_notInActions = new() { ["GITHUB_ACTIONS"] = string.Empty, ["GITHUB_STEP_SUMMARY"] = string.Empty };

    private static string Output(ExternalToolResult result) => result.StandardOutput + result.StandardError;

    /// <summary>The distinct error (or warning) lines MSBuild printed, without the project suffix (the summary repeats them).</summary>
    private static string[] Diagnostics(ExternalToolResult build, string kind)
        => [.. build.StandardOutput.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Contains($": {kind} TK", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf($"{kind} TK", StringComparison.Ordinal))..])
            .Select(l => l.LastIndexOf(" [", StringComparison.Ordinal) is var end and > 0 ? l[..end] : l)
            .Distinct()];

    [Fact]
    public async Task A_Trivy_report_with_HIGH_findings_fails_the_build_with_TK4000_and_one_error_per_finding()
    {
        // Given the consumer and a Trivy report with one CRITICAL and two HIGH findings (the gate fails on HIGH by default)
        var published = await package.GetPublishedAsync();
        var report = Sample("trivy-debian12-dotnet.json");
        var reports = Path.Combine(published.Project.Directory, "bin", "Release", "net10.0", "linux-x64", "scan");
        if (Directory.Exists(reports))
        {
            Directory.Delete(reports, recursive: true);
        }

        // When
        var build = await published.Project.BuildAsync(s_notInActions, "-t:ToolkitScanGate", $"-p:ToolkitScanReport={report}");

        // Then the build failed with the gate's error and each finding behind it, most severe first
        Assert.True(build.ExitCode != 0, Output(build));
        var errors = Diagnostics(build, "error");
        Assert.StartsWith("error TK4000: The scan gate failed: 3 finding(s) at or above HIGH", errors[^1], StringComparison.Ordinal);
        Assert.Equal(
            [
                $"error TK4000: CVE-2023-45853 (zlib1g 1:1.2.13.dfsg-1) CRITICAL in team/app@{TrivyDigest} (linux/amd64)",
                $"error TK4000: CVE-2023-4911 (libc6 2.36-9+deb12u1 → 2.36-9+deb12u3) HIGH in team/app@{TrivyDigest} (linux/amd64)",
                $"error TK4000: CVE-2024-43485 (System.Text.Json 8.0.4 → 8.0.5, 6.0.10) HIGH in team/app@{TrivyDigest} (linux/amd64)",
            ],
            errors[..^1]);

        // And the three reports are in $(OutputPath)scan/
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(reports, "Hello.Image.scan-gate.json")))!;
        Assert.Equal("fail", (string?)json["decision"]);
        Assert.Equal("2.1.0", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(reports, "Hello.Image.scan-gate.sarif")))!["version"]);
        Assert.Contains("CVE-2023-45853", File.ReadAllText(Path.Combine(reports, "Hello.Image.scan-gate.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allowlist_lets_the_build_pass_with_a_TK4003_warning_for_its_expired_entry_and_the_reports_go_where_asked_and_to_the_job_summary()
    {
        // Given a Grype report, an allowlist that accepts its CRITICAL and HIGH findings and has one expired entry, and report paths
        var published = await package.GetPublishedAsync();
        var report = Sample("grype-debian12-dotnet.json");
        var allowlist = _temp.Combine("allowlist.json");
        File.WriteAllText(allowlist, """
            {
              "version": 1,
              "ignore": [
                {"id": "CVE-2023-45853", "reason": "MiniZip is not used by the app", "expires": "2099-12-31"},
                {"id": "CVE-2023-4911", "reason": "no setuid binaries in the image", "expires": "2099-12-31", "package": "libc6"},
                {"id": "CVE-2024-43485", "reason": "only trusted JSON is parsed", "expires": "2099-12-31"},
                {"id": "CVE-2005-2541", "reason": "tar runs as root only in the build", "expires": "2021-06-30"}
              ]
            }
            """);
        var sarif = _temp.Combine("out", "gate.sarif");
        var summary = _temp.Combine("step-summary.md");
        var actions = new Dictionary<string, string> { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = summary };

        // When it runs in a GitHub Actions step
        var build = await published.Project.BuildAsync(
            actions,
            "-t:ToolkitScanGate", $"-p:ToolkitScanReport={report}", $"-p:ToolkitScanAllowlist={allowlist}", "-p:ToolkitScanFailOn=HIGH",
            $"-p:ToolkitScanSarif={sarif}", $"-p:ToolkitScanJsonReport={_temp.Combine("out", "gate.json")}", $"-p:ToolkitScanMarkdown={_temp.Combine("out", "gate.md")}");

        // Then
        Assert.True(build.ExitCode == 0, Output(build));
        Assert.Empty(Diagnostics(build, "error"));
        var warning = Assert.Single(Diagnostics(build, "warning"));
        Assert.StartsWith($"warning TK4003: the allowlist entry for CVE-2005-2541 ({allowlist}", warning, StringComparison.Ordinal);
        Assert.Contains("expired on 2021-06-30; 1 finding(s) count again: CVE-2005-2541.", warning, StringComparison.Ordinal);
        Assert.Contains("Scan gate PASS: no counted finding at or above HIGH", build.StandardOutput, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(_temp.Combine("out", "gate.json")))!;
        Assert.Equal("pass", (string?)json["decision"]);
        Assert.True(File.Exists(sarif));
        Assert.True(File.Exists(_temp.Combine("out", "gate.md")));

        // And the job summary got the Markdown report
        Assert.Equal(File.ReadAllText(_temp.Combine("out", "gate.md")), File.ReadAllText(summary));
    }

    [Fact]
    public async Task Without_an_image_or_a_report_the_target_fails_with_TK4050()
    {
        var published = await package.GetPublishedAsync();

        var build = await published.Project.BuildAsync(s_notInActions, "-t:ToolkitScanGate");

        Assert.True(build.ExitCode != 0, Output(build));
        Assert.StartsWith("error TK4050: The scan gate has nothing to judge", Assert.Single(Diagnostics(build, "error")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_maximum_count_fails_with_TK4004_before_anything_is_read()
    {
        var published = await package.GetPublishedAsync();

        var build = await published.Project.BuildAsync(s_notInActions, "-t:ToolkitScanGate", $"-p:ToolkitScanReport={Sample("trivy-debian12-dotnet.json")}", "-p:ToolkitScanMaxCounts=SEVERE=1");

        Assert.True(build.ExitCode != 0, Output(build));
        Assert.StartsWith("error TK4004: 'SEVERE=1' is not a maximum count", Assert.Single(Diagnostics(build, "error")), StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_wrong_ToolkitScanTimeout_fails_with_TK2019_before_any_AWS_request()
    {
        var published = await package.GetPublishedAsync();

        var build = await published.Project.BuildAsync(s_notInActions, "-t:ToolkitScanGate", "-p:ToolkitScanImage=123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1", "-p:ToolkitScanTimeout=soon");

        Assert.True(build.ExitCode != 0, Output(build));
        Assert.StartsWith("error TK2019: ToolkitScanTimeout 'soon' is not a duration", Assert.Single(Diagnostics(build, "error")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ECR_image_whose_scan_failed_fails_the_build_with_TK4001_and_only_warns_with_TK4002_under_warn()
    {
        // Given an image in the ECR emulator whose scan on push fails
        var published = await package.GetPublishedAsync();
        using var emulator = new EcrEmulator();
        var digest = await emulator.PutScannedImageAsync("hello/scanned", "1", EcrFindingsSeed.None with { Outcome = EcrScanOutcome.Failed });
        var environment = new Dictionary<string, string>(s_notInActions)
        {
            ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
            ["AWS_ENDPOINT_URL_ECR"] = emulator.Endpoint.ToString(),
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = _temp.Combine("no-aws-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = _temp.Combine("no-aws-credentials"),
        };
        string[] properties = ["-t:ToolkitScanGate", $"-p:ToolkitScanImage={emulator.RegistryHost}/hello/scanned@{digest}", $"-p:ToolkitAwsRegion={emulator.Region}"];

        // When the gate runs as it is (fail closed), and with ToolkitScanOnUnavailable=warn
        var failClosed = await published.Project.BuildAsync(environment, properties);
        var warn = await published.Project.BuildAsync(environment, [.. properties, "-p:ToolkitScanOnUnavailable=warn"]);

        // Then
        Assert.True(failClosed.ExitCode != 0, Output(failClosed));
        var error = Assert.Single(Diagnostics(failClosed, "error"));
        Assert.StartsWith("error TK4001: The scan gate failed: ", error, StringComparison.Ordinal);
        Assert.Contains($"{digest}", error, StringComparison.Ordinal);
        Assert.Contains("FAILED", error, StringComparison.Ordinal);
        Assert.True(warn.ExitCode == 0, Output(warn));
        Assert.StartsWith("warning TK4002: ", Assert.Single(Diagnostics(warn, "warning")), StringComparison.Ordinal);
        Assert.Contains("Scan gate WARN: ", warn.StandardOutput, StringComparison.Ordinal);
    }
}
