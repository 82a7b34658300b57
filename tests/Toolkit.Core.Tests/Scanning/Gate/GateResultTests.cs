using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using static Toolkit.Core.Tests.Scanning.Gate.GateTestData;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class GateResultTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ViolatingFindings_are_the_findings_behind_the_violations_most_severe_first()
    {
        // Given a threshold at HIGH and at most one MEDIUM, with two MEDIUM and one LOW finding besides the CRITICAL one
        var scan = Scan(
            Finding("CVE-2024-28085", Severity.Medium),
            Finding("CVE-2011-3374", Severity.Low),
            Finding("CVE-2023-45853", Severity.Critical),
            Finding("CVE-2024-2511", Severity.Medium));
        var policy = new GatePolicy { FailOn = Severity.High, MaxCounts = new Dictionary<Severity, int> { [Severity.Medium] = 1 } };

        // When
        var result = GateEvaluator.Evaluate(scan, policy, time);

        // Then the LOW finding, behind no violation, is not among them (equal severities in id order)
        Assert.Equal(["CVE-2023-45853", "CVE-2024-2511", "CVE-2024-28085"], result.ViolatingFindings.Select(f => f.Finding.Id));
    }

    [Fact]
    public void A_passing_gate_has_no_violating_findings()
    {
        var result = GateEvaluator.Evaluate(Scan(Finding("CVE-2011-3374", Severity.Low)), new GatePolicy { FailOn = Severity.High }, time);

        Assert.Empty(result.ViolatingFindings);
    }

    [Fact]
    public void Describe_gives_id_package_versions_severity_image_and_platform_on_one_line()
    {
        var finding = new ImageFinding(Scan(), Finding("CVE-2023-45853", Severity.Critical, package: "zlib1g", fixedVersion: "1:1.2.13.dfsg-1+deb12u1"));

        Assert.Equal(
            $"CVE-2023-45853 (zlib1g 2.36-9+deb12u1 → 1:1.2.13.dfsg-1+deb12u1) CRITICAL in team/app@{Digest} (linux/amd64)",
            finding.Describe());
    }

    [Fact]
    public void Describe_leaves_out_what_the_scanner_did_not_give()
    {
        var finding = new ImageFinding(
            new ScanResult { Scanner = new ScannerInfo("Trivy") },
            new Finding { Id = "GHSA-5crp-9r3c-p9vr", Severity = Severity.High });

        Assert.Equal("GHSA-5crp-9r3c-p9vr HIGH", finding.Describe());
    }

    [Fact]
    public void An_expired_entry_says_where_it_is_when_it_expired_and_which_findings_count_again()
    {
        // Given an entry that expired yesterday and matches one finding
        var entry = new AllowlistEntry { Id = "CVE-2024-6387", Reason = "not reachable", Expires = new DateOnly(2026, 11, 28), Location = "allowlist.yaml:4:5" };
        var policy = new GatePolicy { FailOn = Severity.Critical, Allowlist = new Allowlist([entry]) };

        // When
        var result = GateEvaluator.Evaluate(Scan(Finding("CVE-2024-6387", Severity.High)), policy, time);

        // Then
        var expired = Assert.Single(result.ExpiredEntries);
        Assert.Equal(
            "the allowlist entry for CVE-2024-6387 (allowlist.yaml:4:5) expired on 2026-11-28; 1 finding(s) count again: CVE-2024-6387. Renew it with a new reason and date, or fix the package.",
            expired.Message);
    }

    [Fact]
    public void An_expired_entry_that_matches_nothing_says_so()
    {
        var entry = new AllowlistEntry { Id = "CVE-2020-0001", Reason = "old", Expires = new DateOnly(2026, 1, 31) };

        var result = GateEvaluator.Evaluate(Scan(), new GatePolicy { FailOn = Severity.High, Allowlist = new Allowlist([entry]) }, time);

        Assert.Contains("expired on 2026-01-31; it matches no finding now.", Assert.Single(result.ExpiredEntries).Message, StringComparison.Ordinal);
    }
}
