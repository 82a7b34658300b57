using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// Judges the scan findings of Amazon ECR images and of Trivy or Grype reports with a gate policy, writes the reports, and
/// fails the build when the gate fails. Parameters: see Toolkit.MSBuild.targets for the properties they come from.
/// </summary>
public sealed partial class ScanGate
{
    /// <summary>Amazon ECR image references (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com/repo:tag</c> or <c>@sha256:</c>) whose scans to wait for (<c>ToolkitScanImage</c>).</summary>
    public string[] Images { get; set; } = [];

    /// <summary>Trivy or Grype JSON reports (<c>ToolkitScanReport</c>), relative to <see cref="ProjectDirectory"/>.</summary>
    public string[] Reports { get; set; } = [];

    /// <summary><c>CRITICAL</c>, <c>HIGH</c>, <c>MEDIUM</c>, <c>LOW</c> or <c>INFORMATIONAL</c> (<c>ToolkitScanFailOn</c>); empty: the policy file's.</summary>
    public string? FailOn { get; set; }

    /// <summary>Maximum counts written <c>SEVERITY=N</c> (<c>ToolkitScanMaxCounts</c>, <c>;</c>-separated).</summary>
    public string[] MaxCounts { get; set; } = [];

    /// <summary><c>true</c> or <c>false</c> (<c>ToolkitScanIgnoreUnfixed</c>); empty: the policy file's, else false.</summary>
    public string? IgnoreUnfixed { get; set; }

    /// <summary>An allowlist file, JSON or YAML (<c>ToolkitScanAllowlist</c>).</summary>
    public string? Allowlist { get; set; }

    /// <summary>OpenVEX documents (<c>ToolkitScanVex</c>).</summary>
    public string[] Vex { get; set; } = [];

    /// <summary><c>fail</c> or <c>warn</c> (<c>ToolkitScanOnUnavailable</c>); empty: the policy file's, else fail.</summary>
    public string? OnScanUnavailable { get; set; }

    /// <summary>A gate policy file, JSON or YAML (<c>ToolkitScanPolicy</c>).</summary>
    public string? Policy { get; set; }

    /// <summary>How long to wait for each image's scan: <c>15m</c>, <c>900s</c>, <c>1h</c> or seconds (<c>ToolkitScanTimeout</c>); empty: 15 minutes.</summary>
    public string? Timeout { get; set; }

    /// <summary>Where to write the JSON report (<c>ToolkitScanJsonReport</c>); empty writes none.</summary>
    public string? JsonReport { get; set; }

    /// <summary>Where to write the SARIF 2.1.0 report (<c>ToolkitScanSarif</c>); empty writes none.</summary>
    public string? SarifReport { get; set; }

    /// <summary>Where to write the Markdown report (<c>ToolkitScanMarkdown</c>); empty writes none.</summary>
    public string? MarkdownReport { get; set; }

    /// <summary>Append the Markdown report to the GitHub Actions job summary (<c>GITHUB_STEP_SUMMARY</c>, <c>ToolkitScanStepSummary</c>).</summary>
    public bool StepSummary { get; set; }

    /// <summary>How many of the most severe findings behind a failed gate to log as their own errors (<c>ToolkitScanTopFindings</c>).</summary>
    public int TopFindings { get; set; } = 10;

    /// <summary>The AWS region (<c>ToolkitAwsRegion</c>).</summary>
    public string? AwsRegion { get; set; }

    /// <summary>The AWS profile (<c>ToolkitAwsProfile</c>).</summary>
    public string? AwsProfile { get; set; }

    /// <summary>A custom endpoint for the ECR API (<c>ToolkitAwsEndpointUrl</c>).</summary>
    public string? AwsEndpointUrl { get; set; }

    /// <summary>The folder relative paths are resolved from (<c>MSBuildProjectDirectory</c>).</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary><c>Pass</c>, <c>Warn</c> or <c>Fail</c>.</summary>
    [Output]
    public string Decision { get; set; } = string.Empty;

    /// <summary>The findings the gate counted.</summary>
    [Output]
    public int CountedFindings { get; set; }

    /// <summary>The findings the allowlist, VEX or ignore-unfixed suppressed.</summary>
    [Output]
    public int SuppressedFindings { get; set; }
}
