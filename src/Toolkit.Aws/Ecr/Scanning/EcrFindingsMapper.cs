using System.Globalization;
using Toolkit.Core.Scanning;

namespace Toolkit.Aws.Ecr.Scanning;

/// <summary>
/// Maps an image's <c>DescribeImageScanFindings</c> answer (all pages merged) onto the vendor-neutral <see cref="ScanResult"/>:
/// basic <c>findings[]</c> (package and CVSS in <c>attributes</c>: <c>package_name</c>, <c>package_version</c>,
/// <c>CVSS3_SCORE</c>/<c>CVSS3_VECTOR</c>, <c>CVSS2_SCORE</c>/<c>CVSS2_VECTOR</c>) and Amazon Inspector's
/// <c>enhancedFindings[]</c> (one finding per vulnerable package, with its fixed version and source layer).
/// </summary>
public static class EcrFindingsMapper
{
    /// <summary>Inspector's <c>fixedInVersion</c> when no version fixes the package.</summary>
    private const string NotAvailable = "NotAvailable";

    public static ScannerInfo BasicScanner { get; } = new("Amazon ECR basic scanning");

    public static ScannerInfo EnhancedScanner { get; } = new("Amazon ECR enhanced scanning (Amazon Inspector)");

    /// <summary>
    /// The scan result of one image. <paramref name="scanType"/> names the scanner when the answer has no findings to tell
    /// basic from enhanced (the registry's scanning configuration); <paramref name="platform"/> is the image's platform
    /// within an index, when known. A status other than <c>COMPLETE</c> or <c>ACTIVE</c> is a scan without final findings.
    /// </summary>
    public static ScanResult ToScanResult(DescribeImageScanFindingsResponse response, ScanType? scanType = null, string? platform = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var findings = response.ImageScanFindings;
        var enhanced = findings?.EnhancedFindings is { Count: > 0 } || (findings?.Findings is not { Count: > 0 } && scanType == ScanType.Enhanced);
        var status = response.ImageScanStatus?.Status;
        var description = response.ImageScanStatus?.Description;
        return new ScanResult
        {
            ImageDigest = response.ImageId?.ImageDigest,
            Repository = response.RepositoryName,
            Platform = platform,
            Outcome = OutcomeOf(status),
            StatusDescription = status is null ? description : description is null ? status.Value.Value : $"{status.Value.Value}: {description}",
            Scanner = enhanced ? EnhancedScanner : BasicScanner,
            Findings =
            [
                .. (findings?.Findings ?? []).Select(FromBasic),
                .. (findings?.EnhancedFindings ?? []).SelectMany(FromEnhanced),
            ],
            CompletedAt = findings?.ImageScanCompletedAt,
        };
    }

    /// <summary>
    /// <c>COMPLETE</c> and <c>ACTIVE</c> (continuous enhanced scanning) have findings; <c>FAILED</c> failed;
    /// <c>UNSUPPORTED_IMAGE</c> is unsupported; every other status (including a scan still <c>PENDING</c> or
    /// <c>IN_PROGRESS</c>) has no final findings.
    /// </summary>
    public static ScanOutcome OutcomeOf(ScanStatus? status)
    {
        if (status == ScanStatus.Complete || status == ScanStatus.Active)
        {
            return ScanOutcome.Complete;
        }

        if (status == ScanStatus.Failed)
        {
            return ScanOutcome.Failed;
        }

        return status == ScanStatus.UnsupportedImage ? ScanOutcome.Unsupported : ScanOutcome.Unavailable;
    }

