using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;
using CakeLogLevel = global::Cake.Core.Diagnostics.LogLevel;

namespace Toolkit.Cake;

public static partial class ToolkitAliases
{
    /// <summary>
    /// Waits until the Amazon ECR scan findings of an image are final (basic and enhanced scanning; each platform manifest of
    /// an index on its own) and returns one result per image manifest. A scan that failed, is unsupported or unavailable, or
    /// did not finish in time fails with TK3101 (the results are on the inner exception's data as well as in the message).
    /// </summary>
    /// <example>
    /// <code>
    /// var scans = ToolkitScanWait("123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:1.0.0",
    ///     new ToolkitScanWaitSettings { Timeout = TimeSpan.FromMinutes(10) });
    /// foreach (var scan in scans)
    /// {
    ///     Information("{0} {1}: {2} findings", scan.ImageDigest, scan.Platform, scan.Findings.Count);
    /// }
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="image">An Amazon ECR image reference with a tag or digest.</param>
    /// <param name="settings">How long to wait and how to reach AWS; null stands for default settings.</param>
    /// <returns>The findings of each image manifest.</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("Scan")]
    [CakeNamespaceImport("Toolkit.Cake")]
    [CakeNamespaceImport("Toolkit.Core.Scanning")]
    public static IReadOnlyList<ScanResult> ToolkitScanWait(this ICakeContext context, string image, ToolkitScanWaitSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitScanWaitSettings();
        return RunAws<IReadOnlyList<ScanResult>>(context, loggerFactory =>
        {
            var scans = WaitForScans(context, [image ?? string.Empty], settings, loggerFactory);
            foreach (var scan in scans)
            {
                context.Log.Write(Verbosity.Normal, CakeLogLevel.Information, "{0}", scan.Describe());
            }

            EcrImageScan.ThrowIfNotFinal(scans);
            return [.. scans.Select(s => s.Result)];
        });
    }

