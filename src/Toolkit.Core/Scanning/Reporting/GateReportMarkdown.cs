using System.Globalization;
using System.Text;
using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>
/// The Markdown summary of a gate run (GitHub-flavoured, for <c>$GITHUB_STEP_SUMMARY</c>): the decision and its
/// reasons, the policy, counts per severity, scans without findings, the top counted findings, the suppressed
/// findings and the expired allowlist entries. Scanner-supplied text is escaped so that it cannot break a table,
/// inject HTML or links; the summary is cut at a line boundary to stay within <see cref="GateReportOptions.MaxMarkdownBytes"/>.
/// </summary>
internal static class GateReportMarkdown
{
    /// <summary>The smallest size limit accepted: the heading, the reasons' start and the truncation note fit.</summary>
    public const int MinimumBytes = 4096;

    private static readonly Severity[] s_severities = [Severity.Critical, Severity.High, Severity.Medium, Severity.Low, Severity.Informational, Severity.Undefined];

    public static byte[] Render(GateResult result, GatePolicy policy, GateReportOptions options)
    {
        var lines = new List<string>();
        Heading(result, options, lines);
        Policy(policy, lines);
        Counts(result, lines);
        UnavailableScans(result, lines);
        TopFindings(result, options, lines);
        Suppressed(result, lines);
        Expired(result, lines);
        return Join(lines, options.MaxMarkdownBytes);
    }

    private static void Heading(GateResult result, GateReportOptions options, List<string> lines)
    {
        lines.Add(result.Decision switch
        {
            GateDecision.Pass => "## ✅ Scan gate: pass",
            GateDecision.Warn => "## ⚠️ Scan gate: warn",
            _ => "## ❌ Scan gate: fail",
        });
        lines.Add(string.Empty);
        foreach (var reason in result.Reasons)
        {
            lines.Add($"- {Text(reason)}");
        }

        lines.Add(string.Empty);
        lines.Add($"Evaluated {GateReport.FormatTimestamp(result.EvaluatedAt)} by dotnet-toolkit {Text(options.ToolVersion)}.");
    }

