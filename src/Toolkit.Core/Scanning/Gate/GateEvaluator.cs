using System.Globalization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// Applies a <see cref="GatePolicy"/> to scan results. Each finding is first checked against the VEX statements, then the
/// allowlist (an expired entry no longer suppresses and is reported), then ignore-unfixed; what is left is counted
/// against the threshold and the maximum counts. A scan without final findings fails the gate unless the policy
/// says to warn.
/// </summary>
public static class GateEvaluator
{
    public static GateResult Evaluate(ScanResult scan, GatePolicy policy, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return Evaluate([scan], policy, timeProvider);
    }

    public static GateResult Evaluate(IReadOnlyList<ScanResult> scans, GatePolicy policy, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(scans);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(timeProvider);
        policy.Validate();

        var now = timeProvider.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var before = EmptyCounts();
        var counts = EmptyCounts();
        var counted = new List<ImageFinding>();
        var suppressed = new List<SuppressedFinding>();
        var violations = new List<GateViolation>();
        var warnings = new List<GateViolation>();
        var expiredMatches = policy.Allowlist.Entries.Where(e => e.IsExpiredOn(today)).ToDictionary(e => e, _ => new List<ImageFinding>());

        foreach (var scan in scans)
        {
            if (scan.Outcome != ScanOutcome.Complete)
            {
                var warn = policy.OnScanUnavailable == ScanUnavailableAction.Warn;
                var unavailable = new GateViolation(ViolationKind.ScanUnavailable, DescribeUnavailable(scan))
                {
                    Scan = scan,
                    Code = warn ? ErrorCodes.ScanUnavailableWarning : ErrorCodes.ScanUnavailable,
                };
                (warn ? warnings : violations).Add(unavailable);
                continue;
            }

            foreach (var finding in scan.Findings)
            {
                before[finding.Severity]++;
                var suppression = Suppress(scan, finding, policy, today, expiredMatches);
                if (suppression is not null)
                {
                    suppressed.Add(suppression);
                    continue;
                }

                counts[finding.Severity]++;
                counted.Add(new ImageFinding(scan, finding));
            }
        }

        counted.Sort(MostSevereFirst);
        if (policy.FailOn is { } threshold)
        {
            var over = counted.Where(f => f.Finding.Severity >= threshold).ToArray();
            if (over.Length > 0)
            {
                violations.Add(new GateViolation(
                    ViolationKind.SeverityThreshold,
                    string.Create(CultureInfo.InvariantCulture, $"{over.Length} finding(s) at or above {SeverityText.ToName(threshold)}: {string.Join(", ", over.Take(5).Select(Describe))}{(over.Length > 5 ? ", ..." : string.Empty)}"))
                {
                    Findings = over,
                });
            }
        }

        foreach (var (severity, maximum) in policy.MaxCounts.OrderByDescending(m => m.Key))
        {
            if (counts[severity] > maximum)
            {
                violations.Add(new GateViolation(
                    ViolationKind.MaximumCount,
                    string.Create(CultureInfo.InvariantCulture, $"{counts[severity]} {SeverityText.ToName(severity)} finding(s), more than the {maximum} allowed"))
                {
                    Findings = counted.Where(f => f.Finding.Severity == severity).ToArray(),
                });
            }
        }

        var expired = expiredMatches.Select(e => new ExpiredAllowlistEntry(e.Key, e.Value)).ToArray();
        var decision = violations.Count > 0 ? GateDecision.Fail : warnings.Count > 0 ? GateDecision.Warn : GateDecision.Pass;
        var reasons = new List<string>();
        reasons.AddRange(violations.Select(v => v.Message));
        reasons.AddRange(warnings.Select(w => $"warning: {w.Message}"));
        reasons.AddRange(expired.Select(e => string.Create(
            CultureInfo.InvariantCulture,
            $"allowlist entry for {e.Entry.Id}{(e.Entry.Location is null ? string.Empty : $" ({e.Entry.Location})")} expired on {e.Entry.Expires:yyyy-MM-dd}{(e.Findings.Count > 0 ? $" and no longer suppresses {e.Findings.Count} finding(s)" : string.Empty)}")));
        if (decision == GateDecision.Pass)
        {
            reasons.Insert(0, policy.FailOn is { } t
                ? $"no counted finding at or above {SeverityText.ToName(t)}"
                : "no threshold or maximum exceeded");
        }

        return new GateResult
        {
            Decision = decision,
            Scans = scans,
            CountsBeforeSuppression = before,
            Counts = counts,
            Findings = counted,
            Violations = violations,
            Warnings = warnings,
            Suppressed = suppressed,
            ExpiredEntries = expired,
            Reasons = reasons,
            EvaluatedAt = now,
        };
    }