    /// <summary>
    /// Runs the scan gate: waits for the Amazon ECR scans of <see cref="ToolkitScanGateSettings.Images"/>, reads the Trivy or
    /// Grype reports in <see cref="ToolkitScanGateSettings.Reports"/>, applies the policy (threshold, maximum counts,
    /// ignore-unfixed, allowlist, VEX, what to do when a scan has no findings, a policy file) and writes the reports asked for.
    /// A failed gate throws a <see cref="CakeException"/> with exit code 3 whose message starts with its code (TK4000, or TK4001
    /// when a scan without findings failed it) and lists the most severe findings behind it; its inner
    /// <see cref="GateFailedException"/> has the <see cref="GateResult"/>. Expired allowlist entries (TK4003) and scans without
    /// findings under <c>warn</c> (TK4002) are logged as warnings.
    /// </summary>
    /// <example>
    /// <code>
    /// var gate = ToolkitScanGate(new ToolkitScanGateSettings
    /// {
    ///     Images = { "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:1.0.0" },
    ///     Reports = { "artifacts/trivy.json" },
    ///     FailOn = "HIGH",
    ///     MaxCounts = { ["MEDIUM"] = 20 },
    ///     IgnoreUnfixed = true,
    ///     Allowlist = "security/allowlist.yaml",
    ///     Vex = { "security/app.vex.json" },
    ///     JsonReport = "artifacts/scan-gate.json",
    ///     SarifReport = "artifacts/scan-gate.sarif",
    ///     MarkdownReport = "artifacts/scan-gate.md",
    ///     Region = "eu-west-1",
    /// });
    /// Information("Scan gate: {0} ({1} findings counted)", gate.Decision, gate.Findings.Count);
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">What to judge and the policy; null stands for default settings, which fail because there is nothing to judge.</param>
    /// <returns>The gate's decision, counts, findings and suppressions (a pass or a warning; a failure throws).</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("Scan")]
    [CakeNamespaceImport("Toolkit.Cake")]
    [CakeNamespaceImport("Toolkit.Core.Scanning")]
    [CakeNamespaceImport("Toolkit.Core.Scanning.Gate")]
    public static GateResult ToolkitScanGate(this ICakeContext context, ToolkitScanGateSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitScanGateSettings();
        using var loggerFactory = CakeLog.For(context.Log);
        ScanGateOutcome outcome;
        try
        {
            // Every file is read and the policy checked before any image is waited for.
            var gate = ScanGate.LoadAsync(settings.ToOptions(context), TimeProvider.System, CancellationToken.None).GetAwaiter().GetResult();
            var summary = settings.StepSummary
                ? GitHubStepSummary.Require(new CakeEnvironmentVariables(context.Environment), "ToolkitScanGateSettings.StepSummary", "write the report with MarkdownReport")
                : null;
            IReadOnlyList<ScanResult> scans = settings.Images.Count == 0 ? [] : [.. WaitForScans(context, [.. settings.Images], settings, loggerFactory).Select(s => s.Result)];
            outcome = gate.EvaluateAsync(scans, CancellationToken.None).GetAwaiter().GetResult();
            if (summary is not null
                && GitHubStepSummary.AppendAsync(summary, outcome.ToBytes(GateReportFormat.Markdown), CancellationToken.None).GetAwaiter().GetResult() is { } notWritten)
            {
                context.Log.Write(Verbosity.Minimal, CakeLogLevel.Warning, "{0}", $"{ErrorCodes.StepSummaryNotWritten.Code}: {notWritten}");
            }
        }
        catch (ToolkitException e)
        {
            throw new CakeException((int)e.Kind, $"{e.Code}: {e.Message}", e);
        }

        var result = outcome.Result;
        foreach (var warning in result.Warnings)
        {
            context.Log.Write(Verbosity.Minimal, CakeLogLevel.Warning, "{0}", $"{warning.Code}: {warning.Message}");
        }

        foreach (var expired in result.ExpiredEntries)
        {
            context.Log.Write(Verbosity.Minimal, CakeLogLevel.Warning, "{0}", $"{ExpiredAllowlistEntry.Code}: {expired.Message}");
        }

        foreach (var report in outcome.ReportsWritten)
        {
            context.Log.Write(Verbosity.Normal, CakeLogLevel.Information, "{0}", $"Scan gate report: {report}");
        }

        context.Log.Write(
            Verbosity.Normal,
            result.Decision == GateDecision.Pass ? CakeLogLevel.Information : CakeLogLevel.Warning,
            "{0}",
            $"Scan gate {result.Decision.ToString().ToUpperInvariant()}: {string.Join("; ", result.Reasons)}");

        if (outcome.Failed)
        {
            var failure = new GateFailedException(result);
            var top = result.ViolatingFindings.Take(Math.Max(0, settings.TopFindings)).ToArray();
            var more = result.ViolatingFindings.Count - top.Length;
            var lines = top.Select(f => $"{Environment.NewLine}  {f.Describe()}");
            throw new CakeException(
                (int)failure.Kind,
                $"{failure.Code}: {failure.Message}{string.Concat(lines)}{(more > 0 ? $"{Environment.NewLine}  and {more} more" : string.Empty)}",
                failure);
        }

        return result;
    }

    private static IReadOnlyList<EcrImageScan> WaitForScans(ICakeContext context, IReadOnlyList<string> references, ToolkitScanWaitSettings settings, ILoggerFactory loggerFactory)
    {
        var targets = references.Select(r => EcrImageTarget.Parse(r.Trim())).ToArray();
        var scans = EcrImageScans.WaitAsync(
                targets,
                settings.ToConnectionOptions(context, loggerFactory),
                settings.ToWaitOptions(),
                TimeProvider.System,
                loggerFactory.CreateLogger("Toolkit.Scan"),
                null,
                CancellationToken.None)
            .GetAwaiter().GetResult();
        return scans;
    }
}

/// <summary>
/// Settings of <see cref="ToolkitAliases.ToolkitScanWait"/> (and the waiting of <see cref="ToolkitAliases.ToolkitScanGate"/>): how long
/// to wait, and how to reach AWS (<see cref="ToolkitAwsSettings"/>).
/// </summary>
public class ToolkitScanWaitSettings : ToolkitAwsSettings
{
    /// <summary>How long to wait for each image's findings; null: 15 minutes.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>How long <c>ScanNotFoundException</c> right after a push is waited out before a basic scan is started; null: 60 seconds.</summary>
    public TimeSpan? ScanNotFoundGracePeriod { get; set; }

