using System.Globalization;
using System.Text.Json;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Scanning.Reporting;

/// <summary>The SARIF report against what GitHub code scanning requires of an upload, as explicit assertions.</summary>
public sealed class GateReportSarifTests
{
    private static JsonDocument Sarif(GateResult result, GatePolicy policy, GateReportOptions? options = null)
        => JsonDocument.Parse(GateReport.ToBytes(result, policy, GateReportFormat.Sarif, options ?? GateReportSamples.Options));

    private static JsonElement Run(JsonDocument sarif) => sarif.RootElement.GetProperty("runs")[0];

    [Theory]
    [InlineData("trivy-debian12-dotnet.json")]
    [InlineData("grype-debian12-dotnet.json")]
    public void It_meets_github_code_scanning_upload_rules(string sample)
    {
        // Given
        var (result, policy) = GateReportSamples.Run(sample);

        // When
        using var sarif = Sarif(result, policy);

        // Then: version and $schema, exactly one run, a named driver with its version
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        Assert.Equal("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", sarif.RootElement.GetProperty("$schema").GetString());
        var run = Assert.Single(sarif.RootElement.GetProperty("runs").EnumerateArray());
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("dotnet-toolkit", driver.GetProperty("name").GetString());
        Assert.Equal("1.4.0-test", driver.GetProperty("semanticVersion").GetString());
        Assert.True(Uri.IsWellFormedUriString(driver.GetProperty("informationUri").GetString(), UriKind.Absolute));

        // And every rule has an id, descriptions, help in text and Markdown, a numeric security-severity 0-10 and tags
        var rules = driver.GetProperty("rules").EnumerateArray().ToArray();
        Assert.NotEmpty(rules);
        Assert.Equal(rules.Length, rules.Select(r => r.GetProperty("id").GetString()).Distinct(StringComparer.Ordinal).Count());
        foreach (var rule in rules)
        {
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("shortDescription").GetProperty("text").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("fullDescription").GetProperty("text").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("help").GetProperty("text").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("help").GetProperty("markdown").GetString()));
            var severity = rule.GetProperty("properties").GetProperty("security-severity").GetString();
            Assert.True(double.TryParse(severity, NumberStyles.Float, CultureInfo.InvariantCulture, out var score), $"security-severity '{severity}' is not a number");
            Assert.InRange(score, 0.0, 10.0);
            var tags = rule.GetProperty("properties").GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray();
            Assert.Contains("security", tags);
            Assert.Contains("vulnerability", tags);
        }

        // And every result names a rule of the run (by id and index), has a message, a located artifact on line 1 and a fingerprint
        var results = run.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(result.Findings.Count + result.Suppressed.Count, results.Length);
        Assert.InRange(results.Length, 1, 25_000);
        foreach (var r in results)
        {
            var ruleIndex = r.GetProperty("ruleIndex").GetInt32();
            Assert.Equal(rules[ruleIndex].GetProperty("id").GetString(), r.GetProperty("ruleId").GetString());
            Assert.Contains(r.GetProperty("level").GetString(), new[] { "error", "warning", "note" });
            Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("message").GetProperty("text").GetString()));
            var location = Assert.Single(r.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
            Assert.Equal("team/app", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.Equal(1, location.GetProperty("region").GetProperty("startLine").GetInt32());
            Assert.Matches("^[0-9a-f]{32}$", r.GetProperty("partialFingerprints").GetProperty(GateReportSarif.FingerprintKey).GetString());
        }
    }

    [Fact]
    public void Suppressed_findings_are_results_with_an_external_suppression_and_its_reason()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        using var sarif = Sarif(result, policy);
        var results = Run(sarif).GetProperty("results").EnumerateArray().ToArray();

        // Then the allowlisted zlib and the VEX not_affected glibc findings are there, dismissed with their reasons
        var zlib = Assert.Single(results, r => r.GetProperty("ruleId").GetString() == "CVE-2023-45853");
        var suppression = Assert.Single(zlib.GetProperty("suppressions").EnumerateArray());
        Assert.Equal("external", suppression.GetProperty("kind").GetString());
        Assert.Contains("MiniZip is not built into Debian's zlib1g", suppression.GetProperty("justification").GetString(), StringComparison.Ordinal);
        Assert.Contains("2027-01-31", suppression.GetProperty("justification").GetString(), StringComparison.Ordinal);
        var glibc = Assert.Single(results, r => r.GetProperty("ruleId").GetString() == "CVE-2023-4911");
        Assert.Contains("vulnerable_code_cannot_be_controlled_by_adversary", Assert.Single(glibc.GetProperty("suppressions").EnumerateArray()).GetProperty("justification").GetString(), StringComparison.Ordinal);

        // And counted findings carry no suppression
        var dotnet = Assert.Single(results, r => r.GetProperty("ruleId").GetString() == "CVE-2024-43485");
        Assert.False(dotnet.TryGetProperty("suppressions", out _));
    }

    [Fact]
    public void Fingerprints_are_stable_across_runs_and_builds_of_the_image()
    {
        // Given two runs over the same findings, the second of a rebuilt image (other digest) with the package at another version
        var (first, policy) = GateReportSamples.WithFindings([GateReportSamples.Finding("CVE-2024-0001", Severity.High)]);
        var rebuilt = first.Findings[0].Scan with { ImageDigest = "sha256:" + new string('b', 64) };
        var (second, _) = GateReportSamples.WithFindings([GateReportSamples.Finding("CVE-2024-0001", Severity.High) with { PackageVersion = "2.36-9+deb12u2" }]);
        var secondScan = second.Findings[0].Scan;

        // When
        var a = GateReportSarif.Fingerprint(first.Findings[0].Scan, first.Findings[0].Finding);
        var b = GateReportSarif.Fingerprint(rebuilt, first.Findings[0].Finding);
        var c = GateReportSarif.Fingerprint(secondScan, second.Findings[0].Finding);
        using var sarif1 = Sarif(first, policy);
        using var sarif2 = Sarif(first, policy);

        // Then the alert keeps its identity; another package or platform is another alert
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.NotEqual(a, GateReportSarif.Fingerprint(rebuilt, first.Findings[0].Finding with { PackageName = "libc-bin" }));
        Assert.NotEqual(a, GateReportSarif.Fingerprint(rebuilt with { Platform = "linux/arm64" }, first.Findings[0].Finding));
        Assert.Equal(
            Run(sarif1).GetProperty("results")[0].GetProperty("partialFingerprints").GetRawText(),
            Run(sarif2).GetProperty("results")[0].GetProperty("partialFingerprints").GetRawText());
    }

    [Fact]
    public void Two_copies_of_a_package_in_one_image_are_two_alerts_and_keep_their_fingerprints_in_either_order()
    {
        // Given the same vulnerability in two copies of one package (two versions of a NuGet assembly in one image)
        var older = GateReportSamples.Finding("CVE-2024-43485", Severity.High) with { PackageName = "System.Text.Json", PackageVersion = "6.0.0" };
        var newer = older with { PackageVersion = "8.0.4" };
        var (forward, policy) = GateReportSamples.WithFindings([older, newer]);
        var (backward, _) = GateReportSamples.WithFindings([newer, older]);

        // When
        using var sarif1 = Sarif(forward, policy);
        using var sarif2 = Sarif(backward, policy);

        // Then each result has its own fingerprint, the first keeps the plain one, and the order of the scanner's list does not matter
        static Dictionary<string, string> ByVersion(JsonDocument sarif) => Run(sarif).GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("properties").GetProperty("installedVersion").GetString()!,
            r => r.GetProperty("partialFingerprints").GetProperty(GateReportSarif.FingerprintKey).GetString()!);
        var first = ByVersion(sarif1);
        Assert.Equal(2, first.Values.Distinct().Count());
        Assert.Equal(GateReportSarif.Fingerprint(forward.Findings[0].Scan, older), first["6.0.0"]);
        Assert.Equal(first, ByVersion(sarif2));
    }

    [Fact]
    public void More_results_than_allowed_are_cut_to_the_most_severe_and_the_run_says_how_many_were_left_out()
    {
        // Given 30 findings and a limit of 25 results (GitHub's is 25,000 per run)
        var findings = Enumerable.Range(0, 30)
            .Select(i => GateReportSamples.Finding(string.Create(CultureInfo.InvariantCulture, $"CVE-2024-{i:D4}"), i < 3 ? Severity.Critical : Severity.Low, $"pkg{i}"))
            .ToArray();
        var (result, policy) = GateReportSamples.WithFindings(findings);

        // When
        var bytes = GateReport.ToBytes(result, policy, GateReportFormat.Sarif, GateReportSamples.Options with { MaxSarifResults = 25 });
        using var sarif = JsonDocument.Parse(bytes);
        var run = Run(sarif);

        // Then 25 results remain, the critical ones among them, rules only for what remains, and the omission is recorded
        var results = run.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(25, results.Length);
        Assert.Equal(3, results.Count(r => r.GetProperty("level").GetString() == "error"));
        Assert.Equal(25, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
        Assert.Equal(5, run.GetProperty("properties").GetProperty("omittedResults").GetInt32());
        Assert.Equal(30, run.GetProperty("properties").GetProperty("totalResults").GetInt32());
        var notification = Assert.Single(run.GetProperty("invocations")[0].GetProperty("toolExecutionNotifications").EnumerateArray());
        Assert.Contains("5 of 30 results were left out", notification.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
        ReportSchemas.AssertValidSarif(bytes);
    }

    [Fact]
    public void A_gate_without_findings_writes_an_empty_result_list_so_earlier_alerts_close()
    {
        // Given
        var (result, policy) = GateReportSamples.WithFindings([]);

        // When
        var bytes = GateReport.ToBytes(result, policy, GateReportFormat.Sarif, GateReportSamples.Options);
        using var sarif = JsonDocument.Parse(bytes);

        // Then the run is there with no rules and an empty (not missing) results array
        Assert.Equal(0, Run(sarif).GetProperty("results").GetArrayLength());
        Assert.Equal(0, Run(sarif).GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
        ReportSchemas.AssertValidSarif(bytes);
    }

    [Fact]
    public void A_minimum_severity_leaves_out_lesser_findings_but_never_those_that_fail_the_gate()
    {
        // Given HIGH, MEDIUM and LOW findings, a HIGH threshold and at most 0 LOW findings
        Finding[] findings = [GateReportSamples.Finding("CVE-2024-0001", Severity.High, "a"), GateReportSamples.Finding("CVE-2024-0002", Severity.Medium, "b"), GateReportSamples.Finding("CVE-2024-0003", Severity.Low, "c")];
        var (result, policy) = GateReportSamples.WithFindings(findings, new GatePolicy { FailOn = Severity.High, MaxCounts = new Dictionary<Severity, int> { [Severity.Low] = 0 } });

        // When the SARIF report lists HIGH and above only
        var bytes = GateReport.ToBytes(result, policy, GateReportFormat.Sarif, GateReportSamples.Options with { SarifMinimumSeverity = Severity.High });
        using var sarif = JsonDocument.Parse(bytes);
        var run = Run(sarif);

        // Then the MEDIUM finding is left out and counted, the LOW one stays because it fails the gate
        var ids = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToArray();
        Assert.Equal(new[] { "CVE-2024-0001", "CVE-2024-0003" }, ids);
        Assert.Equal(1, run.GetProperty("properties").GetProperty("belowMinimumSeverity").GetInt32());
        Assert.Equal(3, run.GetProperty("properties").GetProperty("totalResults").GetInt32());
        ReportSchemas.AssertValidSarif(bytes);
    }

    [Fact]
    public void The_default_limit_is_githubs_25000_results_per_run()
        => Assert.Equal(25_000, new GateReportOptions().MaxSarifResults);

    [Theory]
    [InlineData(Severity.Critical, 9.8, "9.8")]
    [InlineData(Severity.Critical, null, "9.5")]
    [InlineData(Severity.High, 7.5, "7.5")]
    [InlineData(Severity.High, 9.8, "8.0")]
    [InlineData(Severity.Medium, 5.3, "5.3")]
    [InlineData(Severity.Medium, 9.1, "5.5")]
    [InlineData(Severity.Low, 3.3, "3.3")]
    [InlineData(Severity.Low, null, "2.0")]
    [InlineData(Severity.Informational, 4.0, "0.0")]
    [InlineData(Severity.Undefined, 9.8, "0.0")]
    public void Security_severity_is_the_cvss_score_within_the_band_of_the_gates_severity(Severity severity, double? cvss, string expected)
        => Assert.Equal(expected, GateReportSarif.SecuritySeverity(severity, cvss));

    [Fact]
    public void Findings_that_fail_the_gate_are_errors_and_those_it_lets_through_are_at_most_warnings()
    {
        // Given a HIGH threshold, one HIGH and one MEDIUM finding, and no threshold at all for comparison
        Finding[] findings = [GateReportSamples.Finding("CVE-2024-0001", Severity.High, "a"), GateReportSamples.Finding("CVE-2024-0002", Severity.Medium, "b"), GateReportSamples.Finding("CVE-2024-0003", Severity.Low, "c")];
        var (gated, gatedPolicy) = GateReportSamples.WithFindings(findings, new GatePolicy { FailOn = Severity.Critical });
        var (open, openPolicy) = GateReportSamples.WithFindings(findings, new GatePolicy());
        var (failing, failingPolicy) = GateReportSamples.WithFindings(findings, new GatePolicy { FailOn = Severity.Medium });

        // When
        using var gatedSarif = Sarif(gated, gatedPolicy);
        using var openSarif = Sarif(open, openPolicy);
        using var failingSarif = Sarif(failing, failingPolicy);
        static string[] Levels(JsonDocument d) => Run(d).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("level").GetString()!).ToArray();

        // Then
        Assert.Equal(new[] { "warning", "warning", "note" }, Levels(gatedSarif));
        Assert.Equal(new[] { "error", "warning", "note" }, Levels(openSarif));
        Assert.Equal(new[] { "error", "error", "note" }, Levels(failingSarif));
    }

    [Fact]
    public void The_artifact_uri_can_be_set_and_defaults_to_the_repository_or_a_fixed_name()
    {
        // Given one scan with a repository and one without
        var (result, policy) = GateReportSamples.WithFindings([GateReportSamples.Finding("CVE-2024-0001", Severity.High)]);
        var anonymous = result with { Findings = [result.Findings[0] with { Scan = result.Findings[0].Scan with { Repository = null } }] };

        // When
        using var configured = Sarif(result, policy, GateReportSamples.Options with { SarifArtifactUri = "src/App/Dockerfile" });
        using var fallback = Sarif(anonymous, policy);
        static string Uri(JsonDocument d) => Run(d).GetProperty("results")[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;

        // Then
        Assert.Equal("src/App/Dockerfile", Uri(configured));
        Assert.Equal("container-image", Uri(fallback));
    }

    [Fact]
    public void Unavailable_scans_and_expired_entries_are_tool_notifications()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        using var sarif = Sarif(result, policy);
        var notifications = Run(sarif).GetProperty("invocations")[0].GetProperty("toolExecutionNotifications").EnumerateArray().ToArray();

        // Then
        Assert.Contains(notifications, n => n.GetProperty("descriptor").GetProperty("id").GetString() == "TK4002" && n.GetProperty("message").GetProperty("text").GetString()!.Contains("FINDINGS_UNAVAILABLE", StringComparison.Ordinal));
        Assert.Contains(notifications, n => n.GetProperty("descriptor").GetProperty("id").GetString() == "TK4003" && n.GetProperty("message").GetProperty("text").GetString()!.Contains("CVE-2011-3374", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("trivy-debian12-dotnet.json")]
    [InlineData("grype-debian12-dotnet.json")]
    public async Task Microsofts_sarif_multitool_finds_nothing_against_the_sarif_or_github_rules(string sample)
    {
        // Given the report as a file
        using var folder = new TemporaryDirectory();
        var (result, policy) = GateReportSamples.Run(sample);
        var path = Path.Combine(folder.Path, "gate.sarif");
        await GateReport.WriteFileAsync(result, policy, GateReportFormat.Sarif, path, GateReportSamples.Options, CancellationToken.None);

        // When the multitool validates it with the SARIF and GitHub Advanced Security rules
        var problems = await SarifMultitool.ValidateAsync(TestPaths.RepositoryRoot, path, folder.Path);

        // Then it reports nothing, not even a note
        Assert.True(problems.Count == 0, "The SARIF Multitool reports:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task Microsofts_sarif_multitool_does_report_a_log_github_would_reject()
    {
        // Given a log without rules, locations or fingerprints
        using var folder = new TemporaryDirectory();
        var path = Path.Combine(folder.Path, "bare.sarif");
        await File.WriteAllTextAsync(path, """{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A", "message": {"text": "m"}}]}]}""");

        // When
        var problems = await SarifMultitool.ValidateAsync(TestPaths.RepositoryRoot, path, folder.Path);

        // Then the GitHub rules fire, so the test above can fail
        Assert.Contains(problems, p => p.StartsWith("GH", StringComparison.Ordinal));
    }
}
