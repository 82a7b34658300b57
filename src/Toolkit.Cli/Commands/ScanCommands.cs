using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;

namespace Toolkit.Cli.Commands;

/// <summary><c>dotnet toolkit scan ...</c>: wait for Amazon ECR scan findings, and gate images on their findings.</summary>
internal static class ScanCommands
{
    public static Command Create(CliHost host)
    {
        var scan = new Command("scan", "Wait for Amazon ECR scan findings and gate images on them (or on Trivy and Grype reports).");
        scan.Add(CreateWait(host));
        scan.Add(CreateGate(host));
        return scan;
    }

    /// <summary>The options <c>scan wait</c> and <c>scan gate --image</c> share.</summary>
    private sealed class WaitOptions
    {
        public Option<string[]> Images { get; } = new("--image")
        {
            Description = "An Amazon ECR image, <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>; each platform of an index is waited for separately. Repeatable.",
        };

        public Option<string> Timeout { get; } = new("--timeout")
        {
            Description = "How long to wait for each image's findings: 15m, 900s, 1h, 1h30m or plain seconds.",
            DefaultValueFactory = _ => "15m",
        };

        public Option<string> ScanNotFoundGrace { get; } = new("--scan-not-found-grace")
        {
            Description = "How long 'no scan yet' (ScanNotFoundException) right after a push is waited out before a basic scan is started: 60s, 2m, ...",
            DefaultValueFactory = _ => "60s",
        };

        public void AddTo(Command command)
        {
            command.Add(Images);
            command.Add(Timeout);
            command.Add(ScanNotFoundGrace);
        }

        public EcrScanWaitOptions ToWaitOptions(ParseResult parseResult) => new()
        {
            Timeout = DurationText.Parse(parseResult.GetValue(Timeout)!, "--timeout", allowZero: false),
            ScanNotFoundGracePeriod = DurationText.Parse(parseResult.GetValue(ScanNotFoundGrace)!, "--scan-not-found-grace", allowZero: true),
        };

        public IReadOnlyList<EcrImageTarget> Targets(ParseResult parseResult)
            => [.. (parseResult.GetValue(Images) ?? []).Select(EcrImageTarget.Parse)];
    }

