using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Gate;

/// <summary>The gate entry point every front-end runs: files read, policy file and options merged, results evaluated.</summary>
public sealed class ScanGateTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Sample(string name) => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", name);

    private static ScanResult Unavailable => new()
    {
        ImageDigest = GateTestData.Digest,
        Repository = "team/app",
        Outcome = ScanOutcome.TimedOut,
        StatusDescription = "IN_PROGRESS (timed out)",
        Scanner = new ScannerInfo("Amazon ECR basic scanning"),
    };

    [Fact]
    public async Task The_policy_file_says_what_the_options_leave_out_and_its_paths_are_its_own()
    {
        // Given a policy in a folder of its own naming an allowlist and a VEX document next to it
        Write("policy/allowlist.yaml", "version: 1\nignore:\n  - id: CVE-2024-0001\n    reason: not reachable\n    expires: 2027-01-31\n");
        Write("policy/app.vex.json", """
            {"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
              {"vulnerability": {"name": "CVE-2024-0002"}, "status": "fixed"}]}
            """);
        var policy = Write("policy/gate.yaml", "version: 1\nfailOn: HIGH\nmaxCounts: {MEDIUM: 1}\nonScanUnavailable: warn\nallowlist: allowlist.yaml\nvex: [app.vex.json]\n");

        // When the gate is loaded with only the policy
        var gate = await ScanGate.LoadAsync(new ScanGateOptions { PolicyPath = policy }, _time, CancellationToken.None);

        // Then the policy is the file's
        Assert.Equal(Severity.High, gate.Policy.FailOn);
        Assert.Equal(1, gate.Policy.MaxCounts[Severity.Medium]);
        Assert.Equal(ScanUnavailableAction.Warn, gate.Policy.OnScanUnavailable);
        Assert.Equal("CVE-2024-0001", Assert.Single(gate.Policy.Allowlist.Entries).Id);
        Assert.Equal(["CVE-2024-0002"], Assert.Single(gate.Policy.Vex).VulnerabilityIds);
        Assert.False(gate.Policy.IgnoreUnfixed);

        // And evaluating two suppressed highs, a medium and an unavailable scan warns, as the policy says
        var outcome = await gate.EvaluateAsync(
            [
                GateTestData.Scan(
                    GateTestData.Finding("CVE-2024-0001", Severity.High),
                    GateTestData.Finding("CVE-2024-0002", Severity.Critical),
                    GateTestData.Finding("CVE-2024-0003", Severity.Medium)),
                Unavailable,
            ],
            CancellationToken.None);
        Assert.Equal(GateDecision.Warn, outcome.Result.Decision);
        Assert.Equal(2, outcome.Result.Suppressed.Count);
        Assert.Equal(ErrorCodes.ScanUnavailableWarning, Assert.Single(outcome.Result.Warnings).Code);
        Assert.False(outcome.Failed);
        outcome.ThrowIfFailed();
    }

    [Fact]
    public async Task Options_override_the_policy_file_and_add_vex_documents()
    {
        Write("allowlist.json", """{"version": 1, "ignore": [{"id": "CVE-2024-0009", "reason": "r", "expires": "2027-01-01"}]}""");
        Write("other.json", """{"version": 1, "ignore": []}""");
        Write("a.vex.json", """{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-1", "status": "fixed"}]}""");
        var extraVex = Write("b.vex.json", """{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-2", "status": "fixed"}]}""");
        var policy = Write("gate.json", """{"version": 1, "failOn": "LOW", "maxCounts": {"CRITICAL": 3, "HIGH": 2}, "ignoreUnfixed": true, "onScanUnavailable": "warn", "allowlist": "allowlist.json", "vex": ["a.vex.json"]}""");

        var gate = await ScanGate.LoadAsync(
            new ScanGateOptions
            {
                PolicyPath = policy,
                FailOn = "critical",
                MaxCounts = ScanGateOptions.ParseMaxCounts(["CRITICAL=0"]),
                IgnoreUnfixed = false,
                OnScanUnavailable = "fail",
                AllowlistPath = Path.Combine(_folder.Path, "other.json"),
                VexPaths = [extraVex],
            },
            _time,
            CancellationToken.None);

        Assert.Equal(Severity.Critical, gate.Policy.FailOn);
        Assert.Equal(new Dictionary<Severity, int> { [Severity.Critical] = 0, [Severity.High] = 2 }, gate.Policy.MaxCounts);
        Assert.False(gate.Policy.IgnoreUnfixed);
        Assert.Equal(ScanUnavailableAction.Fail, gate.Policy.OnScanUnavailable);
        Assert.Empty(gate.Policy.Allowlist.Entries);
        Assert.Equal(["CVE-1", "CVE-2"], gate.Policy.Vex.SelectMany(v => v.VulnerabilityIds));

        var outcome = await gate.EvaluateAsync([Unavailable], CancellationToken.None);
        Assert.True(outcome.Failed);
        var failure = Assert.Throws<GateFailedException>(outcome.ThrowIfFailed);
        Assert.Equal("TK4001", failure.Code);
        Assert.Equal(ErrorKind.PolicyFailed, failure.Kind);
    }

    [Fact]
    public async Task Reports_are_read_at_load_and_evaluated_before_the_given_scans()
    {
        var gate = await ScanGate.LoadAsync(
            new ScanGateOptions { FailOn = "CRITICAL", ReportPaths = [Sample("trivy-debian12-dotnet.json"), Sample("grype-debian12-dotnet.json")] },
            _time,
            CancellationToken.None);

        Assert.Equal(2, gate.ReportScans.Count);
        var outcome = await gate.EvaluateAsync([Unavailable], CancellationToken.None);
        Assert.Equal([.. gate.ReportScans, Unavailable], outcome.Result.Scans);
    }

    [Fact]
    public async Task The_requested_reports_are_written_from_the_same_run()
    {
        var gate = await ScanGate.LoadAsync(
            new ScanGateOptions
            {
                FailOn = "HIGH",
                ReportPaths = [Sample("trivy-debian12-dotnet.json")],
                JsonReportPath = Path.Combine(_folder.Path, "out", "gate.json"),
                MarkdownReportPath = Path.Combine(_folder.Path, "out", "gate.md"),
                SarifReportPath = Path.Combine(_folder.Path, "out", "gate.sarif"),
            },
            _time,
            CancellationToken.None);

        var outcome = await gate.EvaluateAsync(null, CancellationToken.None);

        Assert.Equal([gate.Options.JsonReportPath!, gate.Options.MarkdownReportPath!, gate.Options.SarifReportPath!], outcome.ReportsWritten);
        Assert.Equal(outcome.ToBytes(Toolkit.Core.Scanning.Reporting.GateReportFormat.Json), File.ReadAllBytes(gate.Options.JsonReportPath!));
        Assert.Equal(outcome.ToBytes(Toolkit.Core.Scanning.Reporting.GateReportFormat.Markdown), File.ReadAllBytes(gate.Options.MarkdownReportPath!));
        Assert.Equal("2.1.0", System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(gate.Options.SarifReportPath!))!["version"]!.GetValue<string>());
        Assert.Empty(gate.Policy.Vex);
        Assert.NotNull(outcome.CreateDocument());
    }

    [Fact]
    public async Task A_gate_without_a_threshold_or_maximum_is_TK4018_and_without_scans_TK4019()
    {
        var noRule = await Assert.ThrowsAsync<ToolkitException>(() => ScanGate.LoadAsync(new ScanGateOptions { IgnoreUnfixed = true }, _time, CancellationToken.None));
        Assert.Equal("TK4018", noRule.Code);
        Assert.Equal(ErrorKind.InvalidInput, noRule.Kind);

        var onlyMaximum = await ScanGate.LoadAsync(new ScanGateOptions { MaxCounts = ScanGateOptions.ParseMaxCounts(["undefined=0"]) }, _time, CancellationToken.None);
        Assert.Null(onlyMaximum.Policy.FailOn);
        var noInput = await Assert.ThrowsAsync<ToolkitException>(() => onlyMaximum.EvaluateAsync([], CancellationToken.None));
        Assert.Equal("TK4019", noInput.Code);
    }

    [Theory]
    [InlineData("HIGH")]
    [InlineData("HIGH=")]
    [InlineData("SEVERE=1")]
    [InlineData("HIGH=-1")]
    [InlineData("HIGH=x")]
    public void Malformed_maximum_counts_are_TK4004(string value)
    {
        var error = Assert.Throws<ToolkitException>(() => ScanGateOptions.ParseMaxCounts([value]));

        Assert.Equal("TK4004", error.Code);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_are_checked_in_load_so_a_bad_allowlist_stops_the_gate_before_any_scan()
    {
        var broken = Write("allowlist.yaml", "version: 1\nignore:\n  - id: CVE-2024-1\n    expires: 2027-01-01\n");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => ScanGate.LoadAsync(new ScanGateOptions { FailOn = "HIGH", AllowlistPath = broken }, _time, CancellationToken.None));

        Assert.Equal("TK4013", error.Code);
        Assert.Contains("has no \"reason\"", error.Message, StringComparison.Ordinal);
    }
}
