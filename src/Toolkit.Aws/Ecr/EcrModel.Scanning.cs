// Image scans, their findings (basic and enhanced) and the registry scanning configuration. Types and member names follow the service model (service-2.json, 2015-09-21).
namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>StartImageScan</c>.</summary>
public sealed record StartImageScanRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required ImageIdentifier ImageId { get; init; }
}

/// <summary>The output of <c>StartImageScan</c>.</summary>
public sealed record StartImageScanResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public ImageIdentifier? ImageId { get; init; }

    public ImageScanStatus? ImageScanStatus { get; init; }
}

/// <summary>The input of <c>DescribeImageScanFindings</c>.</summary>
public sealed record DescribeImageScanFindingsRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required ImageIdentifier ImageId { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

/// <summary>The output of <c>DescribeImageScanFindings</c>.</summary>
public sealed record DescribeImageScanFindingsResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public ImageIdentifier? ImageId { get; init; }

    public ImageScanStatus? ImageScanStatus { get; init; }

    public ImageScanFindings? ImageScanFindings { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>The input of <c>GetRegistryScanningConfiguration</c>.</summary>
public sealed record GetRegistryScanningConfigurationRequest;

/// <summary>The output of <c>GetRegistryScanningConfiguration</c>.</summary>
public sealed record GetRegistryScanningConfigurationResponse
{
    public string? RegistryId { get; init; }

    public RegistryScanningConfiguration? ScanningConfiguration { get; init; }
}

/// <summary>The input of <c>PutRegistryScanningConfiguration</c>.</summary>
public sealed record PutRegistryScanningConfigurationRequest
{
    public ScanType? ScanType { get; init; }

    public IReadOnlyList<RegistryScanningRule>? Rules { get; init; }
}

/// <summary>The output of <c>PutRegistryScanningConfiguration</c>.</summary>
public sealed record PutRegistryScanningConfigurationResponse
{
    public RegistryScanningConfiguration? RegistryScanningConfiguration { get; init; }
}

/// <summary>Where a scan stands (<c>COMPLETE</c>, <c>IN_PROGRESS</c>, <c>ACTIVE</c> for continuous enhanced scanning, ...) and why.</summary>
public sealed record ImageScanStatus
{
    public ScanStatus? Status { get; init; }

    public string? Description { get; init; }
}

/// <summary>The counts of findings per severity of an image's last scan, as DescribeImages reports it.</summary>
public sealed record ImageScanFindingsSummary
{
    public DateTimeOffset? ImageScanCompletedAt { get; init; }

    public DateTimeOffset? VulnerabilitySourceUpdatedAt { get; init; }

    public IReadOnlyDictionary<FindingSeverity, int>? FindingSeverityCounts { get; init; }
}

/// <summary>A key-value attribute of a basic scan finding (package name and version, CVSS vectors and scores).</summary>
public sealed record ImageScanFindingAttribute
{
    public required string Key { get; init; }

    public string? Value { get; init; }
}

/// <summary>A finding of a basic scan.</summary>
public sealed record ImageScanFinding
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public string? Uri { get; init; }

    public FindingSeverity? Severity { get; init; }

    public IReadOnlyList<ImageScanFindingAttribute>? Attributes { get; init; }
}

/// <summary>A CVSS score of a vulnerability as its source rated it.</summary>
public sealed record CvssScore
{
    public double? BaseScore { get; init; }

    public string? ScoringVector { get; init; }

    public string? Source { get; init; }

    public string? Version { get; init; }
}

/// <summary>A package in the image that a vulnerability affects, with the version that fixes it when known.</summary>
public sealed record VulnerablePackage
{
    public string? Arch { get; init; }

    public int? Epoch { get; init; }

    public string? FilePath { get; init; }

    public string? Name { get; init; }

    public string? PackageManager { get; init; }

    public string? Release { get; init; }

    public string? SourceLayerHash { get; init; }

    public string? Version { get; init; }

    public string? FixedInVersion { get; init; }
}

/// <summary>The vulnerability behind an enhanced finding: its id, source, CVSS scores and the affected packages.</summary>
public sealed record PackageVulnerabilityDetails
{
    public IReadOnlyList<CvssScore>? Cvss { get; init; }

    public IReadOnlyList<string>? ReferenceUrls { get; init; }

    public IReadOnlyList<string>? RelatedVulnerabilities { get; init; }

    public string? Source { get; init; }

    public string? SourceUrl { get; init; }

    public DateTimeOffset? VendorCreatedAt { get; init; }

    public string? VendorSeverity { get; init; }

    public DateTimeOffset? VendorUpdatedAt { get; init; }

    public string? VulnerabilityId { get; init; }