    internal EcrScanWaitOptions ToWaitOptions()
    {
        var options = new EcrScanWaitOptions();
        return options with
        {
            Timeout = Timeout ?? options.Timeout,
            ScanNotFoundGracePeriod = ScanNotFoundGracePeriod ?? options.ScanNotFoundGracePeriod,
        };
    }
}

/// <summary>
/// Settings of <see cref="ToolkitAliases.ToolkitScanGate"/>: the scans to judge, the policy and the reports. A setting left null
/// takes the policy file's value (<see cref="Policy"/>), else the default. Paths are relative to the Cake working directory.
/// </summary>
public sealed class ToolkitScanGateSettings : ToolkitScanWaitSettings
{
    /// <summary>Amazon ECR image references (with a tag or digest) whose scans to wait for and judge.</summary>
    public ICollection<string> Images { get; } = [];

    /// <summary>Trivy (<c>trivy image --format json</c>) or Grype (<c>grype -o json</c>) JSON reports to judge.</summary>
    public ICollection<FilePath> Reports { get; } = [];

    /// <summary><c>CRITICAL</c>, <c>HIGH</c>, <c>MEDIUM</c>, <c>LOW</c> or <c>INFORMATIONAL</c>: fail on a counted finding at or above it.</summary>
    public string? FailOn { get; set; }

    /// <summary>The most counted findings allowed per severity, e.g. <c>["CRITICAL"] = 0</c>, <c>["MEDIUM"] = 5</c>.</summary>
    public IDictionary<string, int> MaxCounts { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Do not count findings the scanner says have no fix.</summary>
    public bool? IgnoreUnfixed { get; set; }

    /// <summary>An allowlist file (JSON, or YAML when named <c>.yaml</c>/<c>.yml</c>): accepted vulnerabilities with a reason and an expiry date.</summary>
    public FilePath? Allowlist { get; set; }

    /// <summary>OpenVEX documents whose <c>not_affected</c> and <c>fixed</c> statements suppress findings.</summary>
    public ICollection<FilePath> Vex { get; } = [];

    /// <summary><c>fail</c> (the default) or <c>warn</c>: what to do when a scan failed, timed out, is unsupported or has no findings.</summary>
    public string? OnScanUnavailable { get; set; }

    /// <summary>A gate policy file (JSON or YAML, <c>version: 1</c>); the settings above override its values.</summary>
    public FilePath? Policy { get; set; }

    /// <summary>Where to write the gate report as JSON.</summary>
    public FilePath? JsonReport { get; set; }

    /// <summary>Where to write the gate report as SARIF 2.1.0 (GitHub code scanning).</summary>
    public FilePath? SarifReport { get; set; }

    /// <summary>Where to write the gate report as Markdown.</summary>
    public FilePath? MarkdownReport { get; set; }

    /// <summary>Append the Markdown report to the GitHub Actions job summary (the file <c>GITHUB_STEP_SUMMARY</c> names; TK4022 when it is not set).</summary>
    public bool StepSummary { get; set; }

    /// <summary>How many of the most severe findings behind a failed gate the error lists.</summary>
    public int TopFindings { get; set; } = 10;

    internal ScanGateOptions ToOptions(ICakeContext context)
    {
        var root = context.Environment.WorkingDirectory;
        string? Full(FilePath? path) => path?.MakeAbsolute(root).FullPath;
        return new ScanGateOptions
        {
            FailOn = string.IsNullOrWhiteSpace(FailOn) ? null : FailOn.Trim(),
            MaxCounts = ScanGateOptions.ParseMaxCounts(MaxCounts.Select(m => $"{m.Key}={m.Value}")),
            IgnoreUnfixed = IgnoreUnfixed,
            AllowlistPath = Full(Allowlist),
            VexPaths = [.. Vex.Select(v => Full(v)!)],
            OnScanUnavailable = string.IsNullOrWhiteSpace(OnScanUnavailable) ? null : OnScanUnavailable.Trim(),
            PolicyPath = Full(Policy),
            ReportPaths = [.. Reports.Select(r => Full(r)!)],
            JsonReportPath = Full(JsonReport),
            SarifReportPath = Full(SarifReport),
            MarkdownReportPath = Full(MarkdownReport),
        };
    }
}
