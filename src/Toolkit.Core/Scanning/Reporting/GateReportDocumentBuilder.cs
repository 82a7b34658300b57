using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>Maps a <see cref="GateResult"/> and its <see cref="GatePolicy"/> onto the JSON report.</summary>
internal static class GateReportDocumentBuilder
{
    public static GateReportDocument Build(GateResult result, GatePolicy policy, GateReportOptions options)
    {
        var scans = new ScanIndex(result.Scans);
        return new GateReportDocument
        {
            ReportVersion = GateReport.ReportVersion,
            Tool = new GateReportTool("dotnet-toolkit", options.ToolVersion),
            Decision = DecisionName(result.Decision),
            Reasons = result.Reasons,
            EvaluatedAt = GateReport.FormatTimestamp(result.EvaluatedAt),
            Policy = MapPolicy(policy),
            Scans = result.Scans.Select((s, i) => MapScan(s, i, result)).ToArray(),
            CountsBeforeSuppression = MapCounts(result.CountsBeforeSuppression),
            Counts = MapCounts(result.Counts),
            Violations = result.Violations.Select(v => MapViolation(v, scans)).ToArray(),
            Warnings = result.Warnings.Select(v => MapViolation(v, scans)).ToArray(),
            Findings = result.Findings.Select(f => MapFinding(f.Scan, f.Finding, scans)).ToArray(),
            Suppressed = result.Suppressed.Select(s => new GateReportSuppressedFinding
            {
                Finding = MapFinding(s.Scan, s.Finding, scans),
                Kind = SuppressionKindName(s.Kind),
                Reason = s.Reason,
                Expires = s.Expires is { } expires ? GateReport.FormatDate(expires) : null,
                Justification = s.Justification,
                Location = s.Location,
            }).ToArray(),
            ExpiredAllowlistEntries = result.ExpiredEntries.Select(e => new GateReportExpiredEntry
            {
                Id = e.Entry.Id,
                Reason = e.Entry.Reason,
                Expires = GateReport.FormatDate(e.Entry.Expires),
                Package = e.Entry.Package,
                Repository = e.Entry.Repository,
                Location = e.Entry.Location,
                Code = ExpiredAllowlistEntry.Code.Code,
                Findings = e.Findings.Select(f => MapFinding(f.Scan, f.Finding, scans)).ToArray(),
            }).ToArray(),
        };
    }

    public static string DecisionName(GateDecision decision) => decision switch
    {
        GateDecision.Pass => "pass",
        GateDecision.Warn => "warn",
        _ => "fail",
    };

    public static string OutcomeName(ScanOutcome outcome) => outcome switch
    {
        ScanOutcome.Complete => "complete",
        ScanOutcome.Failed => "failed",
        ScanOutcome.TimedOut => "timedOut",
        ScanOutcome.Unsupported => "unsupported",
        _ => "unavailable",
    };

    public static string SuppressionKindName(SuppressionKind kind) => kind switch
    {
        SuppressionKind.Vex => "vex",
        SuppressionKind.Allowlist => "allowlist",
        _ => "unfixed",
    };

    /// <summary>The documents VEX statements come from: their location up to the statement (<c>app.vex.json, statement 2</c> is <c>app.vex.json</c>).</summary>
    public static IReadOnlyList<string> VexSources(GatePolicy policy) => policy.Vex
        .Select(s => s.Location)
        .Where(l => !string.IsNullOrEmpty(l))
        .Select(l =>
        {
            var comma = l!.LastIndexOf(", ", StringComparison.Ordinal);
            return comma > 0 ? l[..comma] : l;
        })
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    private static GateReportPolicy MapPolicy(GatePolicy policy)
    {
        int? Max(Severity severity) => policy.MaxCounts.TryGetValue(severity, out var maximum) ? maximum : null;
        return new GateReportPolicy
        {
            FailOn = policy.FailOn is { } threshold ? SeverityText.ToName(threshold) : null,
            MaxCounts = new GateReportMaxCounts
            {
                Critical = Max(Severity.Critical),
                High = Max(Severity.High),
                Medium = Max(Severity.Medium),
                Low = Max(Severity.Low),
                Informational = Max(Severity.Informational),
                Undefined = Max(Severity.Undefined),
            },
            IgnoreUnfixed = policy.IgnoreUnfixed,
            OnScanUnavailable = policy.OnScanUnavailable == ScanUnavailableAction.Warn ? "warn" : "fail",
            Allowlist = new GateReportAllowlist { Source = policy.Allowlist.Source, Entries = policy.Allowlist.Entries.Count },
            Vex = new GateReportVex { Sources = VexSources(policy), Statements = policy.Vex.Count },
        };
    }

