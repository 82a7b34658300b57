using System.Globalization;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning.Reporting;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// A scan gate as front-ends take it (command-line options, Cake settings, MSBuild properties), before any file is read.
/// Values given here override those of the policy file (<see cref="PolicyPath"/>); VEX documents of both are used.
/// </summary>
public sealed record ScanGateOptions
{
    /// <summary><c>CRITICAL</c>, <c>HIGH</c>, <c>MEDIUM</c>, <c>LOW</c> or <c>INFORMATIONAL</c> (case-insensitive); null: the policy file's.</summary>
    public string? FailOn { get; init; }

    /// <summary>The most counted findings per severity; each overrides the policy file's maximum of that severity.</summary>
    public IReadOnlyDictionary<Severity, int> MaxCounts { get; init; } = new Dictionary<Severity, int>();

    /// <summary>True or false overrides the policy file; null: the policy file's, else false.</summary>
    public bool? IgnoreUnfixed { get; init; }

    /// <summary>An allowlist file (JSON or YAML); overrides the policy file's.</summary>
    public string? AllowlistPath { get; init; }

    /// <summary>OpenVEX documents, used together with those the policy file names.</summary>
    public IReadOnlyList<string> VexPaths { get; init; } = [];

    /// <summary><c>fail</c> or <c>warn</c>; null: the policy file's, else fail.</summary>
    public string? OnScanUnavailable { get; init; }

    /// <summary>A gate policy file (JSON or YAML, see <see cref="GatePolicyFileReader"/>).</summary>
    public string? PolicyPath { get; init; }

    /// <summary>Trivy or Grype JSON reports to read as scan results (besides any the caller passes in).</summary>
    public IReadOnlyList<string> ReportPaths { get; init; } = [];

    /// <summary>Where to write the gate report as JSON, when asked.</summary>
    public string? JsonReportPath { get; init; }

    /// <summary>Where to write the gate report as Markdown (e.g. for a GitHub step summary), when asked.</summary>
    public string? MarkdownReportPath { get; init; }

    /// <summary>Where to write the gate report as SARIF 2.1.0 (GitHub code scanning), when asked.</summary>
    public string? SarifReportPath { get; init; }

    /// <summary>How the reports are written (top findings, SARIF artifact URI, ...); the defaults when null.</summary>
    public GateReportOptions? ReportOptions { get; init; }

    /// <summary>
    /// Parses maximum counts written <c>SEVERITY=N</c> (e.g. <c>CRITICAL=0</c>, <c>medium=5</c>), as options and MSBuild
    /// properties give them; a later one for the same severity wins. A wrong severity or count is TK4004.
    /// </summary>
    public static IReadOnlyDictionary<Severity, int> ParseMaxCounts(IEnumerable<string>? values)
    {
        var result = new Dictionary<Severity, int>();
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? value : value[..equals];
            if (equals < 0 || !SeverityText.TryParseName(name, out var severity))
            {
                throw new ToolkitException(ErrorCodes.InvalidGatePolicy, $"'{value}' is not a maximum count. Write SEVERITY=N, e.g. CRITICAL=0 or MEDIUM=5 (severities: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED).");
            }

            if (!int.TryParse(value[(equals + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new ToolkitException(ErrorCodes.InvalidGatePolicy, $"'{value}' is not a maximum count: the count must be a whole number of 0 or more.");
            }

            result[severity] = count;
        }

        return result;
    }
}