    private static void Policy(GatePolicy policy, List<string> lines)
    {
        var parts = new List<string>
        {
            policy.FailOn is { } threshold ? $"fail on {SeverityText.ToName(threshold)} and above" : "no severity threshold",
        };
        foreach (var severity in s_severities)
        {
            if (policy.MaxCounts.TryGetValue(severity, out var maximum))
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"at most {maximum} {SeverityText.ToName(severity)}"));
            }
        }

        parts.Add(policy.IgnoreUnfixed ? "unfixed findings ignored" : "unfixed findings counted");
        parts.Add(policy.OnScanUnavailable == ScanUnavailableAction.Warn ? "unavailable scans warn" : "unavailable scans fail");
        if (policy.Allowlist.Entries.Count > 0 || policy.Allowlist.Source is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"allowlist {(policy.Allowlist.Source is null ? string.Empty : $"{Text(policy.Allowlist.Source)} ")}({policy.Allowlist.Entries.Count} entries)"));
        }

        if (policy.Vex.Count > 0)
        {
            var sources = GateReportDocumentBuilder.VexSources(policy);
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"VEX {(sources.Count == 0 ? string.Empty : string.Join(", ", sources.Select(Text)) + " ")}({policy.Vex.Count} statements)"));
        }

        lines.Add(string.Empty);
        lines.Add($"**Policy:** {string.Join("; ", parts)}.");
    }

    private static void Counts(GateResult result, List<string> lines)
    {
        int Of(IReadOnlyDictionary<Severity, int> counts, Severity severity) => counts.TryGetValue(severity, out var count) ? count : 0;
        string Row(string label, Func<Severity, int> count)
            => string.Create(CultureInfo.InvariantCulture, $"| {label} | {string.Join(" | ", s_severities.Select(s => count(s).ToString(CultureInfo.InvariantCulture)))} | {s_severities.Sum(count)} |");

        lines.Add(string.Empty);
        lines.Add("### Findings by severity");
        lines.Add(string.Empty);
        lines.Add($"| | {string.Join(" | ", s_severities.Select(SeverityText.ToName))} | total |");
        lines.Add($"| --- |{string.Concat(Enumerable.Repeat(" ---: |", s_severities.Length + 1))}");
        lines.Add(Row("counted", s => Of(result.Counts, s)));
        lines.Add(Row("suppressed", s => Of(result.CountsBeforeSuppression, s) - Of(result.Counts, s)));
    }

    private static void UnavailableScans(GateResult result, List<string> lines)
    {
        var unavailable = result.Violations.Concat(result.Warnings).Where(v => v.Kind == ViolationKind.ScanUnavailable && v.Scan is not null).ToArray();
        if (unavailable.Length == 0)
        {
            return;
        }

        lines.Add(string.Empty);
        lines.Add("### Scans without final findings");
        lines.Add(string.Empty);
        foreach (var violation in unavailable)
        {
            var scan = violation.Scan!;
            var mark = result.Warnings.Contains(violation) ? "⚠️" : "❌";
            var status = scan.StatusDescription is null ? string.Empty : $": {Text(scan.StatusDescription)}";
            lines.Add($"- {mark} {Image(scan)}, {Text(ScannerName(scan))}: {GateReportDocumentBuilder.OutcomeName(scan.Outcome)}{status} ({violation.Code.Code})");
        }
    }

    private static void TopFindings(GateResult result, GateReportOptions options, List<string> lines)
    {
        lines.Add(string.Empty);
        lines.Add("### Top findings");
        lines.Add(string.Empty);
        if (result.Findings.Count == 0)
        {
            lines.Add("No counted findings.");
            return;
        }

        if (options.TopFindings > 0)
        {
            lines.Add("| Vulnerability | Severity | CVSS | Package | Installed → fixed | Image |");
            lines.Add("| --- | --- | ---: | --- | --- | --- |");
            foreach (var item in result.Findings.Take(options.TopFindings))
            {
                var f = item.Finding;
                lines.Add($"| {Link(f.Id, f.Uri)} | {SeverityText.ToName(f.Severity)} | {Score(f.CvssScore)} | {Cell(f.PackageName)} | {Versions(f)} | {Image(item.Scan)} |");
            }
        }

        var more = result.Findings.Count - Math.Min(options.TopFindings, result.Findings.Count);
        if (more > 0)
        {
            lines.Add(string.Empty);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"… and {more} more counted finding(s); the JSON report lists them all."));
        }
    }

    private static void Suppressed(GateResult result, List<string> lines)
    {
        if (result.Suppressed.Count == 0)
        {
            return;
        }

        var listed = result.Suppressed.Where(s => s.Kind != SuppressionKind.Unfixed).ToArray();
        var unfixed = result.Suppressed.Count - listed.Length;
        lines.Add(string.Empty);
        lines.Add("### Suppressed findings");
        lines.Add(string.Empty);
        if (listed.Length > 0)
        {
            lines.Add("| Vulnerability | Severity | Package | Image | By | Reason | Expires / justification |");
            lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var s in listed)
            {
                var by = s.Kind == SuppressionKind.Vex ? "VEX" : "allowlist";
                if (s.Location is not null)
                {
                    by += $" ({Text(s.Location)})";
                }

                var until = s.Expires is { } expires ? $"until {GateReport.FormatDate(expires)}" : Cell(s.Justification);
                lines.Add($"| {Link(s.Finding.Id, s.Finding.Uri)} | {SeverityText.ToName(s.Finding.Severity)} | {Cell(s.Finding.PackageName)} | {Image(s.Scan)} | {by} | {Cell(s.Reason)} | {until} |");
            }
        }

        if (unfixed > 0)
        {
            if (listed.Length > 0)
            {
                lines.Add(string.Empty);
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{unfixed} finding(s) without a fix are not counted (ignore unfixed); the JSON report lists them."));
        }
    }

    private static void Expired(GateResult result, List<string> lines)
    {
        if (result.ExpiredEntries.Count == 0)
        {
            return;
        }

        lines.Add(string.Empty);
        lines.Add("### Expired allowlist entries");
        lines.Add(string.Empty);
        lines.Add("| Vulnerability | Expired after | Reason | Where | Findings counted again |");
        lines.Add("| --- | --- | --- | --- | ---: |");
        foreach (var e in result.ExpiredEntries)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {Cell(e.Entry.Id)} | {GateReport.FormatDate(e.Entry.Expires)} | {Cell(e.Entry.Reason)} | {Cell(e.Entry.Location)} | {e.Findings.Count} |"));
        }
    }

    /// <summary>Joins the lines, cutting at the last whole line that leaves room for the note when the limit is reached.</summary>
    private static byte[] Join(List<string> lines, int maxBytes)
    {
        const string Note = "\n> [!NOTE]\n> The summary was cut here to stay within the size GitHub accepts for a step summary; the JSON report has everything.\n";
        var noteBytes = Encoding.UTF8.GetByteCount(Note);
        var builder = new StringBuilder();
        var size = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var lineBytes = Encoding.UTF8.GetByteCount(lines[i]) + 1;
            var rest = i == lines.Count - 1 ? 0 : noteBytes;
            if (size + lineBytes + rest > maxBytes)
            {
                builder.Append(Note);
                break;
            }

            builder.Append(lines[i]).Append('\n');
            size += lineBytes;
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static string ScannerName(ScanResult scan) => scan.Scanner.Version is null ? scan.Scanner.Name : $"{scan.Scanner.Name} {scan.Scanner.Version}";

    private static string Image(ScanResult scan)
    {
        var name = scan.Repository ?? "image";
        var digest = scan.ImageDigest is null ? string.Empty : "@" + ShortDigest(scan.ImageDigest);
        var platform = scan.Platform is null ? string.Empty : $" ({scan.Platform})";
        return Text($"{name}{digest}{platform}");
    }

    private static string ShortDigest(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && digest.Length > colon + 13 ? digest[..(colon + 13)] : digest;
    }

    private static string Versions(Finding finding)
    {
        var installed = Cell(finding.PackageVersion);
        return finding.FixedVersion is { Length: > 0 } fixedVersion ? $"{installed} → {Text(fixedVersion)}" : $"{installed} → (no fix)";
    }

    private static string Score(double? score) => score is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "–";

    private static string Link(string id, string? uri)
    {
        var text = Text(id);
        return SafeUri(uri) is { } safe ? $"[{text}]({safe})" : text;
    }

    /// <summary>An http(s) link with the characters that could end the Markdown link or table cell percent-encoded; null otherwise.</summary>
    internal static string? SafeUri(string? uri)
    {
        if (uri is null || !Uri.TryCreate(uri.Trim(), UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
        {
            return null;
        }

        var builder = new StringBuilder(parsed.AbsoluteUri.Length);
        foreach (var c in parsed.AbsoluteUri)
        {
            builder.Append(c switch
            {
                '(' => "%28",
                ')' => "%29",
                '|' => "%7C",
                '<' => "%3C",
                '>' => "%3E",
                ' ' => "%20",
                '`' => "%60",
                '[' => "%5B",
                ']' => "%5D",
                '\\' => "%5C",
                '"' => "%22",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static string Cell(string? text) => string.IsNullOrWhiteSpace(text) ? "–" : Text(text);

    /// <summary>
    /// Text from scanners, policy files and images, made inert in a table cell: line breaks become spaces, HTML
    /// special characters become entities, and Markdown punctuation that could start emphasis, code, links or end the
    /// cell is backslash-escaped.
    /// </summary>
    internal static string Text(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        var lastWasSpace = false;
        foreach (var c in text)
        {
            if (c is '\r' or '\n' or '\t' or '\u2028' or '\u2029' || char.IsControl(c))
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }

                lastWasSpace = true;
                continue;
            }

            lastWasSpace = false;
            switch (c)
            {
                case '&':
                    builder.Append("&amp;");
                    break;
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '~' or '#' or '!' or '$':
                    builder.Append('\\').Append(c);
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString().Trim();
    }
}
