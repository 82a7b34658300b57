using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Core.Scanning.Reports;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// The scan gate every front-end runs: <see cref="LoadAsync"/> reads the policy file, allowlist, VEX documents and scanner
/// reports the options name and builds the <see cref="GatePolicy"/> (so a mistake in any of them is reported before an image
/// is waited for), then <see cref="EvaluateAsync"/> evaluates the scan results and writes the requested reports.
/// <para>
/// A failed gate is a result, not an exception: <see cref="ScanGateOutcome.Result"/> has <see cref="GateDecision.Fail"/>,
/// and front-ends report it and end with <see cref="ScanGateOutcome.ThrowIfFailed"/> (a <see cref="GateFailedException"/>,
/// exit code 3) after writing their own output.
/// </para>
/// </summary>
public sealed class ScanGate
{
    private readonly TimeProvider _time;

    private ScanGate(ScanGateOptions options, GatePolicy policy, GatePolicyFile? policyFile, IReadOnlyList<ScanResult> reportScans, TimeProvider time)
    {
        Options = options;
        Policy = policy;
        PolicyFile = policyFile;
        ReportScans = reportScans;
        _time = time;
    }

    public ScanGateOptions Options { get; }

    /// <summary>The policy applied: the policy file's settings with the options' on top, allowlist and VEX read.</summary>
    public GatePolicy Policy { get; }

    /// <summary>The policy file as read, when one was given.</summary>
    public GatePolicyFile? PolicyFile { get; }

    /// <summary>The scan results read from <see cref="ScanGateOptions.ReportPaths"/> (Trivy or Grype), in order.</summary>
    public IReadOnlyList<ScanResult> ReportScans { get; }

    /// <summary>
    /// Reads every file the options name and checks the policy: a gate needs a threshold or a maximum count (TK4018); a wrong
    /// severity, count or <c>onScanUnavailable</c> is TK4004; each file has its own codes (TK4010-TK4017, TK4020-TK4021,
    /// TK4030-TK4031).
    /// </summary>
    public static async Task<ScanGate> LoadAsync(ScanGateOptions options, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policyFile = options.PolicyPath is { } policyPath
            ? await GatePolicyFileReader.ReadAsync(policyPath, cancellationToken).ConfigureAwait(false)
            : null;

        var failOn = options.FailOn is { } text ? GatePolicy.ParseThreshold(text) : policyFile?.FailOn;
        var maxCounts = new Dictionary<Severity, int>();
        foreach (var (severity, count) in policyFile?.MaxCounts ?? new Dictionary<Severity, int>())
        {
            maxCounts[severity] = count;
        }

        foreach (var (severity, count) in options.MaxCounts)
        {
            maxCounts[severity] = count;
        }

        var onUnavailable = options.OnScanUnavailable is { } action
            ? GatePolicy.ParseScanUnavailableAction(action)
            : policyFile?.OnScanUnavailable ?? ScanUnavailableAction.Fail;

        if (failOn is null && maxCounts.Count == 0)
        {
            throw new ToolkitException(
                ErrorCodes.GateHasNoRule,
                "The scan gate has nothing to decide on: give a severity to fail on (--fail-on HIGH) or a maximum count (--max CRITICAL=0), on the command line or in the policy file (failOn, maxCounts).");
        }

        var allowlistPath = options.AllowlistPath ?? policyFile?.Allowlist;
        var allowlist = allowlistPath is null
            ? Allowlist.Empty
            : await AllowlistReader.ReadAsync(allowlistPath, cancellationToken).ConfigureAwait(false);

        var vex = new List<VexStatement>();
        foreach (var path in (policyFile?.Vex ?? []).Concat(options.VexPaths).Distinct(StringComparer.Ordinal))
        {
            vex.AddRange(await VexReader.ReadAsync(path, cancellationToken).ConfigureAwait(false));
        }

        var policy = new GatePolicy
        {
            FailOn = failOn,
            MaxCounts = maxCounts,
            IgnoreUnfixed = options.IgnoreUnfixed ?? policyFile?.IgnoreUnfixed ?? false,
            Allowlist = allowlist,
            Vex = vex,
            OnScanUnavailable = onUnavailable,
        };
        policy.Validate();

        var reports = new List<ScanResult>();
        foreach (var path in options.ReportPaths)
        {
            reports.Add(await ScanReportReader.ReadAsync(path, cancellationToken).ConfigureAwait(false));
        }

        return new ScanGate(options, policy, policyFile, reports, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Evaluates <see cref="ReportScans"/> followed by <paramref name="scans"/> (e.g. the ECR results of a wait) and writes the
    /// reports the options ask for (<see cref="GateReport.WriteFileAsync"/>; TK4040 when one cannot be written). No scan result
    /// at all is TK4019. A failed gate is returned, not thrown.
    /// </summary>
    public async Task<ScanGateOutcome> EvaluateAsync(IReadOnlyList<ScanResult>? scans, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<ScanResult> all = [.. ReportScans, .. scans ?? []];
        if (all.Count == 0)
        {
            throw new ToolkitException(ErrorCodes.GateHasNoInput, "The scan gate has no scan results to evaluate. Give images to wait for (--image) or scanner reports (--report).");
        }

        var result = GateEvaluator.Evaluate(all, Policy, _time);
        var written = new List<string>();
        foreach (var (format, path) in new[]
        {
            (GateReportFormat.Json, Options.JsonReportPath),
            (GateReportFormat.Markdown, Options.MarkdownReportPath),
            (GateReportFormat.Sarif, Options.SarifReportPath),
        })
        {
            if (path is not null)
            {
                await GateReport.WriteFileAsync(result, Policy, format, path, Options.ReportOptions, cancellationToken).ConfigureAwait(false);
                written.Add(path);
            }
        }

        return new ScanGateOutcome(result, Policy, written);
    }
}

/// <summary>The end of a gate run: the decision, the policy it applied and the report files written.</summary>
public sealed record ScanGateOutcome(GateResult Result, GatePolicy Policy, IReadOnlyList<string> ReportsWritten)
{
    /// <summary>The JSON report document of this run (serialize it with <see cref="GateReport.DocumentTypeInfo"/>).</summary>
    public GateReportDocument CreateDocument(GateReportOptions? options = null) => GateReport.CreateDocument(Result, Policy, options);

    /// <summary>The report in <paramref name="format"/> as bytes (e.g. the Markdown for a GitHub step summary).</summary>
    public byte[] ToBytes(GateReportFormat format, GateReportOptions? options = null) => GateReport.ToBytes(Result, Policy, format, options);

    public bool Failed => Result.Decision == GateDecision.Fail;

    /// <summary>Throws <see cref="GateFailedException"/> (TK4000, or TK4001 when only unavailable scans failed it) when the gate failed.</summary>
    public void ThrowIfFailed()
    {
        if (Failed)
        {
            throw new GateFailedException(Result);
        }
    }
}
