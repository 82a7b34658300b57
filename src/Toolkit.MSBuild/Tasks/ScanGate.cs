using Microsoft.Build.Framework;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class ScanGate : ToolkitTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.ScanReportUnreadable, "Check the paths of ToolkitScanReport, ToolkitScanAllowlist, ToolkitScanVex and ToolkitScanPolicy.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);

        // Every file is read and the policy checked before any image is waited for.
        var gate = await Core.Scanning.Gate.ScanGate.LoadAsync(Options(), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        var summary = StepSummary
            ? GitHubStepSummary.Require(ProcessEnvironmentVariables.Instance, "ToolkitScanStepSummary=true", "write the report with ToolkitScanMarkdown")
            : null;
        var scans = Images.Length == 0 ? [] : await WaitAsync(loggerFactory, cancellationToken).ConfigureAwait(false);
        var outcome = await gate.EvaluateAsync(scans, cancellationToken).ConfigureAwait(false);
        if (summary is not null
            && await GitHubStepSummary.AppendAsync(summary, outcome.ToBytes(GateReportFormat.Markdown), cancellationToken).ConfigureAwait(false) is { } notWritten)
        {
            Log.LogWarning(null, ErrorCodes.StepSummaryNotWritten.Code, null, null, 0, 0, 0, 0, notWritten);
        }

        var result = outcome.Result;

        Decision = result.Decision.ToString();
        CountedFindings = result.Findings.Count;
        SuppressedFindings = result.Suppressed.Count;
        foreach (var warning in result.Warnings)
        {
            Log.LogWarning(null, warning.Code.Code, null, null, 0, 0, 0, 0, warning.Message);
        }

        foreach (var expired in result.ExpiredEntries)
        {
            Log.LogWarning(null, ExpiredAllowlistEntry.Code.Code, null, null, 0, 0, 0, 0, expired.Message);
        }

        foreach (var report in outcome.ReportsWritten)
        {
            Log.LogMessage(MessageImportance.High, "Scan gate report: {0}", report);
        }

        if (!outcome.Failed)
        {
            Log.LogMessage(MessageImportance.High, "Scan gate {0}: {1}", result.Decision.ToString().ToUpperInvariant(), string.Join("; ", result.Reasons));
            return;
        }

        // The gate's own error (TK4000, or TK4001 for scans without findings) comes from the task boundary; each finding
        // behind it is an error of its own, so the build summary shows what to fix.
        var violating = result.ViolatingFindings;
        foreach (var finding in violating.Take(Math.Max(0, TopFindings)))
        {
            Log.LogError(null, ErrorCodes.GateFailed.Code, null, null, 0, 0, 0, 0, finding.Describe());
        }

        if (violating.Count > TopFindings)
        {
            Log.LogMessage(MessageImportance.High, "... and {0} more finding(s) behind the failed gate; see the reports.", violating.Count - TopFindings);
        }

        outcome.ThrowIfFailed();
    }

    private ScanGateOptions Options() => new()
    {
        FailOn = Text(FailOn),
        MaxCounts = ScanGateOptions.ParseMaxCounts(MaxCounts.Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m.Trim())),
        IgnoreUnfixed = Text(IgnoreUnfixed) is { } ignore ? Flag(ignore, "ToolkitScanIgnoreUnfixed") : null,
        AllowlistPath = FullPath(Allowlist),
        VexPaths = [.. Vex.Select(FullPath).OfType<string>()],
        OnScanUnavailable = Text(OnScanUnavailable),
        PolicyPath = FullPath(Policy),
        ReportPaths = [.. Reports.Select(FullPath).OfType<string>()],
        JsonReportPath = FullPath(JsonReport),
        SarifReportPath = FullPath(SarifReport),
        MarkdownReportPath = FullPath(MarkdownReport),
    };

    private async Task<List<ScanResult>> WaitAsync(LogSink loggerFactory, CancellationToken cancellationToken)
    {
        var targets = Images.Where(i => !string.IsNullOrWhiteSpace(i)).Select(i => EcrImageTarget.Parse(i.Trim())).ToArray();
        var waitOptions = new EcrScanWaitOptions();
        if (Text(Timeout) is { } timeout)
        {
            waitOptions = waitOptions with { Timeout = DurationText.Parse(timeout, "ToolkitScanTimeout", allowZero: false) };
        }

        var scans = await EcrImageScans.WaitAsync(
                targets,
                AwsSettings.Connection(AwsRegion, AwsProfile, AwsEndpointUrl, loggerFactory),
                waitOptions,
                TimeProvider.System,
                loggerFactory.CreateLogger("Toolkit.Scan"),
                null,
                cancellationToken)
            .ConfigureAwait(false);
        return [.. scans.Select(s => s.Result)];
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool Flag(string value, string property) => value.ToUpperInvariant() switch
    {
        "TRUE" => true,
        "FALSE" => false,
        _ => throw new ToolkitException(ErrorCodes.InvalidOption, $"{property} is '{value}'; use true or false."),
    };

    private string? FullPath(string? path)
        => string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path.Trim(), string.IsNullOrWhiteSpace(ProjectDirectory) ? Environment.CurrentDirectory : ProjectDirectory);
}
