using Microsoft.Build.Framework;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Core.Diagnostics;
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
        var summary = StepSummary ? StepSummaryPath() : null;
        var scans = Images.Length == 0 ? [] : await WaitAsync(loggerFactory, cancellationToken).ConfigureAwait(false);
        var outcome = await gate.EvaluateAsync(scans, cancellationToken).ConfigureAwait(false);
        if (summary is not null)
        {
            await AppendStepSummaryAsync(summary, outcome, cancellationToken).ConfigureAwait(false);
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
            Log.LogWarning(null, ExpiredAllowlistEntry.Code.Code, null, null, 0, 0, 0, 0, DescribeExpired(expired));
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
        var violating = ViolatingFindings(result);
        foreach (var finding in violating.Take(Math.Max(0, TopFindings)))
        {
            Log.LogError(null, ErrorCodes.GateFailed.Code, null, null, 0, 0, 0, 0, DescribeFinding(finding));
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
            waitOptions = waitOptions with { Timeout = ParseTimeout(timeout) };
        }

        var connection = AwsSettings.Connection(AwsRegion, AwsProfile, AwsEndpointUrl, loggerFactory);
        var logger = loggerFactory.CreateLogger("Toolkit.Scan");
        var results = new List<ScanResult>();
        foreach (var registry in targets.GroupBy(t => t.Registry.Host, StringComparer.OrdinalIgnoreCase))
        {
            using var client = new EcrClient(AwsConnection.Resolve(EcrLogin.ConnectionFor(connection, registry.Key)));
            var scans = await new EcrImageScans(client, waitOptions, TimeProvider.System, logger)
                .WaitAsync([.. registry], null, cancellationToken)
                .ConfigureAwait(false);
            results.AddRange(scans.Select(s => s.Result));
        }

        return results;
    }

    private const string StepSummaryVariable = "GITHUB_STEP_SUMMARY";

    private static string StepSummaryPath() => Environment.GetEnvironmentVariable(StepSummaryVariable) is { Length: > 0 } path
        ? path
        : throw new ToolkitException(ErrorCodes.StepSummaryUnavailable, $"ToolkitScanStepSummary=true appends to the file named by {StepSummaryVariable}, which is not set (it is set in GitHub Actions steps). Leave ToolkitScanStepSummary empty, or write the report with ToolkitScanMarkdown.");

    private async System.Threading.Tasks.Task AppendStepSummaryAsync(string path, ScanGateOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(outcome.ToBytes(GateReportFormat.Markdown), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The decision stands; only its summary is missing.
            Log.LogWarning(null, ErrorCodes.StepSummaryNotWritten.Code, null, null, 0, 0, 0, 0, $"The step summary '{path}' could not be written: {e.Message}");
        }
    }

    // Pending the engine's own wording and duration parsing (requested in the scan-cli branch).
    private static List<ImageFinding> ViolatingFindings(GateResult result)
    {
        var behind = result.Violations.SelectMany(v => v.Findings).ToHashSet();
        return [.. result.Findings.Where(behind.Contains)];
    }

    private static string DescribeFinding(ImageFinding f)
    {
        var finding = f.Finding;
        var package = finding.PackageName is null ? string.Empty : $" ({finding.PackageName} {finding.PackageVersion}{(finding.FixedVersion is null ? string.Empty : $" → {finding.FixedVersion}")})";
        var image = f.Scan.Repository is null ? f.Scan.ImageDigest : $"{f.Scan.Repository}@{f.Scan.ImageDigest}";
        return $"{finding.Id}{package} {SeverityText.ToName(finding.Severity)} in {image}{(f.Scan.Platform is null ? string.Empty : $" ({f.Scan.Platform})")}";
    }

    private static string DescribeExpired(ExpiredAllowlistEntry expired)
        => $"allowlist entry for {expired.Entry.Id}{(expired.Entry.Location is null ? string.Empty : $" ({expired.Entry.Location})")} expired on {expired.Entry.Expires:yyyy-MM-dd} and no longer suppresses {expired.Findings.Count} finding(s)";

    private static TimeSpan ParseTimeout(string text)
    {
        var unit = text[^1];
        var (number, scale) = char.IsDigit(unit) ? (text, 1) : (text[..^1], unit switch { 's' => 1, 'm' => 60, 'h' => 3600, _ => 0 });
        return scale > 0 && int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds((double)value * scale)
            : throw new ToolkitException(ErrorCodes.InvalidOption, $"ToolkitScanTimeout is '{text}'; write a duration such as 15m, 900s, 1h or a number of seconds.");
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
