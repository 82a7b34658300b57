using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>
/// The SARIF 2.1.0 report of a gate run, shaped for GitHub code scanning: one run; one rule per vulnerability id with
/// its <c>security-severity</c>; one result per counted finding and one per suppressed finding (with an external
/// suppression, so it shows as dismissed instead of vanishing); every result located in an artifact and fingerprinted
/// by vulnerability, package, repository and platform so that alerts stay the same from one run to the next.
/// </summary>
internal static class GateReportSarif
{
    public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

    /// <summary>The <c>partialFingerprints</c> key; the version changes only if what the fingerprint covers does.</summary>
    public const string FingerprintKey = "toolkitFinding/v1";

    /// <summary>The artifact results are located in when neither the options nor the scan name one.</summary>
    public const string FallbackArtifactUri = "container-image";

    private static readonly JsonSerializerOptions s_options = new(SarifJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly SarifJsonContext s_context = new(s_options);

    public static byte[] Render(GateResult result, GatePolicy policy, GateReportOptions options)
    {
        var log = Build(result, policy, options);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(log, s_context.SarifLog);
        var withNewline = new byte[bytes.Length + 1];
        bytes.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return withNewline;
    }

    /// <summary>
    /// The GitHub <c>security-severity</c> of a severity: the CVSS score when it lies in the band GitHub shows as that
    /// severity (so GitHub's severity is always the gate's), else the band's usual value (CRITICAL 9.5, HIGH 8.0,
    /// MEDIUM 5.5, LOW 2.0); INFORMATIONAL and UNDEFINED are 0.0.
    /// </summary>
    public static string SecuritySeverity(Severity severity, double? cvss)
    {
        var (low, high, usual) = severity switch
        {
            Severity.Critical => (9.0, 10.0, 9.5),
            Severity.High => (7.0, 8.9, 8.0),
            Severity.Medium => (4.0, 6.9, 5.5),
            Severity.Low => (0.1, 3.9, 2.0),
            _ => (0.0, 0.0, 0.0),
        };
        var score = cvss is { } value && value >= low && value <= high ? Math.Round(value, 1) : usual;
        return score.ToString("0.0", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The level of a result. A finding behind a violation (it fails the gate) is <c>error</c>. When the policy sets a
    /// threshold or a maximum, every other counted finding is at most <c>warning</c>, so that code scanning does not show
    /// as errors what the gate let through; without either, the level follows the severity (CRITICAL and HIGH error,
    /// MEDIUM warning, the rest note). Suppressed findings are <c>note</c>.
    /// </summary>
    public static string Level(Severity severity, bool violates, bool suppressed, bool policyHasLimits)
    {
        if (suppressed)
        {
            return "note";
        }

        if (violates)
        {
            return "error";
        }

        return severity switch
        {
            Severity.Critical or Severity.High => policyHasLimits ? "warning" : "error",
            Severity.Medium => "warning",
            _ => "note",
        };
    }

    /// <summary>The fingerprint of a finding: the same vulnerability in the same package of the same repository and platform, whatever the image digest or package version.</summary>
    public static string Fingerprint(ScanResult scan, Finding finding) => Fingerprint(scan, finding, 0);

    /// <summary>
    /// The fingerprint of the <paramref name="occurrence"/>-th finding (from 0) with the same vulnerability, package,
    /// repository and platform: a package found twice in one image (e.g. two copies of one NuGet assembly) gives two alerts,
    /// not one. The first keeps the plain fingerprint.
    /// </summary>
    private static string Fingerprint(ScanResult scan, Finding finding, int occurrence)
    {
        var key = string.Join('\n', finding.Id.ToUpperInvariant(), finding.PackageName ?? string.Empty, (scan.Repository ?? string.Empty).ToLowerInvariant(), scan.Platform ?? string.Empty);
        if (occurrence > 0)
        {
            key += string.Create(CultureInfo.InvariantCulture, $"\n#{occurrence}");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
    }

    /// <summary>Each item's fingerprint; items that would share one are numbered in a stable order (version, layer, fixed version).</summary>
    private static Dictionary<Item, string> Fingerprints(IReadOnlyList<Item> items)
    {
        var fingerprints = new Dictionary<Item, string>(ReferenceEqualityComparer.Instance);
        foreach (var same in items.GroupBy(i => Fingerprint(i.Scan, i.Finding), StringComparer.Ordinal))
        {
            var occurrence = 0;
            foreach (var item in same
                .OrderBy(i => i.Finding.PackageVersion, StringComparer.Ordinal)
                .ThenBy(i => i.Finding.LayerDigest, StringComparer.Ordinal)
                .ThenBy(i => i.Finding.FixedVersion, StringComparer.Ordinal))
            {
                fingerprints[item] = occurrence == 0 ? same.Key : Fingerprint(item.Scan, item.Finding, occurrence);
                occurrence++;
            }
        }

        return fingerprints;
    }

    private static SarifLog Build(GateResult result, GatePolicy policy, GateReportOptions options)
    {
        var violating = new HashSet<ImageFinding>(result.Violations.SelectMany(v => v.Findings), ReferenceEqualityComparer.Instance);
        var policyHasLimits = policy.FailOn is not null || policy.MaxCounts.Count > 0;
        var items = result.Findings.Select(f => new Item(f.Scan, f.Finding, null, violating.Contains(f)))
            .Concat(result.Suppressed.Select(s => new Item(s.Scan, s.Finding, s, false)))
            .ToArray();
        var listed = options.SarifMinimumSeverity is { } minimum
            ? items.Where(i => i.Violates || i.Finding.Severity >= minimum).ToArray()
            : items;
        var belowMinimum = items.Length - listed.Length;
        var kept = listed.Take(options.MaxSarifResults).ToArray();
        var omitted = listed.Length - kept.Length;

        var rules = kept.GroupBy(i => i.Finding.Id, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Rule(g.Key, g.Select(i => i.Finding).ToArray()))
            .ToArray();
        var ruleIndex = rules.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);

        var fingerprints = Fingerprints(kept);
        var results = kept.Select(i => Result(i, ruleIndex[i.Finding.Id], fingerprints[i], policyHasLimits, options)).ToArray();

        var notifications = new List<SarifNotification>();
        foreach (var violation in result.Violations.Where(v => v.Kind == ViolationKind.ScanUnavailable))
        {
            notifications.Add(new SarifNotification(new SarifMessage(violation.Message), "error", new SarifDescriptorReference(violation.Code.Code)));
        }

        foreach (var warning in result.Warnings)
        {
            notifications.Add(new SarifNotification(new SarifMessage(warning.Message), "warning", new SarifDescriptorReference(warning.Code.Code)));
        }

        foreach (var expired in result.ExpiredEntries)
        {
            var where = expired.Entry.Location is null ? string.Empty : $" ({expired.Entry.Location})";
            notifications.Add(new SarifNotification(
                new SarifMessage(string.Create(CultureInfo.InvariantCulture, $"The allowlist entry for {expired.Entry.Id}{where} expired after {GateReport.FormatDate(expired.Entry.Expires)}; its {expired.Findings.Count} finding(s) count again.")),
                "warning",
                new SarifDescriptorReference(ExpiredAllowlistEntry.Code.Code)));
        }

        if (omitted > 0)
        {
            notifications.Add(new SarifNotification(
                new SarifMessage(string.Create(CultureInfo.InvariantCulture, $"{omitted} of {listed.Length} results were left out to stay within {kept.Length} results per run (GitHub code scanning accepts at most 25000); the most severe counted findings are kept, and the JSON report lists all.")),
                "warning",
                null));
        }

        return new SarifLog
        {
            Schema = SchemaUri,
            Version = "2.1.0",
            Runs =
            [
                new SarifRun
                {
                    Tool = new SarifTool(new SarifDriver
                    {
                        Name = "dotnet-toolkit",
                        Version = options.ToolVersion,
                        SemanticVersion = options.ToolVersion,
                        InformationUri = options.ToolInformationUri.AbsoluteUri,
                        Rules = rules,
                    }),
                    Invocations = [new SarifInvocation(true, notifications.Count == 0 ? null : notifications)],
                    Results = results,
                    Properties = new SarifRunProperties
                    {
                        Decision = GateReportDocumentBuilder.DecisionName(result.Decision),
                        Reasons = result.Reasons,
                        EvaluatedAt = GateReport.FormatTimestamp(result.EvaluatedAt),
                        TotalResults = items.Length,
                        BelowMinimumSeverity = belowMinimum,
                        OmittedResults = omitted,
                    },
                },
            ],
        };
    }

    private static SarifRule Rule(string id, IReadOnlyList<Finding> findings)
    {
        var severity = findings.Max(f => f.Severity);
        var cvss = findings.Where(f => f.Severity == severity).Max(f => f.CvssScore);
        var vector = findings.FirstOrDefault(f => f.Severity == severity && f.CvssScore == cvss && f.CvssVector is not null)?.CvssVector;
        var title = findings.Select(f => f.Title).FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
        var description = findings.Select(f => f.Description).FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
        var uri = findings.Select(f => GateReportMarkdown.SafeUri(f.Uri)).FirstOrDefault(u => u is not null);
        var severityName = SeverityText.ToName(severity);
        var score = cvss is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : null;

        var shortText = OneLine(title) ?? $"{id} ({severityName})";
        var fullText = OneLine(description) ?? shortText;
        var help = new StringBuilder();
        help.Append("Vulnerability ").Append(id).Append('\n');
        help.Append("Severity: ").Append(severityName).Append('\n');
        if (score is not null)
        {
            help.Append("CVSS: ").Append(score).Append(vector is null ? string.Empty : $" ({vector})").Append('\n');
        }

        if (title is not null)
        {
            help.Append(OneLine(title)).Append('\n');
        }

        if (description is not null)
        {
            help.Append(OneLine(description)).Append('\n');
        }

        if (uri is not null)
        {
            help.Append("More: ").Append(uri).Append('\n');
        }

        var markdown = new StringBuilder();
        markdown.Append("**Vulnerability ").Append(uri is null ? GateReportMarkdown.Text(id) : $"[{GateReportMarkdown.Text(id)}]({uri})").Append("**\n\n");
        if (title is not null)
        {
            markdown.Append(GateReportMarkdown.Text(title)).Append("\n\n");
        }

        markdown.Append("| Severity | CVSS score | CVSS vector |\n| --- | --- | --- |\n");
        markdown.Append("| ").Append(severityName).Append(" | ").Append(score ?? "–").Append(" | ").Append(vector is null ? "–" : GateReportMarkdown.Text(vector)).Append(" |\n");
        if (description is not null)
        {
            markdown.Append('\n').Append(GateReportMarkdown.Text(description)).Append('\n');
        }

        return new SarifRule
        {
            Id = id,
            Name = RuleName(id),
            ShortDescription = new SarifMessage(shortText),
            FullDescription = new SarifMessage(fullText),
            Help = new SarifMultiformatMessage(help.ToString().TrimEnd('\n'), markdown.ToString().TrimEnd('\n')),
            HelpUri = uri,
            DefaultConfiguration = new SarifConfiguration(Level(severity, violates: false, suppressed: false, policyHasLimits: false)),
            Properties = new SarifRuleProperties
            {
                SecuritySeverity = SecuritySeverity(severity, cvss),
                Tags = ["security", "vulnerability", severityName],
                Precision = "very-high",
            },
        };
    }

    private static SarifResult Result(Item item, int ruleIndex, string fingerprint, bool policyHasLimits, GateReportOptions options)
    {
        var f = item.Finding;
        var scan = item.Scan;
        var package = f.PackageName is null ? "a package" : $"{f.PackageName}{(f.PackageVersion is null ? string.Empty : " " + f.PackageVersion)}";
        var fix = f.FixedVersion is { Length: > 0 } fixedVersion ? $"fixed in {fixedVersion}" : "no fixed version known";
        var cvss = f.CvssScore is { } score ? string.Create(CultureInfo.InvariantCulture, $", CVSS {score:0.0}") : string.Empty;
        var message = $"{f.Id} in {package} ({SeverityText.ToName(f.Severity)}{cvss}; {fix}) in image {ImageText(scan)}.";
        if (item.Suppression is { } suppressed)
        {
            message += $" Suppressed: {SuppressionText(suppressed)}.";
        }

        return new SarifResult
        {
            RuleId = f.Id,
            RuleIndex = ruleIndex,
            Level = Level(f.Severity, item.Violates, item.Suppression is not null, policyHasLimits),
            Message = new SarifMessage(OneLine(message)!),
            Locations =
            [
                new SarifLocation(
                    new SarifPhysicalLocation(new SarifArtifactLocation(ArtifactUri(scan, options)), new SarifRegion(1)),
                    new SarifMessage(ImageText(scan))),
            ],
            PartialFingerprints = new SortedDictionary<string, string>(StringComparer.Ordinal) { [FingerprintKey] = fingerprint },
            Suppressions = item.Suppression is { } s ? [new SarifSuppression("external", "accepted", OneLine(SuppressionText(s))!)] : null,
            Properties = new SarifResultProperties
            {
                Severity = SeverityText.ToName(f.Severity),
                CvssScore = f.CvssScore,
                PackageName = f.PackageName,
                InstalledVersion = f.PackageVersion,
                FixedVersion = f.FixedVersion,
                ImageDigest = scan.ImageDigest,
                Repository = scan.Repository,
                Platform = scan.Platform,
                LayerDigest = f.LayerDigest,
            },
        };
    }

    private static string ArtifactUri(ScanResult scan, GateReportOptions options)
    {
        if (options.SarifArtifactUri is { } configured)
        {
            return configured;
        }

        // A repository name is a relative URI reference once anything outside the unreserved and path characters is escaped.
        return string.IsNullOrWhiteSpace(scan.Repository) ? FallbackArtifactUri : Uri.EscapeDataString(scan.Repository.Trim()).Replace("%2F", "/", StringComparison.Ordinal);
    }

    private static string ImageText(ScanResult scan)
    {
        var name = scan.Repository ?? "image";
        var digest = scan.ImageDigest is null ? string.Empty : "@" + scan.ImageDigest;
        return scan.Platform is null ? name + digest : $"{name}{digest} ({scan.Platform})";
    }

    private static string SuppressionText(SuppressedFinding s)
    {
        var text = s.Kind switch
        {
            SuppressionKind.Vex => s.Justification is null ? s.Reason : $"{s.Reason} ({s.Justification})",
            SuppressionKind.Allowlist => s.Expires is { } expires ? $"allowlist: {s.Reason} (until {GateReport.FormatDate(expires)})" : $"allowlist: {s.Reason}",
            _ => $"ignore unfixed: {s.Reason}",
        };
        return s.Location is null ? text : $"{text}, {s.Location}";
    }

    private static string RuleName(string id)
    {
        var builder = new StringBuilder(id.Length);
        foreach (var c in id)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return builder.ToString();
    }

    private static string? OneLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        var lastWasSpace = false;
        foreach (var c in text.Trim())
        {
            var space = char.IsWhiteSpace(c) || char.IsControl(c);
            if (space && lastWasSpace)
            {
                continue;
            }

            builder.Append(space ? ' ' : c);
            lastWasSpace = space;
        }

        return builder.ToString();
    }

    private sealed record Item(ScanResult Scan, Finding Finding, SuppressedFinding? Suppression, bool Violates);
}

internal sealed record SarifLog
{
    [JsonPropertyName("$schema")]
    public required string Schema { get; init; }

    public required string Version { get; init; }

    public required IReadOnlyList<SarifRun> Runs { get; init; }
}

internal sealed record SarifRun
{
    public required SarifTool Tool { get; init; }

    public required IReadOnlyList<SarifInvocation> Invocations { get; init; }

    public required IReadOnlyList<SarifResult> Results { get; init; }

    public required SarifRunProperties Properties { get; init; }
}

internal sealed record SarifTool(SarifDriver Driver);

internal sealed record SarifDriver
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string SemanticVersion { get; init; }

    public required string InformationUri { get; init; }

    public required IReadOnlyList<SarifRule> Rules { get; init; }
}

internal sealed record SarifRule
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required SarifMessage ShortDescription { get; init; }

