// Images, layers and referrers. Types and member names follow the service model (service-2.json, 2015-09-21).
namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>DescribeImages</c>.</summary>
public sealed record DescribeImagesRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public IReadOnlyList<ImageIdentifier>? ImageIds { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }

    public DescribeImagesFilter? Filter { get; init; }
}

/// <summary>The output of <c>DescribeImages</c>.</summary>
public sealed record DescribeImagesResponse
{
    public IReadOnlyList<ImageDetail>? ImageDetails { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>The input of <c>BatchGetImage</c>.</summary>
public sealed record BatchGetImageRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required IReadOnlyList<ImageIdentifier> ImageIds { get; init; }

    public IReadOnlyList<string>? AcceptedMediaTypes { get; init; }
}

/// <summary>The output of <c>BatchGetImage</c>.</summary>
public sealed record BatchGetImageResponse
{
    public IReadOnlyList<Image>? Images { get; init; }

    public IReadOnlyList<ImageFailure>? Failures { get; init; }
}

/// <summary>The input of <c>PutImage</c>.</summary>
public sealed record PutImageRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required string ImageManifest { get; init; }

    public string? ImageManifestMediaType { get; init; }

    public string? ImageTag { get; init; }

    public string? ImageDigest { get; init; }
}

/// <summary>The output of <c>PutImage</c>.</summary>
public sealed record PutImageResponse
{
    public Image? Image { get; init; }
}

/// <summary>The input of <c>BatchCheckLayerAvailability</c>.</summary>
public sealed record BatchCheckLayerAvailabilityRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required IReadOnlyList<string> LayerDigests { get; init; }
}

/// <summary>The output of <c>BatchCheckLayerAvailability</c>.</summary>
public sealed record BatchCheckLayerAvailabilityResponse
{
    public IReadOnlyList<Layer>? Layers { get; init; }

    public IReadOnlyList<LayerFailure>? Failures { get; init; }
}

/// <summary>The input of <c>ListImageReferrers</c>.</summary>
public sealed record ListImageReferrersRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required SubjectIdentifier SubjectId { get; init; }

    public ListImageReferrersFilter? Filter { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

/// <summary>The output of <c>ListImageReferrers</c>.</summary>
public sealed record ListImageReferrersResponse
{
    public IReadOnlyList<ImageReferrer>? Referrers { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>Names an image by digest, tag or both.</summary>
public sealed record ImageIdentifier
{
    public string? ImageDigest { get; init; }

    public string? ImageTag { get; init; }
}

/// <summary>Narrows DescribeImages to tagged or untagged images, or to images in one archive status.</summary>
public sealed record DescribeImagesFilter
{
    public TagStatus? TagStatus { get; init; }

    public ImageStatusFilter? ImageStatus { get; init; }
}

/// <summary>An image as DescribeImages reports it: digest, tags, size, push time, scan status and summary.</summary>
public sealed record ImageDetail
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? ImageDigest { get; init; }

    public IReadOnlyList<string>? ImageTags { get; init; }

    public long? ImageSizeInBytes { get; init; }

    public DateTimeOffset? ImagePushedAt { get; init; }

    public ImageScanStatus? ImageScanStatus { get; init; }

    public ImageScanFindingsSummary? ImageScanFindingsSummary { get; init; }

    public string? ImageManifestMediaType { get; init; }

    public string? ArtifactMediaType { get; init; }

    public DateTimeOffset? LastRecordedPullTime { get; init; }

    public string? SubjectManifestDigest { get; init; }

    public ImageStatus? ImageStatus { get; init; }

    public DateTimeOffset? LastArchivedAt { get; init; }

    public DateTimeOffset? LastActivatedAt { get; init; }
}

/// <summary>An image manifest with its identifiers, as BatchGetImage and PutImage return it.</summary>
public sealed record Image
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public ImageIdentifier? ImageId { get; init; }

    public string? ImageManifest { get; init; }

    public string? ImageManifestMediaType { get; init; }
}

/// <summary>Why one image of a batch request could not be returned; batch failures arrive in a successful response.</summary>
public sealed record ImageFailure
{
    public ImageIdentifier? ImageId { get; init; }

    public ImageFailureCode? FailureCode { get; init; }

    public string? FailureReason { get; init; }
}

/// <summary>Whether a layer is in the repository, as BatchCheckLayerAvailability reports it.</summary>
public sealed record Layer
{
    public string? LayerDigest { get; init; }

    public LayerAvailability? LayerAvailability { get; init; }

    public long? LayerSize { get; init; }

    public string? MediaType { get; init; }
}

/// <summary>Why one layer of a BatchCheckLayerAvailability request could not be checked.</summary>
public sealed record LayerFailure
{
    public string? LayerDigest { get; init; }

    public LayerFailureCode? FailureCode { get; init; }

    public string? FailureReason { get; init; }
}

/// <summary>The image (by digest) whose referrers to list.</summary>
public sealed record SubjectIdentifier
{
    public required string ImageDigest { get; init; }
}

/// <summary>Narrows ListImageReferrers to some artifact types or statuses.</summary>
public sealed record ListImageReferrersFilter
{
    public IReadOnlyList<string>? ArtifactTypes { get; init; }

    public ArtifactStatusFilter? ArtifactStatus { get; init; }
}

/// <summary>An artifact (signature, SBOM, attestation) whose manifest refers to an image through its <c>subject</c>.</summary>
public sealed record ImageReferrer
{
    public required string Digest { get; init; }

    public required string MediaType { get; init; }

    public string? ArtifactType { get; init; }

    public required long Size { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public ArtifactStatus? ArtifactStatus { get; init; }
}
