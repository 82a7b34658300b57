// Repositories: creation, description, deletion, scanning and mutability settings, tags. Types and member names follow the service model (service-2.json, 2015-09-21).
using System.Text.Json.Serialization;

namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>CreateRepository</c>.</summary>
public sealed record CreateRepositoryRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public IReadOnlyList<Tag>? Tags { get; init; }

    public ImageTagMutability? ImageTagMutability { get; init; }

    public IReadOnlyList<ImageTagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters { get; init; }

    public ImageScanningConfiguration? ImageScanningConfiguration { get; init; }

    public EncryptionConfiguration? EncryptionConfiguration { get; init; }
}

/// <summary>The output of <c>CreateRepository</c>.</summary>
public sealed record CreateRepositoryResponse
{
    public Repository? Repository { get; init; }
}

/// <summary>The input of <c>DescribeRepositories</c>.</summary>
public sealed record DescribeRepositoriesRequest
{
    public string? RegistryId { get; init; }

    public IReadOnlyList<string>? RepositoryNames { get; init; }

    public string? NextToken { get; init; }

    public int? MaxResults { get; init; }
}

/// <summary>The output of <c>DescribeRepositories</c>.</summary>
public sealed record DescribeRepositoriesResponse
{
    public IReadOnlyList<Repository>? Repositories { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>The input of <c>DeleteRepository</c>.</summary>
public sealed record DeleteRepositoryRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public bool? Force { get; init; }
}

/// <summary>The output of <c>DeleteRepository</c>.</summary>
public sealed record DeleteRepositoryResponse
{
    public Repository? Repository { get; init; }
}

/// <summary>The input of <c>PutImageScanningConfiguration</c>.</summary>
public sealed record PutImageScanningConfigurationRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required ImageScanningConfiguration ImageScanningConfiguration { get; init; }
}

/// <summary>The output of <c>PutImageScanningConfiguration</c>.</summary>
public sealed record PutImageScanningConfigurationResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public ImageScanningConfiguration? ImageScanningConfiguration { get; init; }
}

/// <summary>The input of <c>PutImageTagMutability</c>.</summary>
public sealed record PutImageTagMutabilityRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required ImageTagMutability ImageTagMutability { get; init; }

    public IReadOnlyList<ImageTagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters { get; init; }
}

/// <summary>The output of <c>PutImageTagMutability</c>.</summary>
public sealed record PutImageTagMutabilityResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public ImageTagMutability? ImageTagMutability { get; init; }

    public IReadOnlyList<ImageTagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters { get; init; }
}

/// <summary>The input of <c>TagResource</c>.</summary>
public sealed record TagResourceRequest
{
    public required string ResourceArn { get; init; }

    public required IReadOnlyList<Tag> Tags { get; init; }
}

/// <summary>The output of <c>TagResource</c>.</summary>
public sealed record TagResourceResponse;

/// <summary>The input of <c>UntagResource</c>.</summary>
public sealed record UntagResourceRequest
{
    public required string ResourceArn { get; init; }

    public required IReadOnlyList<string> TagKeys { get; init; }
}

/// <summary>The output of <c>UntagResource</c>.</summary>
public sealed record UntagResourceResponse;

/// <summary>The input of <c>ListTagsForResource</c>.</summary>
public sealed record ListTagsForResourceRequest
{
    public required string ResourceArn { get; init; }
}

/// <summary>The output of <c>ListTagsForResource</c>.</summary>
public sealed record ListTagsForResourceResponse
{
    public IReadOnlyList<Tag>? Tags { get; init; }
}

/// <summary>A resource tag. On the wire its members are <c>Key</c> and <c>Value</c>, capitalised unlike every other ECR member.</summary>
public sealed record Tag
{
    [JsonPropertyName("Key")]
    public required string Key { get; init; }

    [JsonPropertyName("Value")]
    public required string Value { get; init; }
}

/// <summary>A tag pattern (<c>*</c> wildcards) excepted from the repository's tag mutability setting.</summary>
public sealed record ImageTagMutabilityExclusionFilter
{
    public required ImageTagMutabilityExclusionFilterType FilterType { get; init; }

    public required string Filter { get; init; }
}

/// <summary>Whether the repository scans every image when it is pushed (basic scanning).</summary>
public sealed record ImageScanningConfiguration
{
    public bool? ScanOnPush { get; init; }
}

/// <summary>Encryption at rest of a repository: AES256 (S3-managed keys), KMS or KMS_DSSE with an optional key ARN or alias. Set at creation only.</summary>
public sealed record EncryptionConfiguration
{
    public required EncryptionType EncryptionType { get; init; }

    public string? KmsKey { get; init; }
}

/// <summary>An ECR repository as DescribeRepositories, CreateRepository and DeleteRepository return it.</summary>
public sealed record Repository
{
    public string? RepositoryArn { get; init; }

    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? RepositoryUri { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public ImageTagMutability? ImageTagMutability { get; init; }

    public IReadOnlyList<ImageTagMutabilityExclusionFilter>? ImageTagMutabilityExclusionFilters { get; init; }

    public ImageScanningConfiguration? ImageScanningConfiguration { get; init; }

    public EncryptionConfiguration? EncryptionConfiguration { get; init; }
}
