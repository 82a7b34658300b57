using System.Text.Json.Serialization;

namespace Toolkit.Aws.Ecr;

/// <summary>Whether tags in a repository can be moved to another image (<c>IMMUTABLE</c> refuses it), optionally with exclusion filters.</summary>
[JsonConverter(typeof(EcrEnumConverter<ImageTagMutability>))]
public readonly record struct ImageTagMutability(string Value) : IEcrEnum<ImageTagMutability>
{
    public static ImageTagMutability Mutable { get; } = new("MUTABLE");

    public static ImageTagMutability Immutable { get; } = new("IMMUTABLE");

    public static ImageTagMutability ImmutableWithExclusion { get; } = new("IMMUTABLE_WITH_EXCLUSION");

    public static ImageTagMutability MutableWithExclusion { get; } = new("MUTABLE_WITH_EXCLUSION");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ImageTagMutability> KnownValues { get; } = [Mutable, Immutable, ImmutableWithExclusion, MutableWithExclusion];

    public bool IsKnown => KnownValues.Contains(this);

    static ImageTagMutability IEcrEnum<ImageTagMutability>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The kind of an image tag mutability exclusion filter.</summary>
[JsonConverter(typeof(EcrEnumConverter<ImageTagMutabilityExclusionFilterType>))]
public readonly record struct ImageTagMutabilityExclusionFilterType(string Value) : IEcrEnum<ImageTagMutabilityExclusionFilterType>
{
    public static ImageTagMutabilityExclusionFilterType Wildcard { get; } = new("WILDCARD");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ImageTagMutabilityExclusionFilterType> KnownValues { get; } = [Wildcard];

    public bool IsKnown => KnownValues.Contains(this);

    static ImageTagMutabilityExclusionFilterType IEcrEnum<ImageTagMutabilityExclusionFilterType>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>How a repository is encrypted at rest.</summary>
[JsonConverter(typeof(EcrEnumConverter<EncryptionType>))]
public readonly record struct EncryptionType(string Value) : IEcrEnum<EncryptionType>
{
    public static EncryptionType Aes256 { get; } = new("AES256");

    public static EncryptionType Kms { get; } = new("KMS");

    public static EncryptionType KmsDsse { get; } = new("KMS_DSSE");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<EncryptionType> KnownValues { get; } = [Aes256, Kms, KmsDsse];

    public bool IsKnown => KnownValues.Contains(this);

    static EncryptionType IEcrEnum<EncryptionType>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Filters DescribeImages by whether images are tagged.</summary>
[JsonConverter(typeof(EcrEnumConverter<TagStatus>))]
public readonly record struct TagStatus(string Value) : IEcrEnum<TagStatus>
{
    public static TagStatus Tagged { get; } = new("TAGGED");

    public static TagStatus Untagged { get; } = new("UNTAGGED");

    public static TagStatus Any { get; } = new("ANY");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<TagStatus> KnownValues { get; } = [Tagged, Untagged, Any];

    public bool IsKnown => KnownValues.Contains(this);

    static TagStatus IEcrEnum<TagStatus>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Filters DescribeImages by archive status.</summary>
[JsonConverter(typeof(EcrEnumConverter<ImageStatusFilter>))]
public readonly record struct ImageStatusFilter(string Value) : IEcrEnum<ImageStatusFilter>
{
    public static ImageStatusFilter Active { get; } = new("ACTIVE");

    public static ImageStatusFilter Archived { get; } = new("ARCHIVED");

    public static ImageStatusFilter Activating { get; } = new("ACTIVATING");

    public static ImageStatusFilter Any { get; } = new("ANY");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ImageStatusFilter> KnownValues { get; } = [Active, Archived, Activating, Any];

    public bool IsKnown => KnownValues.Contains(this);

    static ImageStatusFilter IEcrEnum<ImageStatusFilter>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The state of an image scan.</summary>
[JsonConverter(typeof(EcrEnumConverter<ScanStatus>))]
public readonly record struct ScanStatus(string Value) : IEcrEnum<ScanStatus>
{
    public static ScanStatus InProgress { get; } = new("IN_PROGRESS");

    public static ScanStatus Complete { get; } = new("COMPLETE");

    public static ScanStatus Failed { get; } = new("FAILED");

    public static ScanStatus UnsupportedImage { get; } = new("UNSUPPORTED_IMAGE");

    public static ScanStatus Active { get; } = new("ACTIVE");

    public static ScanStatus Pending { get; } = new("PENDING");

    public static ScanStatus ScanEligibilityExpired { get; } = new("SCAN_ELIGIBILITY_EXPIRED");

    public static ScanStatus FindingsUnavailable { get; } = new("FINDINGS_UNAVAILABLE");

    public static ScanStatus LimitExceeded { get; } = new("LIMIT_EXCEEDED");

    public static ScanStatus ImageArchived { get; } = new("IMAGE_ARCHIVED");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ScanStatus> KnownValues { get; } = [InProgress, Complete, Failed, UnsupportedImage, Active, Pending, ScanEligibilityExpired, FindingsUnavailable, LimitExceeded, ImageArchived];

    public bool IsKnown => KnownValues.Contains(this);

    static ScanStatus IEcrEnum<ScanStatus>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The severity of a basic finding, and the keys of <c>findingSeverityCounts</c>.</summary>
[JsonConverter(typeof(EcrEnumConverter<FindingSeverity>))]
public readonly record struct FindingSeverity(string Value) : IEcrEnum<FindingSeverity>
{
    public static FindingSeverity Informational { get; } = new("INFORMATIONAL");

    public static FindingSeverity Low { get; } = new("LOW");

    public static FindingSeverity Medium { get; } = new("MEDIUM");

    public static FindingSeverity High { get; } = new("HIGH");

    public static FindingSeverity Critical { get; } = new("CRITICAL");

    public static FindingSeverity Undefined { get; } = new("UNDEFINED");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<FindingSeverity> KnownValues { get; } = [Informational, Low, Medium, High, Critical, Undefined];

    public bool IsKnown => KnownValues.Contains(this);

    static FindingSeverity IEcrEnum<FindingSeverity>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Whether an image is active or archived.</summary>
[JsonConverter(typeof(EcrEnumConverter<ImageStatus>))]
public readonly record struct ImageStatus(string Value) : IEcrEnum<ImageStatus>
{
    public static ImageStatus Active { get; } = new("ACTIVE");

    public static ImageStatus Archived { get; } = new("ARCHIVED");

    public static ImageStatus Activating { get; } = new("ACTIVATING");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ImageStatus> KnownValues { get; } = [Active, Archived, Activating];

    public bool IsKnown => KnownValues.Contains(this);

    static ImageStatus IEcrEnum<ImageStatus>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Why one image of a batch request failed.</summary>
[JsonConverter(typeof(EcrEnumConverter<ImageFailureCode>))]
public readonly record struct ImageFailureCode(string Value) : IEcrEnum<ImageFailureCode>
{
    public static ImageFailureCode InvalidImageDigest { get; } = new("InvalidImageDigest");

    public static ImageFailureCode InvalidImageTag { get; } = new("InvalidImageTag");

    public static ImageFailureCode ImageTagDoesNotMatchDigest { get; } = new("ImageTagDoesNotMatchDigest");

    public static ImageFailureCode ImageNotFound { get; } = new("ImageNotFound");

    public static ImageFailureCode MissingDigestAndTag { get; } = new("MissingDigestAndTag");

    public static ImageFailureCode ImageReferencedByManifestList { get; } = new("ImageReferencedByManifestList");

    public static ImageFailureCode KmsError { get; } = new("KmsError");

    public static ImageFailureCode UpstreamAccessDenied { get; } = new("UpstreamAccessDenied");

    public static ImageFailureCode UpstreamTooManyRequests { get; } = new("UpstreamTooManyRequests");

    public static ImageFailureCode UpstreamUnavailable { get; } = new("UpstreamUnavailable");

    public static ImageFailureCode ImageInaccessible { get; } = new("ImageInaccessible");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ImageFailureCode> KnownValues { get; } = [InvalidImageDigest, InvalidImageTag, ImageTagDoesNotMatchDigest, ImageNotFound, MissingDigestAndTag, ImageReferencedByManifestList, KmsError, UpstreamAccessDenied, UpstreamTooManyRequests, UpstreamUnavailable, ImageInaccessible];

    public bool IsKnown => KnownValues.Contains(this);

    static ImageFailureCode IEcrEnum<ImageFailureCode>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Whether a layer is in the repository.</summary>
[JsonConverter(typeof(EcrEnumConverter<LayerAvailability>))]
public readonly record struct LayerAvailability(string Value) : IEcrEnum<LayerAvailability>
{
    public static LayerAvailability Available { get; } = new("AVAILABLE");

    public static LayerAvailability Unavailable { get; } = new("UNAVAILABLE");

    public static LayerAvailability Archived { get; } = new("ARCHIVED");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<LayerAvailability> KnownValues { get; } = [Available, Unavailable, Archived];

    public bool IsKnown => KnownValues.Contains(this);

    static LayerAvailability IEcrEnum<LayerAvailability>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Why one layer of BatchCheckLayerAvailability failed.</summary>
[JsonConverter(typeof(EcrEnumConverter<LayerFailureCode>))]
public readonly record struct LayerFailureCode(string Value) : IEcrEnum<LayerFailureCode>
{
    public static LayerFailureCode InvalidLayerDigest { get; } = new("InvalidLayerDigest");

    public static LayerFailureCode MissingLayerDigest { get; } = new("MissingLayerDigest");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<LayerFailureCode> KnownValues { get; } = [InvalidLayerDigest, MissingLayerDigest];

    public bool IsKnown => KnownValues.Contains(this);

    static LayerFailureCode IEcrEnum<LayerFailureCode>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Filters ListImageReferrers by artifact status.</summary>
[JsonConverter(typeof(EcrEnumConverter<ArtifactStatusFilter>))]
public readonly record struct ArtifactStatusFilter(string Value) : IEcrEnum<ArtifactStatusFilter>
{
    public static ArtifactStatusFilter Active { get; } = new("ACTIVE");

    public static ArtifactStatusFilter Archived { get; } = new("ARCHIVED");

    public static ArtifactStatusFilter Activating { get; } = new("ACTIVATING");

    public static ArtifactStatusFilter Any { get; } = new("ANY");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ArtifactStatusFilter> KnownValues { get; } = [Active, Archived, Activating, Any];

    public bool IsKnown => KnownValues.Contains(this);

    static ArtifactStatusFilter IEcrEnum<ArtifactStatusFilter>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Whether a referrer is active or archived.</summary>
[JsonConverter(typeof(EcrEnumConverter<ArtifactStatus>))]
public readonly record struct ArtifactStatus(string Value) : IEcrEnum<ArtifactStatus>
{
    public static ArtifactStatus Active { get; } = new("ACTIVE");

    public static ArtifactStatus Archived { get; } = new("ARCHIVED");

    public static ArtifactStatus Activating { get; } = new("ACTIVATING");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ArtifactStatus> KnownValues { get; } = [Active, Archived, Activating];

    public bool IsKnown => KnownValues.Contains(this);

    static ArtifactStatus IEcrEnum<ArtifactStatus>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The registry's scanning type: BASIC or ENHANCED (Amazon Inspector).</summary>
[JsonConverter(typeof(EcrEnumConverter<ScanType>))]
public readonly record struct ScanType(string Value) : IEcrEnum<ScanType>
{
    public static ScanType Basic { get; } = new("BASIC");

    public static ScanType Enhanced { get; } = new("ENHANCED");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ScanType> KnownValues { get; } = [Basic, Enhanced];

    public bool IsKnown => KnownValues.Contains(this);

    static ScanType IEcrEnum<ScanType>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>How often a registry scanning rule scans.</summary>
[JsonConverter(typeof(EcrEnumConverter<ScanFrequency>))]
public readonly record struct ScanFrequency(string Value) : IEcrEnum<ScanFrequency>
{
    public static ScanFrequency ScanOnPush { get; } = new("SCAN_ON_PUSH");

    public static ScanFrequency ContinuousScan { get; } = new("CONTINUOUS_SCAN");

    public static ScanFrequency Manual { get; } = new("MANUAL");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ScanFrequency> KnownValues { get; } = [ScanOnPush, ContinuousScan, Manual];

    public bool IsKnown => KnownValues.Contains(this);

    static ScanFrequency IEcrEnum<ScanFrequency>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The kind of a scanning repository filter.</summary>
[JsonConverter(typeof(EcrEnumConverter<ScanningRepositoryFilterType>))]
public readonly record struct ScanningRepositoryFilterType(string Value) : IEcrEnum<ScanningRepositoryFilterType>
{
    public static ScanningRepositoryFilterType Wildcard { get; } = new("WILDCARD");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<ScanningRepositoryFilterType> KnownValues { get; } = [Wildcard];

    public bool IsKnown => KnownValues.Contains(this);

    static ScanningRepositoryFilterType IEcrEnum<ScanningRepositoryFilterType>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The kind of a replication repository filter.</summary>
[JsonConverter(typeof(EcrEnumConverter<RepositoryFilterType>))]
public readonly record struct RepositoryFilterType(string Value) : IEcrEnum<RepositoryFilterType>
{
    public static RepositoryFilterType PrefixMatch { get; } = new("PREFIX_MATCH");

    /// <summary>The values the service model lists; the service may send others, which are kept as they are.</summary>
    public static IReadOnlyList<RepositoryFilterType> KnownValues { get; } = [PrefixMatch];

    public bool IsKnown => KnownValues.Contains(this);

    static RepositoryFilterType IEcrEnum<RepositoryFilterType>.FromValue(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}