    private static GateReportScan MapScan(ScanResult scan, int index, GateResult result)
    {
        var complete = scan.Outcome == ScanOutcome.Complete;
        return new GateReportScan
        {
            Index = index,
            ImageDigest = scan.ImageDigest,
            Repository = scan.Repository,
            Platform = scan.Platform,
            Scanner = new GateReportScanner(scan.Scanner.Name, scan.Scanner.Version),
            Outcome = OutcomeName(scan.Outcome),
            StatusDescription = scan.StatusDescription,
            CompletedAt = scan.CompletedAt is { } completed ? GateReport.FormatTimestamp(completed) : null,
            CountsBeforeSuppression = complete ? CountOf(scan.Findings) : CountOf([]),
            Counts = CountOf(result.Findings.Where(f => ReferenceEquals(f.Scan, scan)).Select(f => f.Finding)),
        };
    }

    private static GateReportViolation MapViolation(GateViolation violation, ScanIndex scans) => new()
    {
        Kind = violation.Kind switch
        {
            ViolationKind.SeverityThreshold => "severityThreshold",
            ViolationKind.MaximumCount => "maximumCount",
            _ => "scanUnavailable",
        },
        Code = violation.Code.Code,
        Message = violation.Message,
        FindingIds = violation.Findings.Select(f => f.Finding.Id).Distinct(StringComparer.Ordinal).ToArray(),
        FindingCount = violation.Findings.Count,
        Scan = violation.Scan is null ? null : scans.IndexOf(violation.Scan),
    };

    internal static GateReportFinding MapFinding(ScanResult scan, Finding finding, ScanIndex scans) => new()
    {
        Scan = scans.IndexOf(scan) ?? -1,
        ImageDigest = scan.ImageDigest,
        Platform = scan.Platform,
        Id = finding.Id,
        Aliases = finding.Aliases,
        Severity = SeverityText.ToName(finding.Severity),
        SeverityText = finding.SeverityText,
        CvssScore = finding.CvssScore,
        CvssVector = finding.CvssVector,
        PackageName = finding.PackageName,
        PackageVersion = finding.PackageVersion,
        FixedVersion = finding.FixedVersion,
        FixAvailable = finding.FixAvailable switch
        {
            FixAvailability.Yes => "yes",
            FixAvailability.No => "no",
            FixAvailability.Partial => "partial",
            _ => "unknown",
        },
        ExploitAvailable = finding.ExploitAvailable,
        LayerDigest = finding.LayerDigest,
        Uri = finding.Uri,
        Title = finding.Title,
        Description = finding.Description,
        Source = finding.Source,
    };

    private static GateReportCounts MapCounts(IReadOnlyDictionary<Severity, int> counts)
    {
        int Of(Severity severity) => counts.TryGetValue(severity, out var count) ? count : 0;
        return new GateReportCounts
        {
            Critical = Of(Severity.Critical),
            High = Of(Severity.High),
            Medium = Of(Severity.Medium),
            Low = Of(Severity.Low),
            Informational = Of(Severity.Informational),
            Undefined = Of(Severity.Undefined),
        };
    }

    private static GateReportCounts CountOf(IEnumerable<Finding> findings)
    {
        var counts = Enum.GetValues<Severity>().ToDictionary(s => s, _ => 0);
        foreach (var finding in findings)
        {
            counts[finding.Severity]++;
        }

        return MapCounts(counts);
    }

    /// <summary>The position of each scan in the result, by reference (two scans may be equal records).</summary>
    internal sealed class ScanIndex(IReadOnlyList<ScanResult> scans)
    {
        private readonly Dictionary<ScanResult, int> _index = Build(scans);

        public int? IndexOf(ScanResult scan) => _index.TryGetValue(scan, out var index) ? index : null;

        private static Dictionary<ScanResult, int> Build(IReadOnlyList<ScanResult> scans)
        {
            var index = new Dictionary<ScanResult, int>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < scans.Count; i++)
            {
                index.TryAdd(scans[i], i);
            }

            return index;
        }    }
}
