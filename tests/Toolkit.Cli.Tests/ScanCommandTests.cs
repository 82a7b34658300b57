using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cli.Tests;

/// <summary>
/// <c>dotnet toolkit scan wait</c> and <c>scan gate</c> as their own process: on the checked-in Trivy and Grype reports, and
/// with <c>--image</c> against the ECR emulator (credentials and endpoint from the environment, as on a CI runner; scan
/// delays from the emulator's scenario, timeouts short). The exit codes are the contract: 0 pass, 3 gate failed, 1 error,
/// 2 usage.
/// </summary>
public sealed class ScanCommandTests : IDisposable
{
    private const string Repository = "team/app";

    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _temp = new("tk-cli-scan");

    public void Dispose()
    {
        _emulator.Dispose();
        _temp.Dispose();
    }

    private static string Sample(string name) => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", name);

    private Task<ExternalToolResult> RunAsync(params string[] args) => RunWithAsync([], args);

    private Task<ExternalToolResult> RunWithAsync(Dictionary<string, string> extra, params string[] args)
    {
        var environment = EcrCommandTests.AwsEnvironment(_emulator, _temp);
        environment["GITHUB_STEP_SUMMARY"] = string.Empty;
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return CliRunner.RunProcessAsync(args, _temp.Path, environment);
    }

