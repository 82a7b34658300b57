using System.Text.Json;
using static Toolkit.Core.Scanning.Reports.ScanReportReader;

namespace Toolkit.Core.Scanning.Reports;

/// <summary>
/// Grype's JSON document: <c>matches[]</c> of <c>vulnerability</c> (<c>id</c>, <c>severity</c>, <c>fix.versions</c> and
/// <c>fix.state</c>, <c>cvss[]</c>, <c>urls</c>, <c>knownExploited</c>) and <c>artifact</c> (<c>name</c>, <c>version</c>,
/// <c>locations[].layerID</c>), with the image in <c>source.target</c> and the tool in <c>descriptor</c>.
/// </summary>
internal static class GrypeReport
{
    public static ScanResult Read(JsonElement root, string fileName)
    {
        if (Member(root, "matches").ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            throw Malformed(fileName, "its \"matches\" is not a list");
        }

        var target = Member(Member(root, "source"), "target");
        var repoDigest = Array(target, "repoDigests").Select(d => d.GetString()).FirstOrDefault();
        var (repository, repoDigestValue) = SplitRepoDigest(repoDigest);
        var os = String(target, "os");
        var architecture = String(target, "architecture");

        var findings = new List<Finding>();
        foreach (var match in Array(root, "matches"))
        {
            findings.Add(ReadMatch(match, fileName));
        }

        var descriptor = Member(root, "descriptor");
        return new ScanResult
        {
            ImageDigest = String(target, "manifestDigest") ?? repoDigestValue,
            Repository = repository ?? SplitRepoDigest(String(target, "userInput")?.Split(':')[0]).Repository,
            Platform = os is not null && architecture is not null ? $"{os}/{architecture}" : null,
            Scanner = new ScannerInfo(String(descriptor, "name") ?? "grype", String(descriptor, "version")),
            Findings = findings,
            CompletedAt = Member(descriptor, "timestamp") is { ValueKind: JsonValueKind.String } created && created.TryGetDateTimeOffset(out var at) ? at : null,
        };
    }

    private static Finding ReadMatch(JsonElement match, string fileName)
    {
        var vulnerability = Member(match, "vulnerability");
        var artifact = Member(match, "artifact");
        var id = String(vulnerability, "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            throw Malformed(fileName, "a match has no vulnerability id");
        }

        var fix = Member(vulnerability, "fix");
        var versions = Array(fix, "versions").Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray();
        var state = String(fix, "state");
        // Distribution feeds carry no CVSS; Grype then lists the NVD record of the same id under relatedVulnerabilities.
        var related = Array(match, "relatedVulnerabilities").FirstOrDefault(r => string.Equals(String(r, "id"), id, StringComparison.OrdinalIgnoreCase));
        var (score, vector) = Cvss(vulnerability);
        if (score is null && vector is null && related.ValueKind == JsonValueKind.Object)
        {
            (score, vector) = Cvss(related);
        }

        var severityText = String(vulnerability, "severity");
        var exploited = Member(vulnerability, "knownExploited");
        return new Finding
        {
            Id = id,
            Aliases = [.. Array(match, "relatedVulnerabilities").Select(r => String(r, "id")).Where(r => r is not null && !string.Equals(r, id, StringComparison.OrdinalIgnoreCase)).Select(r => r!).Distinct(StringComparer.OrdinalIgnoreCase)],
            Severity = SeverityText.Parse(severityText),
            SeverityText = severityText,
            CvssScore = score,
            CvssVector = vector,
            PackageName = String(artifact, "name"),
            PackageVersion = String(artifact, "version"),
            FixedVersion = versions.Length == 0 ? null : string.Join(", ", versions),
            FixAvailable = state switch
            {
                "fixed" => FixAvailability.Yes,
                "not-fixed" or "wont-fix" => FixAvailability.No,
                _ => FixAvailability.Unknown,
            },
            ExploitAvailable = exploited.ValueKind == JsonValueKind.Array ? exploited.GetArrayLength() > 0 : null,
            LayerDigest = Array(artifact, "locations").Select(l => String(l, "layerID")).FirstOrDefault(l => l is not null),
            Uri = String(vulnerability, "dataSource") ?? Array(vulnerability, "urls").Select(u => u.GetString()).FirstOrDefault(),
            Description = String(vulnerability, "description") ?? String(related, "description"),
            Source = String(vulnerability, "namespace"),
        };
    }

    /// <summary>The entry Grype marks primary, v3 first (as Trivy's reader), else the newest version listed.</summary>
    private static (double? Score, string? Vector) Cvss(JsonElement vulnerability)
    {
        var entries = Array(vulnerability, "cvss").Where(c => c.ValueKind == JsonValueKind.Object).ToArray();
        var chosen = entries
            .OrderByDescending(c => String(c, "type") == "Primary")
            .ThenByDescending(c => (String(c, "version") ?? string.Empty).StartsWith('3'))
            .ThenByDescending(c => String(c, "version") ?? string.Empty, StringComparer.Ordinal)
            .FirstOrDefault();
        return chosen.ValueKind == JsonValueKind.Object ? (Number(Member(chosen, "metrics"), "baseScore"), String(chosen, "vector")) : (null, null);
    }
}