    public IReadOnlyList<VulnerablePackage>? VulnerablePackages { get; init; }
}

/// <summary>How to remediate a finding.</summary>
public sealed record Recommendation
{
    public string? Url { get; init; }

    public string? Text { get; init; }
}

/// <summary>How to remediate an enhanced finding.</summary>
public sealed record Remediation
{
    public Recommendation? Recommendation { get; init; }
}

/// <summary>The image an enhanced finding was found in.</summary>
public sealed record AwsEcrContainerImageDetails
{
    public string? Architecture { get; init; }

    public string? Author { get; init; }

    public string? ImageHash { get; init; }

    public IReadOnlyList<string>? ImageTags { get; init; }

    public string? Platform { get; init; }

    public DateTimeOffset? PushedAt { get; init; }

    public DateTimeOffset? LastInUseAt { get; init; }

    public long? InUseCount { get; init; }

    public string? Registry { get; init; }

    public string? RepositoryName { get; init; }
}

/// <summary>The details of the resource of an enhanced finding.</summary>
public sealed record ResourceDetails
{
    public AwsEcrContainerImageDetails? AwsEcrContainerImage { get; init; }
}

/// <summary>The resource (an ECR image) an enhanced finding is about.</summary>
public sealed record Resource
{
    public ResourceDetails? Details { get; init; }

    public string? Id { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public string? Type { get; init; }
}

/// <summary>A metric Amazon Inspector adjusted in a CVSS score, and why.</summary>
public sealed record CvssScoreAdjustment
{
    public string? Metric { get; init; }

    public string? Reason { get; init; }
}

/// <summary>The CVSS score Amazon Inspector used for an enhanced finding, with its adjustments.</summary>
public sealed record CvssScoreDetails
{
    public IReadOnlyList<CvssScoreAdjustment>? Adjustments { get; init; }

    public double? Score { get; init; }

    public string? ScoreSource { get; init; }

    public string? ScoringVector { get; init; }

    public string? Version { get; init; }
}

/// <summary>How the score of an enhanced finding was computed.</summary>
public sealed record ScoreDetails
{
    public CvssScoreDetails? Cvss { get; init; }
}

/// <summary>A finding of enhanced scanning (Amazon Inspector). <see cref="Severity"/> is a free string here (e.g. <c>HIGH</c>, <c>UNTRIAGED</c>), not a <see cref="FindingSeverity"/>.</summary>
public sealed record EnhancedImageScanFinding
{
    public string? AwsAccountId { get; init; }

    public string? Description { get; init; }

    public string? FindingArn { get; init; }

    public DateTimeOffset? FirstObservedAt { get; init; }

    public DateTimeOffset? LastObservedAt { get; init; }

    public PackageVulnerabilityDetails? PackageVulnerabilityDetails { get; init; }

    public Remediation? Remediation { get; init; }

    public IReadOnlyList<Resource>? Resources { get; init; }

    public double? Score { get; init; }

    public ScoreDetails? ScoreDetails { get; init; }

    public string? Severity { get; init; }

    public string? Status { get; init; }

    public string? Title { get; init; }

    public string? Type { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public string? FixAvailable { get; init; }

    public string? ExploitAvailable { get; init; }
}

/// <summary>The findings of an image scan: basic <see cref="Findings"/> or enhanced <see cref="EnhancedFindings"/>, and their counts per severity.</summary>
public sealed record ImageScanFindings
{
    public DateTimeOffset? ImageScanCompletedAt { get; init; }

    public DateTimeOffset? VulnerabilitySourceUpdatedAt { get; init; }

    public IReadOnlyDictionary<FindingSeverity, int>? FindingSeverityCounts { get; init; }

    public IReadOnlyList<ImageScanFinding>? Findings { get; init; }

    public IReadOnlyList<EnhancedImageScanFinding>? EnhancedFindings { get; init; }
}

/// <summary>A repository name pattern (<c>*</c> wildcards) a registry scanning rule applies to.</summary>
public sealed record ScanningRepositoryFilter
{
    public required string Filter { get; init; }

    public required ScanningRepositoryFilterType FilterType { get; init; }
}

/// <summary>How often the repositories a filter matches are scanned.</summary>
public sealed record RegistryScanningRule
{
    public required ScanFrequency ScanFrequency { get; init; }

    public required IReadOnlyList<ScanningRepositoryFilter> RepositoryFilters { get; init; }
}

/// <summary>The registry's scanning configuration: BASIC or ENHANCED, and its rules.</summary>
public sealed record RegistryScanningConfiguration
{
    public ScanType? ScanType { get; init; }

    public IReadOnlyList<RegistryScanningRule>? Rules { get; init; }
}