    private string File(string name, string text)
    {
        var path = _temp.Combine(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string Reference(string suffix) => $"{_emulator.RegistryHost}/{Repository}{suffix}";

    private Task<string> PushAsync(string tag, EcrFindingsSeed findings) => _emulator.PutScannedImageAsync(Repository, tag, findings);

    // ---- reports: exit codes 0, 3, 2, 1 ----

    [Fact]
    public async Task A_trivy_report_over_the_threshold_exits_3_with_TK4000_the_reasons_and_the_top_findings()
    {
        var result = await RunAsync("scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--fail-on", "HIGH");

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Contains("Scan gate: FAIL (1 scan(s); counted CRITICAL 1, HIGH 2,", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("  - 3 finding(s) at or above HIGH: CVE-2023-45853 (zlib1g 1:1.2.13.dfsg-1)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Top findings:\n  CRITICAL       9.8  CVE-2023-45853  zlib1g 1:1.2.13.dfsg-1  [linux/amd64]", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("error TK4000: The scan gate failed: 3 finding(s) at or above HIGH", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_report_passes_with_exit_0_under_a_higher_threshold_and_its_json_is_the_gate_report()
    {
        var result = await RunAsync("scan", "gate", "--report", Sample("grype-debian12-dotnet.json"), "--fail-on", "CRITICAL", "--ignore-unfixed", "--json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var report = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal("pass", report["decision"]!.GetValue<string>());
        Assert.Equal(1, report["reportVersion"]!.GetValue<int>());
        Assert.Equal(2, report["suppressed"]!.AsArray().Count);
        Assert.Null(report["awsRequests"]);
        Assert.DoesNotContain("Scan gate:", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_yaml_policy_with_a_yaml_allowlist_decides_and_warns_of_an_expired_entry_with_TK4003()
    {
        // Given a policy (YAML) that fails on CRITICAL and allows no more than 2 HIGH, with an allowlist next to it whose
        // zlib entry is valid and whose glibc entry expired
        Directory.CreateDirectory(_temp.Combine("policy"));
        File("policy/allowlist.yaml", """
            version: 1
            ignore:
              - id: CVE-2023-45853
                reason: MiniZip is not built into Debian's zlib1g
                expires: 2099-01-31
                package: zlib1g
              - id: CVE-2023-4911
                reason: no setuid binaries in the image
                expires: 2020-01-31
            """);
        var policy = File("policy/gate.yaml", """
            version: 1
            failOn: CRITICAL
            maxCounts:
              HIGH: 2
            allowlist: allowlist.yaml
            """);

        var result = await RunAsync("scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--policy", policy);

        // Then the critical is suppressed with its reason, the expired entry is reported, and two highs pass the maximum
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("Scan gate: PASS", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("  CVE-2023-45853 zlib1g: allowlist: MiniZip is not built into Debian's zlib1g, until 2099-01-31", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("warning TK4003: the allowlist entry for CVE-2023-4911 (", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("expired on 2020-01-31; 1 finding(s) count again: CVE-2023-4911.", result.StandardError, StringComparison.Ordinal);

        // And the command line overrides the policy: at most one HIGH fails it
        var stricter = await RunAsync("scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--policy", policy, "--max", "HIGH=1");
        Assert.Equal(3, stricter.ExitCode);
        Assert.Contains("error TK4000: The scan gate failed: 2 HIGH finding(s), more than the 1 allowed", stricter.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TK4004", "--fail-on", "SEVERE")]
    [InlineData("TK4004", "--max", "HIGH=-1")]
    [InlineData("TK4004", "--on-scan-unavailable", "ignore")]
    [InlineData("TK4018", "--ignore-unfixed")]
    [InlineData("TK2000", "--fail-on", "HIGH", "--no-such-option")]
    [InlineData("TK2019", "--fail-on", "HIGH", "--timeout", "soon")]
    [InlineData("TK4030", "--fail-on", "HIGH", "--report", "missing.json")]
    public async Task Usage_mistakes_exit_2_with_their_code(string code, params string[] options)
    {
        var result = await RunAsync(["scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error {code}: ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task A_gate_without_images_or_reports_exits_2_with_TK4019()
    {
        var result = await RunAsync("scan", "gate", "--fail-on", "HIGH");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK4019: ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_allowlist_exits_2_with_TK4013_before_any_image_is_waited_for()
    {
        var allowlist = File("allowlist.yaml", "version: 1\nignore:\n  - id: CVE-2023-4911\n    expires: 2027-01-31\n");

        var result = await RunAsync("scan", "gate", "--image", Reference(":1.0"), "--fail-on", "HIGH", "--allowlist", allowlist);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK4013: The allowlist '", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("entry 1 (line 3, column 5): it has no \"reason\"", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task A_report_that_cannot_be_written_exits_1_with_TK4040()
    {
        var blocker = File("not-a-folder", "x");

        var result = await RunAsync("scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--fail-on", "CRITICAL", "--sarif", Path.Combine(blocker, "gate.sarif"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error TK4040: ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_are_written_and_the_markdown_is_appended_to_the_step_summary()
    {
        var summary = File("summary.md", "# Build\n\n");
        var output = _temp.Combine("reports");

        var result = await RunWithAsync(
            new() { ["GITHUB_STEP_SUMMARY"] = summary },
            "scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--fail-on", "HIGH", "--step-summary",
            "--json-report", Path.Combine(output, "gate.json"), "--markdown", Path.Combine(output, "gate.md"), "--sarif", Path.Combine(output, "gate.sarif"));

        Assert.Equal(3, result.ExitCode);
        var markdown = System.IO.File.ReadAllText(Path.Combine(output, "gate.md"));
        Assert.Equal("# Build\n\n" + markdown, System.IO.File.ReadAllText(summary));
        Assert.Equal("fail", JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(output, "gate.json")))!["decision"]!.GetValue<string>());
        Assert.Equal("2.1.0", JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(output, "gate.sarif")))!["version"]!.GetValue<string>());
        Assert.Contains($"Wrote {Path.Combine(output, "gate.sarif")}", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_step_summary_without_GITHUB_STEP_SUMMARY_exits_2_with_TK4022()
    {
        var result = await RunAsync("scan", "gate", "--report", Sample("trivy-debian12-dotnet.json"), "--fail-on", "HIGH", "--step-summary");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK4022: --step-summary appends to the file named by GITHUB_STEP_SUMMARY", result.StandardError, StringComparison.Ordinal);
    }

    // ---- images in the ECR emulator ----

    [Fact]
    public async Task Scan_wait_exits_0_once_the_findings_are_final_with_one_progress_line_per_change()
    {
        // (the scan runs long enough to be seen in progress even when the process is slow to start on a busy machine)
        _emulator.Scenario.ScanNotFoundAfterPush = TimeSpan.FromSeconds(1);
        _emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(8);
        var digest = await PushAsync("1.0", EcrFindingsSeed.DebianDotNetApp);

        var result = await RunAsync("scan", "wait", "--image", Reference(":1.0"), "--timeout", "1m");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains($"{Repository}@{digest[..19]}: COMPLETE, 6 finding(s): CRITICAL 1, HIGH ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 of 1 image(s) have final findings", result.StandardOutput, StringComparison.Ordinal);
        var progress = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith($"{Repository}@", StringComparison.Ordinal)).ToArray();
        Assert.Contains(progress, l => l.Contains(": scan in progress (IN_PROGRESS) after", StringComparison.Ordinal));
        Assert.Contains(progress, l => l.Contains(": findings final (COMPLETE) after", StringComparison.Ordinal));
        Assert.Equal(progress.Length, progress.Select(l => l[..l.IndexOf(" after ", StringComparison.Ordinal)]).Distinct().Count());
    }

    [Fact]
    public async Task Scan_wait_json_lists_each_image_with_counts_and_the_AWS_requests_and_shows_no_progress()
    {
        var digest = await PushAsync("2.0", EcrFindingsSeed.DebianDotNetApp);

        var result = await RunAsync("scan", "wait", "--image", Reference("@" + digest), "--json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.True(json["final"]!.GetValue<bool>());
        var image = json["images"]!.AsArray().Single()!;
        Assert.Equal((digest, "complete", "COMPLETE", "BASIC"), (image["digest"]!.GetValue<string>(), image["outcome"]!.GetValue<string>(), image["status"]!.GetValue<string>(), image["scanType"]!.GetValue<string>()));
        Assert.Equal(1, image["counts"]!["CRITICAL"]!.GetValue<int>());
        Assert.Contains(json["awsRequests"]!.AsArray(), r => r!["operation"]!.GetValue<string>() == "DescribeImageScanFindings");
        Assert.DoesNotContain(" after ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_wait_exits_1_with_TK3101_naming_an_unsupported_image_and_a_timed_out_one()
    {
        var unsupported = await PushAsync("unsupported", EcrFindingsSeed.DebianDotNetApp with { Outcome = EcrScanOutcome.UnsupportedImage });
        _emulator.Scenario.ScanDelay = TimeSpan.FromHours(1);
        var slow = await PushAsync("slow", EcrFindingsSeed.DebianDotNetApp);

        var result = await RunAsync("scan", "wait", "--image", Reference(":unsupported"), "--image", Reference(":slow"), "--timeout", "3s");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error TK3101: The findings of 2 of 2 image(s) are not final: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{Repository}@{unsupported[..19]}: no findings, UNSUPPORTED_IMAGE", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"{Repository}@{slow[..19]}: timed out, IN_PROGRESS: The scan was still IN_PROGRESS after 3 s", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_gate_on_an_image_waits_then_exits_3_and_its_json_has_the_report_and_the_AWS_requests()
    {
        _emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(2);
        await PushAsync("1.0", EcrFindingsSeed.DebianDotNetApp);

        var result = await RunAsync("scan", "gate", "--image", Reference(":1.0"), "--fail-on", "CRITICAL", "--json");

        Assert.Equal(3, result.ExitCode);
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal("fail", json["decision"]!.GetValue<string>());
        Assert.Equal(Repository, json["scans"]!.AsArray().Single()!["repository"]!.GetValue<string>());
        var operations = json["awsRequests"]!.AsArray().Select(r => r!["operation"]!.GetValue<string>()).ToArray();
        Assert.Equal("DescribeImages", operations[0]);
        Assert.Contains("BatchGetImage", operations);
        Assert.Contains("DescribeImageScanFindings", operations);
        Assert.Contains("error TK4000: The scan gate failed: 1 finding(s) at or above CRITICAL: CVE-2023-45853", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_image_fails_the_gate_closed_unless_the_policy_says_warn()
    {
        await PushAsync("1.0", EcrFindingsSeed.DebianDotNetApp with { Outcome = EcrScanOutcome.UnsupportedImage });
        var policy = File("gate.yaml", "version: 1\nfailOn: HIGH\nonScanUnavailable: warn\n");

        var closed = await RunAsync("scan", "gate", "--image", Reference(":1.0"), "--fail-on", "HIGH");
        var warned = await RunAsync("scan", "gate", "--image", Reference(":1.0"), "--policy", policy);

        Assert.Equal(3, closed.ExitCode);
        Assert.Contains("error TK4001: The scan gate failed: the Amazon ECR basic scanning scan of sha256:", closed.StandardError, StringComparison.Ordinal);
        Assert.True(warned.ExitCode == 0, warned.StandardError);
        Assert.Contains("warning TK4002: the Amazon ECR basic scanning scan of sha256:", warned.StandardError, StringComparison.Ordinal);
        Assert.Contains("Scan gate: WARN", warned.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_outside_ECR_exits_2_with_TK3078_and_a_missing_tag_exits_1_with_TK3034()
    {
        await PushAsync("1.0", EcrFindingsSeed.None);

        var other = await RunAsync("scan", "wait", "--image", "ghcr.io/team/app:1.0");
        var missing = await RunAsync("scan", "wait", "--image", Reference(":2.0"));

        Assert.Equal(2, other.ExitCode);
        Assert.Contains("error TK3078: 'ghcr.io/team/app:1.0' is not in an Amazon ECR registry", other.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("error TK3034: ", missing.StandardError, StringComparison.Ordinal);
    }
}