    public required SarifMessage FullDescription { get; init; }

    public required SarifMultiformatMessage Help { get; init; }

    public string? HelpUri { get; init; }

    public required SarifConfiguration DefaultConfiguration { get; init; }

    public required SarifRuleProperties Properties { get; init; }
}

internal sealed record SarifConfiguration(string Level);

internal sealed record SarifRuleProperties
{
    [JsonPropertyName("security-severity")]
    public required string SecuritySeverity { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public required string Precision { get; init; }
}

internal sealed record SarifMessage(string Text);

internal sealed record SarifMultiformatMessage(string Text, string Markdown);

internal sealed record SarifResult
{
    public required string RuleId { get; init; }

    public required int RuleIndex { get; init; }

    public required string Level { get; init; }

    public required SarifMessage Message { get; init; }

    public required IReadOnlyList<SarifLocation> Locations { get; init; }

    public required SortedDictionary<string, string> PartialFingerprints { get; init; }

    public IReadOnlyList<SarifSuppression>? Suppressions { get; init; }

    public required SarifResultProperties Properties { get; init; }
}

internal sealed record SarifLocation(SarifPhysicalLocation PhysicalLocation, SarifMessage Message);

internal sealed record SarifPhysicalLocation(SarifArtifactLocation ArtifactLocation, SarifRegion Region);

internal sealed record SarifArtifactLocation(string Uri);

internal sealed record SarifRegion(int StartLine);

internal sealed record SarifSuppression(string Kind, string Status, string Justification);

internal sealed record SarifResultProperties
{
    public required string Severity { get; init; }