    private static Command CreateWait(CliHost host)
    {
        var wait = new WaitOptions();
        wait.Images.Required = true;
        var command = new Command("wait", "Wait until the scan findings of Amazon ECR images are final (basic and enhanced scanning), then print each image's status and counts by severity. Exit 0 when every image's findings are final, else 1 (TK3101).");
        wait.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = wait.ToWaitOptions(parseResult);
            var targets = wait.Targets(parseResult);
            var started = TimeProvider.System.GetTimestamp();
            var scans = await WaitAsync(host, parseResult, targets, options, cancellationToken).ConfigureAwait(false);
            await WriteWaitAsync(host, parseResult, scans, TimeProvider.System.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);

            EcrImageScan.ThrowIfNotFinal(scans);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateGate(CliHost host)
    {
        var wait = new WaitOptions();
        var reports = new Option<string[]>("--report") { Description = "A Trivy (trivy image --format json) or Grype (grype -o json) report to gate on. Repeatable." };
        var failOn = new Option<string?>("--fail-on") { Description = "Fail on a counted finding at or above CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL." };
        var max = new Option<string[]>("--max") { Description = "The most counted findings of a severity, SEVERITY=N (e.g. CRITICAL=0, MEDIUM=5). Repeatable." };
        var ignoreUnfixed = new Option<bool>("--ignore-unfixed") { Description = "Do not count findings the scanner says have no fix (unknown fix information still counts); --ignore-unfixed false overrides the policy file." };
        var allowlist = new Option<string?>("--allowlist") { Description = "An allowlist file (JSON, or YAML named .yaml/.yml) of accepted vulnerabilities, each with a reason and an expiry date." };
        var vex = new Option<string[]>("--vex") { Description = "An OpenVEX document whose not_affected and fixed statements suppress findings. Repeatable." };
        var onUnavailable = new Option<string?>("--on-scan-unavailable") { Description = "fail (default) or warn when a scan failed, timed out, is unsupported or has no findings." };
        var policy = new Option<string?>("--policy") { Description = "A gate policy file (JSON or YAML, version 1: failOn, maxCounts, ignoreUnfixed, onScanUnavailable, allowlist, vex); options override it." };
        var jsonReport = new Option<string?>("--json-report") { Description = "Write the gate report as JSON to this file." };
        var sarif = new Option<string?>("--sarif") { Description = "Write the gate report as SARIF 2.1.0 (GitHub code scanning) to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the gate report as Markdown to this file." };
        var stepSummary = new Option<bool>("--step-summary") { Description = $"Append the Markdown report to the GitHub Actions step summary (${GitHubStepSummary.Variable})." };
        var command = new Command("gate", "Decide whether images may go on from their findings: Amazon ECR scans (--image, waited for first) and Trivy or Grype reports (--report). Exit 0 pass (or warn), 3 when the gate fails, 1 on errors, 2 on usage.");
        wait.AddTo(command);
        command.Add(reports);
        command.Add(failOn);
        command.Add(max);
        command.Add(ignoreUnfixed);
        command.Add(allowlist);
        command.Add(vex);
        command.Add(onUnavailable);
        command.Add(policy);
        command.Add(jsonReport);
        command.Add(sarif);
        command.Add(markdown);
        command.Add(stepSummary);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Everything the command line and the files can get wrong is reported before any image is waited for.
            var summaryPath = parseResult.GetValue(stepSummary)
                ? GitHubStepSummary.Require(ProcessEnvironmentVariables.Instance, "--step-summary", "write the report with --markdown <file>")
                : null;
            var targets = wait.Targets(parseResult);
            var waitOptions = wait.ToWaitOptions(parseResult);
            var options = new ScanGateOptions
            {
                FailOn = parseResult.GetValue(failOn),
                MaxCounts = ScanGateOptions.ParseMaxCounts(parseResult.GetValue(max)),
                IgnoreUnfixed = parseResult.GetResult(ignoreUnfixed) is null ? null : parseResult.GetValue(ignoreUnfixed),
                AllowlistPath = parseResult.GetValue(allowlist),
                VexPaths = parseResult.GetValue(vex) ?? [],
                OnScanUnavailable = parseResult.GetValue(onUnavailable),
                PolicyPath = parseResult.GetValue(policy),
                ReportPaths = parseResult.GetValue(reports) ?? [],
                JsonReportPath = parseResult.GetValue(jsonReport),
                SarifReportPath = parseResult.GetValue(sarif),
                MarkdownReportPath = parseResult.GetValue(markdown),
            };
            if (targets.Count == 0 && options.ReportPaths.Count == 0)
            {
                throw new ToolkitException(ErrorCodes.GateHasNoInput, "The scan gate has no scan results to evaluate. Give images to wait for (--image) or scanner reports (--report).");
            }

            var gate = await ScanGate.LoadAsync(options, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            var scans = targets.Count == 0 ? [] : await WaitAsync(host, parseResult, targets, waitOptions, cancellationToken).ConfigureAwait(false);
            var outcome = await gate.EvaluateAsync([.. scans.Select(s => s.Result)], cancellationToken).ConfigureAwait(false);
            if (summaryPath is not null)
            {
                await AppendStepSummaryAsync(host, summaryPath, outcome, cancellationToken).ConfigureAwait(false);
            }

            await WriteGateAsync(host, parseResult, outcome, cancellationToken).ConfigureAwait(false);
            outcome.ThrowIfFailed();
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Task<IReadOnlyList<EcrImageScan>> WaitAsync(CliHost host, ParseResult parseResult, IReadOnlyList<EcrImageTarget> targets, EcrScanWaitOptions options, CancellationToken cancellationToken)
        => EcrImageScans.WaitAsync(
            targets,
            host.AwsConnection(parseResult),
            options,
            TimeProvider.System,
            host.LoggerFactory.CreateLogger("scan"),
            ShowsWaitProgress(host, parseResult) ? new WaitProgress(host) : null,
            cancellationToken);

    /// <summary>One line on standard error per change of an image's wait, unless the output is JSON or the verbosity quiet.</summary>
    private static bool ShowsWaitProgress(CliHost host, ParseResult parseResult)
        => !host.Json(parseResult) && host.Globals.Verbosity(parseResult) < LogLevel.Error;

    private sealed class WaitProgress(CliHost host) : IProgress<ScanWaitProgress>
    {
        private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public void Report(ScanWaitProgress value)
        {
            var key = $"{value.RepositoryName}@{value.ImageDigest}";
            var state = $"{value.Status?.Value}|{value.Message}";
            lock (_gate)
            {
                if (_last.TryGetValue(key, out var last) && last == state)
                {
                    return;
                }

                _last[key] = state;
            }

            var status = value.Status is { } s ? $" ({s.Value})" : string.Empty;
            host.ErrorConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{value.RepositoryName}@{Short(value.ImageDigest)}: {value.Message}{status} after {value.Elapsed.TotalSeconds:0} s, {value.Polls} poll(s)"));
        }
    }

    private static async Task WriteWaitAsync(CliHost host, ParseResult parseResult, IReadOnlyList<EcrImageScan> scans, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["final"] = scans.All(s => s.Wait.Outcome == EcrScanWaitOutcome.Complete),
                ["images"] = new JsonArray([.. scans.Select(s => (JsonNode)new JsonObject
                {
                    ["reference"] = s.Target.Reference,
                    ["repository"] = s.Wait.RepositoryName,
                    ["digest"] = s.Wait.ImageDigest,
                    ["platform"] = s.Image.Platform,
                    ["outcome"] = JsonNamingPolicy.CamelCase.ConvertName(s.Wait.Outcome.ToString()),
                    ["status"] = s.Wait.Status?.Value,
                    ["description"] = s.Wait.Description,
                    ["scanner"] = s.Result.Scanner.Name,
                    ["scanType"] = s.Wait.ScanType?.Value,
                    ["mode"] = JsonNamingPolicy.CamelCase.ConvertName(s.Wait.Mode.ToString()),
                    ["scanStarted"] = s.Wait.ScanStarted,
                    ["waitedSeconds"] = Math.Round((s.Wait.DecidedAt - s.Wait.StartedAt).TotalSeconds, 1),
                    ["polls"] = s.Wait.Polls,
                    ["calls"] = s.Wait.Calls,
                    ["completedAt"] = s.Result.CompletedAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    ["findings"] = s.Result.Findings.Count,
                    ["counts"] = Counts(s.Result),
                })]),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var scan in scans)
        {
            await host.Output.WriteLineAsync(scan.Describe().AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        var final = scans.Count(s => s.Wait.Outcome == EcrScanWaitOutcome.Complete);
        await host.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{final} of {scans.Count} image(s) have final findings ({elapsed.TotalSeconds:0.0} s).").AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteGateAsync(CliHost host, ParseResult parseResult, ScanGateOutcome outcome, CancellationToken cancellationToken)
    {
        var result = outcome.Result;
        if (host.Json(parseResult))
        {
            var document = JsonSerializer.SerializeToNode(outcome.CreateDocument(), GateReport.DocumentTypeInfo)!;
            await host.WriteJsonAsync(document, cancellationToken).ConfigureAwait(false);
        }

        foreach (var warning in result.Warnings)
        {
            host.ErrorConsole.WriteLine($"warning {warning.Code.Code}: {warning.Message}");
        }

        foreach (var expired in result.ExpiredEntries)
        {
            host.ErrorConsole.WriteLine($"warning {ExpiredAllowlistEntry.Code.Code}: {expired.Message}");
        }

        if (host.Json(parseResult) || host.Globals.Verbosity(parseResult) >= LogLevel.Error)
        {
            return;
        }

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Scan gate: {result.Decision.ToString().ToUpperInvariant()} ({result.Scans.Count} scan(s); counted {CountsText(result.Counts)}; {result.Suppressed.Count} suppressed)"),
        };
        lines.AddRange(result.Reasons.Select(r => $"  - {r}"));
        if (result.Findings.Count > 0)
        {
            lines.Add("Top findings:");
            foreach (var item in result.Findings.Take(10))
            {
                var f = item.Finding;
                var score = f.CvssScore is { } cvss ? cvss.ToString("0.0", CultureInfo.InvariantCulture) : "-";
                var fix = f.FixedVersion is null ? string.Empty : $" -> {f.FixedVersion}";
                var where = item.Scan.Platform ?? item.Scan.Repository ?? Short(item.Scan.ImageDigest);
                lines.Add($"  {SeverityText.ToName(f.Severity),-13} {score,4}  {f.Id}  {f.PackageName} {f.PackageVersion}{fix}  [{where}]");
            }

            if (result.Findings.Count > 10)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  ... and {result.Findings.Count - 10} more (see --json-report, --markdown or --sarif)"));
            }
        }

        if (result.Suppressed.Count > 0)
        {
            lines.Add("Suppressed:");
            foreach (var s in result.Suppressed.Take(20))
            {
                var detail = s.Kind switch
                {
                    SuppressionKind.Allowlist => $"allowlist: {s.Reason}, until {s.Expires:yyyy-MM-dd}",
                    SuppressionKind.Vex => $"{s.Reason}{(s.Justification is null ? string.Empty : $" ({s.Justification})")}",
                    _ => "ignore-unfixed: no fix is available",
                };
                lines.Add($"  {s.Finding.Id} {s.Finding.PackageName}: {detail}");
            }

            if (result.Suppressed.Count > 20)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  ... and {result.Suppressed.Count - 20} more"));
            }
        }

        foreach (var path in outcome.ReportsWritten)
        {
            lines.Add($"Wrote {path}");
        }

        host.ErrorConsole.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private static async Task AppendStepSummaryAsync(CliHost host, string path, ScanGateOutcome outcome, CancellationToken cancellationToken)
    {
        if (await GitHubStepSummary.AppendAsync(path, outcome.ToBytes(GateReportFormat.Markdown), cancellationToken).ConfigureAwait(false) is { } failure)
        {
            // The decision stands; only its summary is missing.
            host.ErrorConsole.WriteLine($"warning {ErrorCodes.StepSummaryNotWritten.Code}: {failure}");
        }
    }

    private static JsonObject Counts(ScanResult scan)
        => new([.. Enum.GetValues<Severity>().OrderDescending().Select(s => KeyValuePair.Create(SeverityText.ToName(s), (JsonNode?)JsonValue.Create(scan.Findings.Count(f => f.Severity == s))))]);

    private static string CountsText(IReadOnlyDictionary<Severity, int> counts)
        => string.Join(", ", Enum.GetValues<Severity>().OrderDescending().Select(s => string.Create(CultureInfo.InvariantCulture, $"{SeverityText.ToName(s)} {(counts.TryGetValue(s, out var n) ? n : 0)}")));

    private static string Short(string? digest)
        => digest is null ? "-" : digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length > 19 ? digest[..19] : digest;
}
