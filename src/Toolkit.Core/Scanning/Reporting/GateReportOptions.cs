using System.Reflection;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>How gate reports are written. Every member has a default, so <c>new GateReportOptions()</c> is the usual choice.</summary>
public sealed record GateReportOptions
{
    /// <summary>The toolkit's version: the informational version of the engine assembly.</summary>
    public static string DefaultToolVersion { get; } =
        typeof(GateReportOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(GateReportOptions).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <summary>How many counted findings the Markdown summary lists (the rest are counted in an "and N more" line).</summary>
    public int TopFindings { get; init; } = 10;

    /// <summary>The version the reports name as the tool's (JSON <c>tool.version</c>, SARIF <c>tool.driver.version</c>).</summary>
    public string ToolVersion { get; init; } = DefaultToolVersion;

    /// <summary>Where the SARIF driver says to read about the tool (the package project URL by default).</summary>
    public Uri ToolInformationUri { get; init; } = new("https://example.invalid/toolkit");

    /// <summary>
    /// The artifact every SARIF result is located in, e.g. the Dockerfile or project that builds the image
    /// (<c>src/App/Dockerfile</c>, relative to the repository root). GitHub code scanning rejects results without a
    /// location and shows the alert on this file. When null, each result is located at its image's repository
    /// (<c>team/app</c>), or <c>container-image</c> when the scan does not name one.
    /// </summary>
    public string? SarifArtifactUri { get; init; }

    /// <summary>
    /// The least severe finding the SARIF report lists; null (the default) lists every finding, counted or suppressed.
    /// A finding behind a violation is listed whatever its severity, so a failed gate always shows why. Findings left
    /// out this way are counted in the run's properties (<c>belowMinimumSeverity</c>).
    /// </summary>
    public Severity? SarifMinimumSeverity { get; init; }

    /// <summary>
    /// The most results one SARIF run holds (GitHub code scanning accepts at most 25,000 per run). The most severe
    /// findings are kept, and the run's properties say how many were left out.
    /// </summary>
    public int MaxSarifResults { get; init; } = 25_000;

    /// <summary>The most bytes of Markdown (GitHub takes at most 1 MiB per step summary); longer summaries are cut at a line, with a note.</summary>
    public int MaxMarkdownBytes { get; init; } = 1024 * 1024;
}