    private static SuppressedFinding? Suppress(ScanResult scan, Finding finding, GatePolicy policy, DateOnly today, Dictionary<AllowlistEntry, List<ImageFinding>> expiredMatches)
    {
        var vex = policy.Vex.FirstOrDefault(s => s.Suppresses && s.Matches(finding, scan));
        if (vex is not null)
        {
            var justification = string.Join(": ", new[] { vex.Justification, vex.ImpactStatement }.Where(s => !string.IsNullOrWhiteSpace(s)));
            return new SuppressedFinding(scan, finding, SuppressionKind.Vex, vex.Status == VexStatus.Fixed ? "VEX: fixed" : "VEX: not_affected")
            {
                Justification = justification.Length == 0 ? null : justification,
                Location = vex.Location,
            };
        }

        AllowlistEntry? active = null;
        foreach (var entry in policy.Allowlist.Entries.Where(e => e.Matches(finding, scan)))
        {
            if (entry.IsExpiredOn(today))
            {
                expiredMatches[entry].Add(new ImageFinding(scan, finding));
            }
            else
            {
                active ??= entry;
            }
        }

        if (active is not null)
        {
            return new SuppressedFinding(scan, finding, SuppressionKind.Allowlist, active.Reason) { Expires = active.Expires, Location = active.Location };
        }

        if (policy.IgnoreUnfixed && IsUnfixed(finding))
        {
            return new SuppressedFinding(scan, finding, SuppressionKind.Unfixed, "no fix is available");
        }

        return null;
    }

    /// <summary>
    /// No fix: only when the scanner says so. A finding whose scanner says nothing about fixes (ECR basic scanning) is
    /// counted, so ignore-unfixed never lets through what nobody has judged.
    /// </summary>
    private static bool IsUnfixed(Finding finding) => finding.FixAvailable == FixAvailability.No;

    private static Dictionary<Severity, int> EmptyCounts() => Enum.GetValues<Severity>().ToDictionary(s => s, _ => 0);

    private static int MostSevereFirst(ImageFinding a, ImageFinding b)
    {
        var bySeverity = b.Finding.Severity.CompareTo(a.Finding.Severity);
        if (bySeverity != 0)
        {
            return bySeverity;
        }

        var byScore = (b.Finding.CvssScore ?? -1).CompareTo(a.Finding.CvssScore ?? -1);
        return byScore != 0 ? byScore : string.CompareOrdinal(a.Finding.Id, b.Finding.Id);
    }

    private static string Describe(ImageFinding f) =>
        f.Finding.PackageName is null ? f.Finding.Id : $"{f.Finding.Id} ({f.Finding.PackageName} {f.Finding.PackageVersion})".Replace(" )", ")", StringComparison.Ordinal);

    private static string DescribeUnavailable(ScanResult scan)
    {
        var image = scan.ImageDigest ?? "the image";
        if (scan.Platform is not null)
        {
            image += $" ({scan.Platform})";
        }

        var outcome = scan.Outcome switch
        {
            ScanOutcome.Failed => "failed",
            ScanOutcome.TimedOut => "did not complete in time",
            ScanOutcome.Unsupported => "is not supported for this image",
            _ => "has no findings available",
        };
        return $"the {scan.Scanner.Name} scan of {image} {outcome}{(scan.StatusDescription is null ? string.Empty : $": {scan.StatusDescription}")}";
    }
}