    public double? CvssScore { get; init; }

    public string? PackageName { get; init; }

    public string? InstalledVersion { get; init; }

    public string? FixedVersion { get; init; }

    public string? ImageDigest { get; init; }

    public string? Repository { get; init; }

    public string? Platform { get; init; }

    public string? LayerDigest { get; init; }
}

internal sealed record SarifRunProperties
{
    public required string Decision { get; init; }

    public required IReadOnlyList<string> Reasons { get; init; }

    public required string EvaluatedAt { get; init; }

    /// <summary>Every finding of the gate, counted or suppressed, before anything is left out.</summary>
    public required int TotalResults { get; init; }

    /// <summary>Findings left out because they are below <see cref="GateReportOptions.SarifMinimumSeverity"/>.</summary>
    public required int BelowMinimumSeverity { get; init; }

    /// <summary>Findings left out to stay within <see cref="GateReportOptions.MaxSarifResults"/>.</summary>

    public required int OmittedResults { get; init; }
}

internal sealed record SarifInvocation(bool ExecutionSuccessful, IReadOnlyList<SarifNotification>? ToolExecutionNotifications);

internal sealed record SarifNotification(SarifMessage Message, string Level, SarifDescriptorReference? Descriptor);

internal sealed record SarifDescriptorReference(string Id);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    IndentSize = 2,
    NewLine = "\n")]
[JsonSerializable(typeof(SarifLog))]
internal sealed partial class SarifJsonContext : JsonSerializerContext;
