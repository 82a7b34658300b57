using System.Text.Json.Serialization;

namespace Toolkit.Core.Scanning.Reporting;

// The JSON gate report (docs/schemas/gate-report.schema.json). Severities are the upper-case names policy files use
// (CRITICAL ... UNDEFINED); every other enumerated value is a lower camelCase word. Times are RFC 3339 UTC, whole
// seconds; dates are yyyy-MM-dd. Members without a value are left out.

/// <summary>The JSON gate report: the decision, the policy applied, every scan, the counts and every finding.</summary>
public sealed record GateReportDocument
{
    /// <summary>The version of this report's shape; it changes only when a member changes meaning or is removed.</summary>
    public required int ReportVersion { get; init; }

    public required GateReportTool Tool { get; init; }

    /// <summary><c>pass</c>, <c>warn</c> or <c>fail</c>.</summary>
    public required string Decision { get; init; }

    public required IReadOnlyList<string> Reasons { get; init; }

    public required string EvaluatedAt { get; init; }

    public required GateReportPolicy Policy { get; init; }

    public required IReadOnlyList<GateReportScan> Scans { get; init; }

    public required GateReportCounts CountsBeforeSuppression { get; init; }

    public required GateReportCounts Counts { get; init; }

    public required IReadOnlyList<GateReportViolation> Violations { get; init; }

    public required IReadOnlyList<GateReportViolation> Warnings { get; init; }

    /// <summary>The counted findings, most severe first.</summary>
    public required IReadOnlyList<GateReportFinding> Findings { get; init; }

    public required IReadOnlyList<GateReportSuppressedFinding> Suppressed { get; init; }

    public required IReadOnlyList<GateReportExpiredEntry> ExpiredAllowlistEntries { get; init; }
}

public sealed record GateReportTool(string Name, string Version);

/// <summary>Findings per severity; every severity is present.</summary>
public sealed record GateReportCounts
{
    [JsonPropertyName("CRITICAL")]
    public int Critical { get; init; }

    [JsonPropertyName("HIGH")]
    public int High { get; init; }

    [JsonPropertyName("MEDIUM")]
    public int Medium { get; init; }

    [JsonPropertyName("LOW")]
    public int Low { get; init; }

    [JsonPropertyName("INFORMATIONAL")]
    public int Informational { get; init; }

    [JsonPropertyName("UNDEFINED")]
    public int Undefined { get; init; }
}

/// <summary>The maximum counts a policy sets; a severity without a maximum is left out.</summary>
public sealed record GateReportMaxCounts
{
    [JsonPropertyName("CRITICAL")]
    public int? Critical { get; init; }

    [JsonPropertyName("HIGH")]
    public int? High { get; init; }

    [JsonPropertyName("MEDIUM")]
    public int? Medium { get; init; }

    [JsonPropertyName("LOW")]
    public int? Low { get; init; }

    [JsonPropertyName("INFORMATIONAL")]
    public int? Informational { get; init; }

    [JsonPropertyName("UNDEFINED")]
    public int? Undefined { get; init; }
}

public sealed record GateReportPolicy
{
    /// <summary>The threshold, or null when the policy has none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? FailOn { get; init; }

    public required GateReportMaxCounts MaxCounts { get; init; }

    public required bool IgnoreUnfixed { get; init; }

    /// <summary><c>fail</c> or <c>warn</c>.</summary>
    public required string OnScanUnavailable { get; init; }

    public required GateReportAllowlist Allowlist { get; init; }

    public required GateReportVex Vex { get; init; }
}

public sealed record GateReportAllowlist
{
    /// <summary>The file the entries were read from, when known.</summary>
    public string? Source { get; init; }

    public required int Entries { get; init; }
}

public sealed record GateReportVex
{
    /// <summary>The documents the statements come from, when known.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    public required int Statements { get; init; }
}

public sealed record GateReportScan
{
    /// <summary>The scan's position in <c>scans</c>, which findings refer to.</summary>
    public required int Index { get; init; }

    public string? ImageDigest { get; init; }

    public string? Repository { get; init; }

    public string? Platform { get; init; }

    public required GateReportScanner Scanner { get; init; }

    /// <summary><c>complete</c>, <c>failed</c>, <c>timedOut</c>, <c>unsupported</c> or <c>unavailable</c>.</summary>
    public required string Outcome { get; init; }

    public string? StatusDescription { get; init; }

    public string? CompletedAt { get; init; }

    /// <summary>The scan's findings per severity before suppression.</summary>
    public required GateReportCounts CountsBeforeSuppression { get; init; }

    /// <summary>The scan's findings per severity that the gate counted.</summary>
    public required GateReportCounts Counts { get; init; }
}

public sealed record GateReportScanner(string Name, string? Version);

/// <summary>A finding of one scanned image, with every member of the toolkit's finding model.</summary>
public sealed record GateReportFinding
{
    /// <summary>The index of the scan (in <c>scans</c>) the finding comes from.</summary>
    public required int Scan { get; init; }

    public string? ImageDigest { get; init; }

    public string? Platform { get; init; }

    public required string Id { get; init; }

    public required IReadOnlyList<string> Aliases { get; init; }

    public required string Severity { get; init; }

    public string? SeverityText { get; init; }

    public double? CvssScore { get; init; }

    public string? CvssVector { get; init; }

    public string? PackageName { get; init; }

    public string? PackageVersion { get; init; }

    public string? FixedVersion { get; init; }

    /// <summary><c>yes</c>, <c>no</c>, <c>partial</c> or <c>unknown</c>.</summary>
    public required string FixAvailable { get; init; }

    public bool? ExploitAvailable { get; init; }

    public string? LayerDigest { get; init; }

    public string? Uri { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public string? Source { get; init; }
}

public sealed record GateReportSuppressedFinding
{
    public required GateReportFinding Finding { get; init; }

    /// <summary><c>vex</c>, <c>allowlist</c> or <c>unfixed</c>.</summary>
    public required string Kind { get; init; }

    public required string Reason { get; init; }

    /// <summary>The allowlist entry's last day.</summary>
    public string? Expires { get; init; }

    /// <summary>The VEX justification and impact statement.</summary>
    public string? Justification { get; init; }

    /// <summary>Where the allowlist entry or VEX statement is written.</summary>
    public string? Location { get; init; }
}

public sealed record GateReportViolation
{
    /// <summary><c>severityThreshold</c>, <c>maximumCount</c> or <c>scanUnavailable</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The diagnostic code, e.g. <c>TK4000</c>.</summary>
    public required string Code { get; init; }

    public required string Message { get; init; }

    /// <summary>The ids of the findings behind the violation, each once, most severe first.</summary>
    public required IReadOnlyList<string> FindingIds { get; init; }

    /// <summary>How many findings are behind the violation (an id can stand for several packages or images).</summary>
    public required int FindingCount { get; init; }

    /// <summary>The index of the unavailable scan (in <c>scans</c>).</summary>
    public int? Scan { get; init; }
}

public sealed record GateReportExpiredEntry
{
    public required string Id { get; init; }

    public required string Reason { get; init; }

    public required string Expires { get; init; }

    public string? Package { get; init; }

    public string? Repository { get; init; }

    public string? Location { get; init; }

    /// <summary>The code front-ends warn with (<c>TK4003</c>).</summary>
    public required string Code { get; init; }

    /// <summary>The findings the entry would have suppressed; they are counted again.</summary>
    public required IReadOnlyList<GateReportFinding> Findings { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    IndentSize = 2,
    NewLine = "\n")]
[JsonSerializable(typeof(GateReportDocument))]
public sealed partial class GateReportJsonContext : JsonSerializerContext;