    /// <summary>A basic finding; basic scanning says nothing about fixes or exploits.</summary>
    public static Finding FromBasic(ImageScanFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var attributes = (finding.Attributes ?? []).GroupBy(a => a.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        string? Attribute(string key) => attributes.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
        var v3 = Attribute("CVSS3_SCORE") is not null || Attribute("CVSS3_VECTOR") is not null;
        var severity = finding.Severity?.Value;
        return new Finding
        {
            Id = finding.Name ?? "(unnamed)",
            Severity = SeverityText.Parse(severity),
            SeverityText = severity,
            CvssScore = ParseScore(v3 ? Attribute("CVSS3_SCORE") : Attribute("CVSS2_SCORE")),
            CvssVector = v3 ? Attribute("CVSS3_VECTOR") : Attribute("CVSS2_VECTOR"),
            PackageName = Attribute("package_name"),
            PackageVersion = Attribute("package_version"),
            FixAvailable = FixAvailability.Unknown,
            Uri = finding.Uri,
            Description = finding.Description,
        };
    }

    /// <summary>An Amazon Inspector finding: one <see cref="Finding"/> per vulnerable package (one without a package when none is named).</summary>
    public static IEnumerable<Finding> FromEnhanced(EnhancedImageScanFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var details = finding.PackageVulnerabilityDetails;
        var (score, vector) = Cvss(finding);
        var findingFix = finding.FixAvailable?.ToUpperInvariant() switch
        {
            "YES" => FixAvailability.Yes,
            "NO" => FixAvailability.No,
            "PARTIAL" => FixAvailability.Partial,
            _ => FixAvailability.Unknown,
        };
        var template = new Finding
        {
            Id = details?.VulnerabilityId ?? finding.Title ?? "(unnamed)",
            Aliases = [.. (details?.RelatedVulnerabilities ?? []).Where(r => !string.IsNullOrWhiteSpace(r) && !string.Equals(r, details?.VulnerabilityId, StringComparison.OrdinalIgnoreCase))],
            Severity = SeverityText.Parse(finding.Severity),
            SeverityText = finding.Severity,
            CvssScore = score,
            CvssVector = vector,
            FixAvailable = findingFix,
            ExploitAvailable = finding.ExploitAvailable?.ToUpperInvariant() switch
            {
                "YES" => true,
                "NO" => false,
                _ => null,
            },
            Uri = details?.SourceUrl ?? (details?.ReferenceUrls is { Count: > 0 } urls ? urls[0] : null) ?? finding.Remediation?.Recommendation?.Url,
            Title = finding.Title,
            Description = finding.Description,
            Source = details?.Source,
        };

        var packages = details?.VulnerablePackages ?? [];
        if (packages.Count == 0)
        {
            yield return template;
            yield break;
        }

        foreach (var package in packages)
        {
            var fixedVersion = string.IsNullOrWhiteSpace(package.FixedInVersion) || package.FixedInVersion == NotAvailable ? null : package.FixedInVersion;
            yield return template with
            {
                PackageName = package.Name,
                PackageVersion = FullVersion(package),
                FixedVersion = fixedVersion,
                // The package's own fixed version says more than the finding's YES/NO/PARTIAL, which covers all its packages.
                FixAvailable = fixedVersion is not null ? FixAvailability.Yes
                    : package.FixedInVersion == NotAvailable ? FixAvailability.No
                    : findingFix,
                LayerDigest = package.SourceLayerHash,
            };
        }
    }

    /// <summary>The score Inspector used (<c>scoreDetails.cvss</c>), else the finding's score with the first v3 CVSS of the vulnerability.</summary>
    private static (double? Score, string? Vector) Cvss(EnhancedImageScanFinding finding)
    {
        if (finding.ScoreDetails?.Cvss is { } used && (used.Score is not null || used.ScoringVector is not null))
        {
            return (used.Score, used.ScoringVector);
        }

        var listed = (finding.PackageVulnerabilityDetails?.Cvss ?? [])
            .OrderByDescending(c => c.Version?.StartsWith('3') == true)
            .FirstOrDefault();
        return (finding.Score ?? listed?.BaseScore, listed?.ScoringVector);
    }

    /// <summary><c>[epoch:]version[-release]</c>, as distributions and basic scanning write it.</summary>
    private static string? FullVersion(VulnerablePackage package)
    {
        if (package.Version is null)
        {
            return null;
        }

        var epoch = package.Epoch is > 0 ? string.Create(CultureInfo.InvariantCulture, $"{package.Epoch}:") : string.Empty;
        var release = string.IsNullOrEmpty(package.Release) ? string.Empty : $"-{package.Release}";
        return epoch + package.Version + release;
    }

    private static double? ParseScore(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) ? score : null;
}
