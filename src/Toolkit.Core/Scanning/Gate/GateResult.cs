using System.Globalization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>What a gate decided.</summary>
public enum GateDecision
{
    Pass = 0,

    /// <summary>Let through, with a warning (a scan had no findings and the policy says to warn).</summary>
    Warn = 1,

    Fail = 2,
}

/// <summary>Why a finding was not counted.</summary>
public enum SuppressionKind
{
    /// <summary>An OpenVEX <c>not_affected</c> or <c>fixed</c> statement.</summary>
    Vex = 0,

    /// <summary>An allowlist entry that has not expired.</summary>
    Allowlist = 1,

    /// <summary>No fix exists and the policy ignores unfixed findings.</summary>
    Unfixed = 2,
}

/// <summary>A finding of one image.</summary>
public sealed record ImageFinding(ScanResult Scan, Finding Finding)
{
    /// <summary>
    /// The finding on one line, the same in every front-end's output:
    /// <c>CVE-2024-1234 (libc6 2.36-9 → 2.36-9+deb12u4) CRITICAL in team/app@sha256:… (linux/amd64)</c>; parts the scanner
    /// did not give are left out.
    /// </summary>
    public string Describe()
    {
        var package = Finding.PackageName is null
            ? string.Empty
            : $" ({Finding.PackageName}{(Finding.PackageVersion is null ? string.Empty : $" {Finding.PackageVersion}")}{(Finding.FixedVersion is null ? string.Empty : $" → {Finding.FixedVersion}")})";
        var image = (Scan.Repository, Scan.ImageDigest) switch
        {
            ({ } repository, { } digest) => $" in {repository}@{digest}",
            ({ } repository, null) => $" in {repository}",
            (null, { } digest) => $" in {digest}",
            _ => string.Empty,
        };
        return $"{Finding.Id}{package} {SeverityText.ToName(Finding.Severity)}{image}{(Scan.Platform is null ? string.Empty : $" ({Scan.Platform})")}";
    }
}

/// <summary>A finding the gate did not count, and why.</summary>
public sealed record SuppressedFinding(ScanResult Scan, Finding Finding, SuppressionKind Kind, string Reason)
{
    /// <summary>The allowlist entry's last day.</summary>
    public DateOnly? Expires { get; init; }

    /// <summary>The VEX justification (and impact statement).</summary>
    public string? Justification { get; init; }

    /// <summary>Where the allowlist entry or VEX statement is written.</summary>
    public string? Location { get; init; }
}

/// <summary>Why the gate failed: findings at or above the threshold, a count over its maximum, or a scan with no findings.</summary>
public enum ViolationKind
{
    SeverityThreshold = 0,
    MaximumCount = 1,
    ScanUnavailable = 2,
}

/// <summary>One reason the gate fails (or warns, for an unavailable scan under <see cref="ScanUnavailableAction.Warn"/>).</summary>
public sealed record GateViolation(ViolationKind Kind, string Message)
{
    /// <summary>The code front-ends log it with: TK4000 for findings, TK4001 for an unavailable scan, TK4002 when that is a warning.</summary>
    public ErrorCode Code { get; init; } = Kind == ViolationKind.ScanUnavailable ? ErrorCodes.ScanUnavailable : ErrorCodes.GateFailed;

    /// <summary>The findings behind the violation (at or above the threshold, or of the severity over its maximum).</summary>
    public IReadOnlyList<ImageFinding> Findings { get; init; } = [];

    public ScanResult? Scan { get; init; }
}

/// <summary>An allowlist entry that matched a finding but has expired, so it no longer suppresses it.</summary>
public sealed record ExpiredAllowlistEntry(AllowlistEntry Entry, IReadOnlyList<ImageFinding> Findings)
{
    /// <summary>What front-ends warn with: which entry (and where it is written), when it expired and what it no longer suppresses.</summary>
    public string Message
    {
        get
        {
            var where = Entry.Location is null ? string.Empty : $" ({Entry.Location})";
            var ids = string.Join(", ", Findings.Select(f => f.Finding.Id).Distinct(StringComparer.OrdinalIgnoreCase).Take(5));
            var effect = Findings.Count == 0
                ? "it matches no finding now"
                : string.Create(CultureInfo.InvariantCulture, $"{Findings.Count} finding(s) count again: {ids}{(Findings.Count > 5 ? ", ..." : string.Empty)}");
            return string.Create(CultureInfo.InvariantCulture, $"the allowlist entry for {Entry.Id}{where} expired on {Entry.Expires:yyyy-MM-dd}; {effect}. Renew it with a new reason and date, or fix the package.");
        }
    }

    /// <summary>The warning code front-ends log it with (TK4003).</summary>
    public static ErrorCode Code => ErrorCodes.AllowlistEntryExpired;
}

/// <summary>The decision of a gate, with the counts, what failed it and what was suppressed.</summary>
public sealed record GateResult
{
    public required GateDecision Decision { get; init; }

    public required IReadOnlyList<ScanResult> Scans { get; init; }

    /// <summary>The findings per severity of all complete scans, before anything is suppressed (every severity present, 0 when none).</summary>
    public required IReadOnlyDictionary<Severity, int> CountsBeforeSuppression { get; init; }

    /// <summary>The findings per severity that the gate counted.</summary>
    public required IReadOnlyDictionary<Severity, int> Counts { get; init; }

    /// <summary>The findings the gate counted, most severe first.</summary>
    public required IReadOnlyList<ImageFinding> Findings { get; init; }

    public required IReadOnlyList<GateViolation> Violations { get; init; }

    /// <summary>The scans that had no final findings, reported as warnings under <see cref="ScanUnavailableAction.Warn"/>.</summary>
    public required IReadOnlyList<GateViolation> Warnings { get; init; }

    public required IReadOnlyList<SuppressedFinding> Suppressed { get; init; }

    /// <summary>Allowlist entries that have expired; those that matched a finding list it (it is counted again).</summary>
    public required IReadOnlyList<ExpiredAllowlistEntry> ExpiredEntries { get; init; }

    /// <summary>The counted findings behind the violations (at or above the threshold, or of a severity over its maximum), most severe first.</summary>
    public IReadOnlyList<ImageFinding> ViolatingFindings
    {
        get
        {
            var behind = Violations.SelectMany(v => v.Findings).ToHashSet();
            return [.. Findings.Where(behind.Contains)];
        }
    }

    /// <summary>One line per reason for the decision, for logs and summaries.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    public DateTimeOffset EvaluatedAt { get; init; }
}
