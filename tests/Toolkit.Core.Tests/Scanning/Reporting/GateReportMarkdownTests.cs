using System.Globalization;
using System.Text;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;

namespace Toolkit.Core.Tests.Scanning.Reporting;

/// <summary>The Markdown summary: what it shows, how it escapes scanner text, and how it stays within GitHub's step-summary limit.</summary>
public sealed class GateReportMarkdownTests
{
    private static string Markdown(GateResult result, GatePolicy policy, GateReportOptions? options = null)
        => Encoding.UTF8.GetString(GateReport.ToBytes(result, policy, GateReportFormat.Markdown, options ?? GateReportSamples.Options));

    private static string[] TableRows(string markdown, string header)
    {
        var lines = markdown.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"no table starting '{header}' in:\n{markdown}");
        return lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).ToArray();
    }

    /// <summary>The cells of a table row, split at pipes that are not escaped.</summary>
    private static string[] Cells(string row)
    {
        var cells = new List<string>();
        var current = new StringBuilder();
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] == '\\' && i + 1 < row.Length)
            {
                current.Append(row[i]).Append(row[i + 1]);
                i++;
            }
            else if (row[i] == '|')
            {
                cells.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(row[i]);
            }
        }

        return [.. cells];
    }

    [Fact]
    public void It_shows_the_decision_reasons_counts_unavailable_scans_top_findings_suppressions_and_expired_entries()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        var markdown = Markdown(result, policy);

        // Then
        Assert.StartsWith("## ❌ Scan gate: fail\n", markdown, StringComparison.Ordinal);
        Assert.Contains("- 1 finding(s) at or above HIGH: CVE-2024-43485 (System.Text.Json 8.0.4)", markdown, StringComparison.Ordinal);
        var counted = Assert.Single(TableRows(markdown, "| | CRITICAL"), r => r.StartsWith("| counted", StringComparison.Ordinal));
        Assert.Equal(["counted", "0", "1", "1", "2", "0", "1", "5"], Cells(counted));
        Assert.Contains("- ⚠️ team/app@sha256:7d2b0c0f9c8e (linux/arm64), Amazon ECR enhanced scanning: unavailable: FINDINGS\\_UNAVAILABLE: Findings are not available for this image yet (TK4002)", markdown, StringComparison.Ordinal);
        var top = TableRows(markdown, "| Vulnerability | Severity | CVSS");
        Assert.Equal(5, top.Length);
        Assert.StartsWith("| [CVE-2024-43485](https://avd.aquasec.com/nvd/cve-2024-43485) | HIGH |", top[0], StringComparison.Ordinal);
        var suppressed = TableRows(markdown, "| Vulnerability | Severity | Package | Image | By");
        Assert.Contains(suppressed, r => r.Contains("zlib1g", StringComparison.Ordinal) && r.Contains("until 2027-01-31", StringComparison.Ordinal));
        Assert.Contains(suppressed, r => r.Contains("VEX", StringComparison.Ordinal) && r.Contains("vulnerable\\_code\\_cannot\\_be\\_controlled\\_by\\_adversary", StringComparison.Ordinal));
        var expired = Assert.Single(TableRows(markdown, "| Vulnerability | Expired after"));
        Assert.Equal("CVE-2011-3374", Cells(expired)[0]);
        Assert.Equal("2026-06-30", Cells(expired)[1]);
    }

    [Fact]
    public void Scanner_text_cannot_break_the_table_or_inject_html_or_links()
    {
        // Given a finding whose package, version and link come from a hostile report
        var hostile = GateReportSamples.Finding("CVE-2024-9999", Severity.Critical, "evil|pkg<script>alert(1)</script>\n## heading [x](javascript:alert(1)) *bold* `code`") with
        {
            PackageVersion = "1.0|2\r\n3",
            FixedVersion = "<img src=x onerror=alert(1)>",
            Uri = "javascript:alert(1)",
        };
        var (result, policy) = GateReportSamples.WithFindings([hostile]);

        // When
        var markdown = Markdown(result, policy);
        var row = Assert.Single(TableRows(markdown, "| Vulnerability | Severity | CVSS"));

        // Then the row keeps its six cells, no tag survives, no line starts a heading, and the javascript: link is not a link
        Assert.Equal(6, Cells(row).Length);
        Assert.DoesNotContain("<script>", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", row, StringComparison.Ordinal);
        Assert.Contains("evil\\|pkg", row, StringComparison.Ordinal);
        Assert.Contains("\\[x\\](javascript:alert(1))", row, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?<!\\)\]\(javascript:", markdown);
        Assert.StartsWith("| CVE-2024-9999 |", row, StringComparison.Ordinal);
        Assert.DoesNotContain(markdown.Split('\n'), l => l.StartsWith("## heading", StringComparison.Ordinal));
        Assert.Contains("1.0\\|2 3", row, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_are_only_http_and_cannot_close_the_markdown_link()
        => Assert.Equal("https://example.com/a%20b%28c%29%7Cd", GateReportMarkdown.SafeUri("https://example.com/a b(c)|d"));

    [Fact]
    public void The_top_findings_table_stops_at_the_count_asked_for_and_says_how_many_more()
    {
        // Given 13 findings and the default of 10
        var findings = Enumerable.Range(0, 13).Select(i => GateReportSamples.Finding(string.Create(CultureInfo.InvariantCulture, $"CVE-2024-{i:D4}"), Severity.High, $"pkg{i}")).ToArray();
        var (result, policy) = GateReportSamples.WithFindings(findings);

        // When
        var markdown = Markdown(result, policy, GateReportSamples.Options);
        var three = Markdown(result, policy, GateReportSamples.Options with { TopFindings = 3 });

        // Then
        Assert.Equal(10, TableRows(markdown, "| Vulnerability | Severity | CVSS").Length);
        Assert.Contains("… and 3 more counted finding(s)", markdown, StringComparison.Ordinal);
        Assert.Equal(3, TableRows(three, "| Vulnerability | Severity | CVSS").Length);
        Assert.Contains("… and 10 more counted finding(s)", three, StringComparison.Ordinal);
    }

    [Fact]
    public void A_summary_over_the_limit_is_cut_at_a_line_with_a_note()
    {
        // Given many findings with long titles and a limit of 8 KiB (GitHub's is 1 MiB)
        var findings = Enumerable.Range(0, 400).Select(i => GateReportSamples.Finding(string.Create(CultureInfo.InvariantCulture, $"CVE-2024-{i:D4}"), Severity.High, new string('p', 60) + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var (result, policy) = GateReportSamples.WithFindings(findings);

        // When
        var bytes = GateReport.ToBytes(result, policy, GateReportFormat.Markdown, GateReportSamples.Options with { TopFindings = 400, MaxMarkdownBytes = 8192 });
        var markdown = Encoding.UTF8.GetString(bytes);

        // Then
        Assert.InRange(bytes.Length, 4096, 8192);
        Assert.Contains("The summary was cut here to stay within the size GitHub accepts for a step summary", markdown, StringComparison.Ordinal);
        Assert.EndsWith("\n", markdown, StringComparison.Ordinal);
        Assert.All(markdown.Split('\n').Where(l => l.StartsWith('|')), l => Assert.EndsWith("|", l, StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_limit_is_githubs_one_mebibyte()
        => Assert.Equal(1024 * 1024, new GateReportOptions().MaxMarkdownBytes);

    [Fact]
    public void A_passing_gate_says_so_with_its_reason()
    {
        // Given no finding at or above the threshold
        var (result, policy) = GateReportSamples.WithFindings([GateReportSamples.Finding("CVE-2024-0001", Severity.Low)]);

        // When
        var markdown = Markdown(result, policy);

        // Then
        Assert.StartsWith("## ✅ Scan gate: pass\n\n- no counted finding at or above HIGH\n", markdown, StringComparison.Ordinal);
    }
}
