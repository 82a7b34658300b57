using System.Text.Json.Nodes;
using Cake.Core;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Testing;

namespace Toolkit.Cake.Tests;

/// <summary>
/// <see cref="ToolkitAliases.ToolkitScanGate"/> hosted in-process, on the Trivy and Grype samples of the engine's tests (the wait
/// and the gate on images in the ECR emulator run in <see cref="CakeAddinTests"/>, where the AWS credentials are the process's).
/// </summary>
public sealed class ToolkitScanAliasesTests : IDisposable
{
    private const string TrivyDigest = "sha256:4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0";

    private readonly TemporaryDirectory _temp = new("tk-cake-scan");
    private readonly RecordingCakeLog _log = new();

    public ToolkitScanAliasesTests()
    {
        foreach (var sample in new[] { "trivy-debian12-dotnet.json", "grype-debian12-dotnet.json" })
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", sample), _temp.Combine(sample));
        }
    }

    public void Dispose() => _temp.Dispose();

    private FakeCakeContext Context(IReadOnlyDictionary<string, string>? environment = null)
        => new(_temp.Path, environment ?? new Dictionary<string, string>()) { Log = _log };

    private static ToolkitScanGateSettings TrivyGate(string failOn = "HIGH")
    {
        var settings = new ToolkitScanGateSettings { FailOn = failOn };
        settings.Reports.Add("trivy-debian12-dotnet.json");
        return settings;
    }

    [Fact]
    public void A_failed_gate_throws_a_CakeException_with_exit_code_3_that_starts_with_TK4000_and_lists_the_findings_behind_it()
    {
        // Given the Trivy report with a CRITICAL and two HIGH findings, and a gate on HIGH
        var settings = TrivyGate();

        // When
        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        // Then the exit code is the gate's (3), not an error's, and the findings are listed most severe first
        Assert.Equal(3, error.ExitCode);
        Assert.StartsWith("TK4000: The scan gate failed: 3 finding(s) at or above HIGH", error.Message, StringComparison.Ordinal);
        var lines = error.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim()).ToArray();
        Assert.Equal(
            [
                $"CVE-2023-45853 (zlib1g 1:1.2.13.dfsg-1) CRITICAL in team/app@{TrivyDigest} (linux/amd64)",
                $"CVE-2023-4911 (libc6 2.36-9+deb12u1 → 2.36-9+deb12u3) HIGH in team/app@{TrivyDigest} (linux/amd64)",
                $"CVE-2024-43485 (System.Text.Json 8.0.4 → 8.0.5, 6.0.10) HIGH in team/app@{TrivyDigest} (linux/amd64)",
            ],
            lines);
        var gate = Assert.IsType<GateFailedException>(error.InnerException);
        Assert.Equal(GateDecision.Fail, gate.Result.Decision);
        Assert.Contains(_log.Lines, l => l.Text.StartsWith("Scan gate FAIL: 3 finding(s) at or above HIGH", StringComparison.Ordinal));
    }

    [Fact]
    public void TopFindings_limits_the_findings_in_the_message_and_says_how_many_more_there_are()
    {
        var settings = TrivyGate("LOW");
        settings.TopFindings = 2;

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        var lines = error.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim()).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("CVE-2023-45853 ", lines[0], StringComparison.Ordinal);
        Assert.Equal("and 4 more", lines[2]);
    }

    [Fact]
    public void An_allowlist_lets_the_gate_pass_and_an_expired_entry_is_logged_as_a_TK4003_warning()
    {
        // Given a YAML allowlist that accepts the three findings at or above HIGH, and an entry that expired in 2020
        File.WriteAllText(_temp.Combine("allowlist.yaml"), """
            version: 1
            ignore:
              - id: CVE-2023-45853
                reason: MiniZip is not used by the app
                expires: 2099-12-31
              - id: CVE-2023-4911
                reason: no setuid binaries in the image
                expires: 2099-12-31
                package: libc6
              - id: GHSA-8g4q-xg66-9fp4
                reason: only trusted JSON is parsed
                expires: 2099-12-31
              - id: CVE-2024-28085
                reason: wall is not installed setgid
                expires: 2020-01-31
            """);
        var settings = TrivyGate();
        settings.Allowlist = "allowlist.yaml";
        settings.MaxCounts["MEDIUM"] = 1;
        settings.JsonReport = "reports/gate.json";
        settings.SarifReport = "reports/gate.sarif";
        settings.MarkdownReport = "reports/gate.md";

        // When
        var result = Context().ToolkitScanGate(settings);

        // Then
        Assert.Equal(GateDecision.Pass, result.Decision);
        Assert.Equal(3, result.Suppressed.Count);
        Assert.Equal(0, result.Counts[Severity.Critical] + result.Counts[Severity.High]);
        var expired = Assert.Single(_log.Warnings);
        Assert.StartsWith($"TK4003: the allowlist entry for CVE-2024-28085 ({_temp.Combine("allowlist.yaml")}", expired, StringComparison.Ordinal);
        Assert.Contains("expired on 2020-01-31; 1 finding(s) count again: CVE-2024-28085.", expired, StringComparison.Ordinal);

        // And the three reports were written relative to the working directory
        var json = JsonNode.Parse(File.ReadAllText(_temp.Combine("reports", "gate.json")))!;
        Assert.Equal("pass", (string?)json["decision"]);
        Assert.Equal("2.1.0", (string?)JsonNode.Parse(File.ReadAllText(_temp.Combine("reports", "gate.sarif")))!["version"]);
        Assert.Contains("CVE-2024-28085", File.ReadAllText(_temp.Combine("reports", "gate.md")), StringComparison.Ordinal);
        Assert.Contains(_log.Lines, l => l.Text == $"Scan gate report: {_temp.Combine("reports", "gate.sarif")}");
    }

    [Fact]
    public void StepSummary_appends_the_Markdown_report_to_GITHUB_STEP_SUMMARY_even_when_the_gate_fails()
    {
        // Given a step summary file that earlier steps wrote to
        var summary = _temp.Combine("step-summary.md");
        File.WriteAllText(summary, "# Build\n\n");
        var settings = TrivyGate();
        settings.StepSummary = true;

        // When
        Assert.Throws<CakeException>(() => Context(new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary }).ToolkitScanGate(settings));

        // Then the report follows what was there
        var text = File.ReadAllText(summary);
        Assert.StartsWith("# Build\n\n", text, StringComparison.Ordinal);
        Assert.Contains("CVE-2023-45853", text, StringComparison.Ordinal);
    }

    [Fact]
    public void StepSummary_without_GITHUB_STEP_SUMMARY_is_TK4022_before_anything_is_judged()
    {
        var settings = TrivyGate();
        settings.StepSummary = true;

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        Assert.StartsWith("TK4022: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void A_maximum_count_fails_the_gate_without_a_threshold()
    {
        var settings = new ToolkitScanGateSettings();
        settings.Reports.Add("grype-debian12-dotnet.json");
        settings.MaxCounts["high"] = 1;

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        Assert.Equal(3, error.ExitCode);
        Assert.StartsWith("TK4000: The scan gate failed: 2 HIGH finding(s), more than the 1 allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_settings_fail_with_TK4018_because_the_gate_has_no_rule()
    {
        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(null));

        Assert.StartsWith("TK4018: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void A_negative_maximum_count_is_TK4004()
    {
        var settings = TrivyGate();
        settings.MaxCounts["CRITICAL"] = -1;

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        Assert.StartsWith("TK4004: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void An_image_outside_Amazon_ECR_fails_with_TK3078_after_the_files_are_read_and_before_any_request()
    {
        var settings = TrivyGate();
        settings.Images.Add("ghcr.io/team/app:1.0");

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        Assert.StartsWith("TK3078: 'ghcr.io/team/app:1.0' is not in an Amazon ECR registry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_report_fails_with_TK4030_relative_to_the_working_directory()
    {
        var settings = new ToolkitScanGateSettings { FailOn = "HIGH" };
        settings.Reports.Add("missing.json");

        var error = Assert.Throws<CakeException>(() => Context().ToolkitScanGate(settings));

        Assert.StartsWith("TK4030: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(_temp.Combine("missing.json"), error.Message, StringComparison.Ordinal);
    }
}
