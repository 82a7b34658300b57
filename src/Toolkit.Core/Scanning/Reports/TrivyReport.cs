using System.Text.Json;
using static Toolkit.Core.Scanning.Reports.ScanReportReader;

namespace Toolkit.Core.Scanning.Reports;

/// <summary>
/// Trivy's JSON report, schema version 2: <c>Metadata</c> (<c>RepoDigests</c>, <c>ImageConfig</c>) and
/// <c>Results[].Vulnerabilities[]</c> with <c>VulnerabilityID</c>, <c>PkgName</c>, <c>InstalledVersion</c>, <c>FixedVersion</c>,
/// <c>Status</c>, <c>Severity</c>, <c>SeveritySource</c>, <c>CVSS</c> per vendor, <c>PrimaryURL</c> and <c>Layer.Digest</c>.
/// </summary>
internal static class TrivyReport
{
    // Trivy's statuses that say no fix will come (or none yet) when FixedVersion is empty; older Trivy reports have no
    // Status, and there an empty FixedVersion means no fix.
    private static readonly string[] NoFixStatuses = ["affected", "will_not_fix", "fix_deferred", "end_of_life"];

    public static ScanResult Read(JsonElement root, string fileName)
    {
        if (Member(root, "SchemaVersion") is not { ValueKind: JsonValueKind.Number } version || version.GetInt32() != 2)
        {
            throw Malformed(fileName, "its Trivy SchemaVersion is not 2 (a Trivy release from 0.20 on writes 2)");
        }

        var metadata = Member(root, "Metadata");
        var repoDigest = Array(metadata, "RepoDigests").Select(d => d.GetString()).FirstOrDefault();
        var (repository, digest) = SplitRepoDigest(repoDigest);
        var config = Member(metadata, "ImageConfig");
        var os = String(config, "os");
        var architecture = String(config, "architecture");

        var findings = new List<Finding>();
        foreach (var result in Array(root, "Results"))
        {
            foreach (var vulnerability in Array(result, "Vulnerabilities"))
            {
                findings.Add(ReadVulnerability(vulnerability, fileName));
            }
        }

        return new ScanResult
        {
            ImageDigest = digest,
            Repository = repository ?? SplitRepoDigest(String(root, "ArtifactName")?.Split(':')[0]).Repository,
            Platform = os is not null && architecture is not null ? $"{os}/{architecture}" : null,
            Scanner = new ScannerInfo("Trivy", String(root, "Trivy") is { } v ? v : Member(root, "Trivy") is { ValueKind: JsonValueKind.Object } t ? String(t, "Version") : null),
            Findings = findings,
            CompletedAt = Member(root, "CreatedAt") is { ValueKind: JsonValueKind.String } created && created.TryGetDateTimeOffset(out var at) ? at : null,
        };
    }

    private static Finding ReadVulnerability(JsonElement vulnerability, string fileName)
    {
        var id = String(vulnerability, "VulnerabilityID");
        if (string.IsNullOrWhiteSpace(id))
        {
            throw Malformed(fileName, "a vulnerability has no VulnerabilityID");
        }

        var fixedVersion = String(vulnerability, "FixedVersion");
        var status = String(vulnerability, "Status");
        var (score, vector) = Cvss(vulnerability);
        var severityText = String(vulnerability, "Severity");
        return new Finding
        {
            Id = id,
            Aliases = [.. Array(vulnerability, "VendorIDs").Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).Where(v => !string.Equals(v, id, StringComparison.OrdinalIgnoreCase))],
            Severity = SeverityText.Parse(severityText),
            SeverityText = severityText,
            CvssScore = score,
            CvssVector = vector,
            PackageName = String(vulnerability, "PkgName"),
            PackageVersion = String(vulnerability, "InstalledVersion"),
            FixedVersion = string.IsNullOrWhiteSpace(fixedVersion) ? null : fixedVersion,
            FixAvailable = !string.IsNullOrWhiteSpace(fixedVersion) ? FixAvailability.Yes
                : status is null || NoFixStatuses.Contains(status, StringComparer.Ordinal) ? FixAvailability.No
                : FixAvailability.Unknown,
            LayerDigest = String(Member(vulnerability, "Layer"), "Digest"),
            Uri = String(vulnerability, "PrimaryURL"),
            Title = String(vulnerability, "Title"),
            Description = String(vulnerability, "Description"),
            Source = String(Member(vulnerability, "DataSource"), "ID") ?? String(vulnerability, "SeveritySource"),
        };
    }

    /// <summary>The CVSS of the vendor Trivy took the severity from, else NVD's, else the first; v3 before v4 before v2.</summary>
    private static (double? Score, string? Vector) Cvss(JsonElement vulnerability)
    {
        var cvss = Member(vulnerability, "CVSS");
        if (cvss.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        var preferred = new[] { String(vulnerability, "SeveritySource"), "nvd" }
            .Where(s => s is not null && cvss.TryGetProperty(s, out _))
            .Select(s => cvss.GetProperty(s!))
            .Concat(cvss.EnumerateObject().Select(p => p.Value));
        foreach (var vendor in preferred)
        {
            foreach (var (scoreName, vectorName) in new[] { ("V3Score", "V3Vector"), ("V40Score", "V40Vector"), ("V2Score", "V2Vector") })
            {
                var score = Number(vendor, scoreName);
                var vector = String(vendor, vectorName);
                if (score is not null || vector is not null)
                {
                    return (score, vector);
                }
            }
        }

        return (null, null);
    }
}
