using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using static Toolkit.Core.Tests.Scanning.Gate.GateTestData;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class GateEvaluatorTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_finding_at_the_threshold_fails_the_gate_and_one_below_does_not()
    {
        var scan = Scan(Finding("CVE-2024-6387", Severity.High), Finding("CVE-2024-28085", Severity.Medium));

        var atHigh = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.High }, time);
        var atCritical = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.Critical }, time);

        Assert.Equal(GateDecision.Fail, atHigh.Decision);
        var violation = Assert.Single(atHigh.Violations);
        Assert.Equal(ViolationKind.SeverityThreshold, violation.Kind);
        Assert.Equal("CVE-2024-6387", Assert.Single(violation.Findings).Finding.Id);
        Assert.Contains("at or above HIGH", violation.Message, StringComparison.Ordinal);
        Assert.Equal(GateDecision.Pass, atCritical.Decision);
        Assert.Empty(atCritical.Violations);
    }

    [Fact]
    public void Counts_cover_every_severity_and_findings_are_listed_most_severe_first()
    {
        var scan = Scan(
            Finding("CVE-2011-3374", Severity.Low),
            Finding("CVE-2023-45853", Severity.Critical),
            Finding("CVE-2025-0001", Severity.Undefined),
            Finding("CVE-2024-6387", Severity.High));

        var result = GateEvaluator.Evaluate(scan, new GatePolicy(), time);

        Assert.Equal(GateDecision.Pass, result.Decision);
        Assert.Equal(6, result.Counts.Count);
        Assert.Equal(1, result.Counts[Severity.Critical]);
        Assert.Equal(0, result.Counts[Severity.Medium]);
        Assert.Equal(1, result.Counts[Severity.Undefined]);
        Assert.Equal(["CVE-2023-45853", "CVE-2024-6387", "CVE-2011-3374", "CVE-2025-0001"], result.Findings.Select(f => f.Finding.Id));
        Assert.Equal(time.GetUtcNow(), result.EvaluatedAt);
    }

    [Fact]
    public void Undefined_findings_are_kept_and_can_be_limited_but_do_not_reach_a_threshold()
    {
        var scan = Scan(Finding("CVE-2025-0001", Severity.Undefined), Finding("CVE-2025-0002", Severity.Undefined));

        var threshold = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.Low }, time);
        var limited = GateEvaluator.Evaluate(scan, new GatePolicy { MaxCounts = new Dictionary<Severity, int> { [Severity.Undefined] = 1 } }, time);

        Assert.Equal(GateDecision.Pass, threshold.Decision);
        Assert.Equal(2, threshold.Counts[Severity.Undefined]);
        Assert.Equal(GateDecision.Fail, limited.Decision);
        Assert.Contains("2 UNDEFINED finding(s), more than the 1 allowed", Assert.Single(limited.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_maximum_count_fails_only_when_exceeded()
    {
        var scan = Scan(Finding("CVE-1", Severity.Medium), Finding("CVE-2", Severity.Medium));

        var atMaximum = GateEvaluator.Evaluate(scan, new GatePolicy { MaxCounts = new Dictionary<Severity, int> { [Severity.Medium] = 2 } }, time);
        var overMaximum = GateEvaluator.Evaluate(scan, new GatePolicy { MaxCounts = new Dictionary<Severity, int> { [Severity.Medium] = 1 } }, time);

        Assert.Equal(GateDecision.Pass, atMaximum.Decision);
        Assert.Equal(GateDecision.Fail, overMaximum.Decision);
        var violation = Assert.Single(overMaximum.Violations);
        Assert.Equal(ViolationKind.MaximumCount, violation.Kind);
        Assert.Equal(2, violation.Findings.Count);
    }

    [Fact]
    public void Ignore_unfixed_suppresses_findings_without_a_fix_and_keeps_fixed_partial_and_unknown_ones()
    {
        var scan = Scan(
            Finding("CVE-2023-45853", Severity.Critical, "zlib1g", fixedVersion: null, fix: FixAvailability.No),
            // A scanner that says nothing about fixes (ECR basic scanning): counted, never taken for unfixed
            Finding("CVE-2025-0003", Severity.Critical, "libfoo", fixedVersion: null),
            Finding("CVE-2024-6387", Severity.Critical, "openssh-client", fix: FixAvailability.Yes),
            Finding("CVE-2025-0004", Severity.Critical, "libbar", fixedVersion: null, fix: FixAvailability.Partial));

        var result = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.Critical, IgnoreUnfixed = true }, time);

        Assert.Equal(GateDecision.Fail, result.Decision);
        Assert.Equal(4, result.CountsBeforeSuppression[Severity.Critical]);
        Assert.Equal(3, result.Counts[Severity.Critical]);
        Assert.Equal(["CVE-2023-45853"], result.Suppressed.Select(s => s.Finding.Id));
        Assert.All(result.Suppressed, s => Assert.Equal(SuppressionKind.Unfixed, s.Kind));
    }

    [Theory]
    [InlineData(ScanOutcome.Failed, "failed")]
    [InlineData(ScanOutcome.TimedOut, "did not complete in time")]
    [InlineData(ScanOutcome.Unsupported, "is not supported")]
    [InlineData(ScanOutcome.Unavailable, "has no findings available")]
    public void A_scan_without_final_findings_fails_closed_by_default(ScanOutcome outcome, string expected)
    {
        var scan = Scan() with { Outcome = outcome, StatusDescription = "UNSUPPORTED_IMAGE: The operating system is not supported" };

        var result = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.Critical }, time);

        Assert.Equal(GateDecision.Fail, result.Decision);
        var violation = Assert.Single(result.Violations);
        Assert.Equal(ViolationKind.ScanUnavailable, violation.Kind);
        Assert.Contains(expected, violation.Message, StringComparison.Ordinal);
        Assert.Contains(Digest, violation.Message, StringComparison.Ordinal);
        Assert.Contains("linux/amd64", violation.Message, StringComparison.Ordinal);
        var exception = new GateFailedException(result);
        Assert.Equal("TK4001", exception.Code);
        Assert.Equal(ErrorKind.PolicyFailed, exception.Kind);
    }

    [Fact]
    public void A_scan_without_final_findings_warns_when_the_policy_says_so_and_the_other_scans_still_decide()
    {
        var unavailable = Scan() with { Outcome = ScanOutcome.Failed, Platform = "linux/arm64" };
        var clean = Scan(Finding("CVE-2011-3374", Severity.Low));
        var dirty = Scan(Finding("CVE-2023-45853", Severity.Critical));
        var policy = new GatePolicy { FailOn = Severity.High, OnScanUnavailable = ScanUnavailableAction.Warn };

        var warned = GateEvaluator.Evaluate([unavailable, clean], policy, time);
        var failed = GateEvaluator.Evaluate([unavailable, dirty], policy, time);

        Assert.Equal(GateDecision.Warn, warned.Decision);
        Assert.Empty(warned.Violations);
        Assert.Contains("linux/arm64", Assert.Single(warned.Warnings).Message, StringComparison.Ordinal);
        Assert.StartsWith("warning: ", Assert.Single(warned.Reasons), StringComparison.Ordinal);
        Assert.Equal(GateDecision.Fail, failed.Decision);
        Assert.Equal("TK4000", new GateFailedException(failed).Code);
    }

    [Fact]
    public void Findings_of_several_images_are_counted_together()
    {
        var amd64 = Scan(Finding("CVE-2024-6387", Severity.High));
        var arm64 = Scan(Finding("CVE-2024-6387", Severity.High)) with { Platform = "linux/arm64", ImageDigest = "sha256:" + new string('b', 64) };

        var result = GateEvaluator.Evaluate([amd64, arm64], new GatePolicy { MaxCounts = new Dictionary<Severity, int> { [Severity.High] = 1 } }, time);

        Assert.Equal(2, result.Counts[Severity.High]);
        Assert.Equal(GateDecision.Fail, result.Decision);
    }
}
