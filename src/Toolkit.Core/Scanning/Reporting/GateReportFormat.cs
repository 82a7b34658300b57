namespace Toolkit.Core.Scanning.Reporting;

/// <summary>The reports a gate run writes.</summary>
public enum GateReportFormat
{
    /// <summary>The whole result for machines (<c>docs/schemas/gate-report.schema.json</c>).</summary>
    Json = 0,

    /// <summary>A summary for people, sized for the GitHub Actions step summary.</summary>
    Markdown = 1,

    /// <summary>SARIF 2.1.0 for GitHub code scanning.</summary>
    Sarif = 2,
}
