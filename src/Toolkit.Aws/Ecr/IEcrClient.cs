namespace Toolkit.Aws.Ecr;

/// <summary>
/// The Amazon ECR API (AWS JSON 1.1, <c>AmazonEC2ContainerRegistry_V20150921</c>): one method per operation, with the
/// model's input and output. Errors are <see cref="EcrServiceException"/>s (typed per error shape, with the request
/// id); <see cref="EcrPaginators"/> reads all pages of the paginated operations.
/// </summary>
public interface IEcrClient
{
    /// <summary>A registry credential (12 hours) for the default registry or the registries named. The token is a secret: never log it.</summary>
    Task<GetAuthorizationTokenResponse> GetAuthorizationTokenAsync(GetAuthorizationTokenRequest request, CancellationToken cancellationToken);

    /// <summary>Creates a repository with its tag mutability, scanning, encryption (fixed after creation) and tags.</summary>
    Task<CreateRepositoryResponse> CreateRepositoryAsync(CreateRepositoryRequest request, CancellationToken cancellationToken);

    /// <summary>One page of repositories; <see cref="EcrPaginators.DescribeAllRepositoriesAsync"/> reads them all.</summary>
    Task<DescribeRepositoriesResponse> DescribeRepositoriesAsync(DescribeRepositoriesRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes a repository (with <c>force</c>, also its images).</summary>
    Task<DeleteRepositoryResponse> DeleteRepositoryAsync(DeleteRepositoryRequest request, CancellationToken cancellationToken);

    /// <summary>Turns scan on push on or off for a repository.</summary>
    Task<PutImageScanningConfigurationResponse> PutImageScanningConfigurationAsync(PutImageScanningConfigurationRequest request, CancellationToken cancellationToken);

    /// <summary>Sets whether a repository's tags can move, with exclusion filters.</summary>
    Task<PutImageTagMutabilityResponse> PutImageTagMutabilityAsync(PutImageTagMutabilityRequest request, CancellationToken cancellationToken);

    /// <summary>Sets a repository's lifecycle policy (a JSON document).</summary>
    Task<PutLifecyclePolicyResponse> PutLifecyclePolicyAsync(PutLifecyclePolicyRequest request, CancellationToken cancellationToken);

    /// <summary>Reads a repository's lifecycle policy; <see cref="LifecyclePolicyNotFoundException"/> when it has none.</summary>
    Task<GetLifecyclePolicyResponse> GetLifecyclePolicyAsync(GetLifecyclePolicyRequest request, CancellationToken cancellationToken);

    /// <summary>Sets a repository's permissions policy (a JSON IAM policy document).</summary>
    Task<SetRepositoryPolicyResponse> SetRepositoryPolicyAsync(SetRepositoryPolicyRequest request, CancellationToken cancellationToken);

    /// <summary>Reads a repository's permissions policy; <see cref="RepositoryPolicyNotFoundException"/> when it has none.</summary>
    Task<GetRepositoryPolicyResponse> GetRepositoryPolicyAsync(GetRepositoryPolicyRequest request, CancellationToken cancellationToken);

    /// <summary>Adds or overwrites tags of a repository (by ARN).</summary>
    Task<TagResourceResponse> TagResourceAsync(TagResourceRequest request, CancellationToken cancellationToken);

    /// <summary>Removes tags of a repository (by ARN).</summary>
    Task<UntagResourceResponse> UntagResourceAsync(UntagResourceRequest request, CancellationToken cancellationToken);

    /// <summary>Lists the tags of a repository (by ARN).</summary>
    Task<ListTagsForResourceResponse> ListTagsForResourceAsync(ListTagsForResourceRequest request, CancellationToken cancellationToken);

    /// <summary>One page of image details; <see cref="EcrPaginators.DescribeAllImagesAsync"/> reads them all.</summary>
    Task<DescribeImagesResponse> DescribeImagesAsync(DescribeImagesRequest request, CancellationToken cancellationToken);

    /// <summary>Reads image manifests; images it cannot return are listed in <c>failures</c> of a successful response.</summary>
    Task<BatchGetImageResponse> BatchGetImageAsync(BatchGetImageRequest request, CancellationToken cancellationToken);

    /// <summary>Puts an image manifest (the layers must be in the repository), optionally under a tag.</summary>
    Task<PutImageResponse> PutImageAsync(PutImageRequest request, CancellationToken cancellationToken);

    /// <summary>Whether layers are in the repository.</summary>
    Task<BatchCheckLayerAvailabilityResponse> BatchCheckLayerAvailabilityAsync(BatchCheckLayerAvailabilityRequest request, CancellationToken cancellationToken);

    /// <summary>Starts a basic scan of an image (once per image every 24 hours).</summary>
    Task<StartImageScanResponse> StartImageScanAsync(StartImageScanRequest request, CancellationToken cancellationToken);

    /// <summary>One page of an image's scan findings; <see cref="EcrPaginators.DescribeAllImageScanFindingsAsync"/> reads every page (basic and enhanced findings).</summary>
    Task<DescribeImageScanFindingsResponse> DescribeImageScanFindingsAsync(DescribeImageScanFindingsRequest request, CancellationToken cancellationToken);

    /// <summary>One page of the artifacts that refer to an image; <see cref="EcrPaginators.ListAllImageReferrersAsync"/> reads them all.</summary>
    Task<ListImageReferrersResponse> ListImageReferrersAsync(ListImageReferrersRequest request, CancellationToken cancellationToken);

    /// <summary>The registry's scanning type (BASIC or ENHANCED) and rules.</summary>
    Task<GetRegistryScanningConfigurationResponse> GetRegistryScanningConfigurationAsync(GetRegistryScanningConfigurationRequest request, CancellationToken cancellationToken);

    /// <summary>Sets the registry's scanning type and rules.</summary>
    Task<PutRegistryScanningConfigurationResponse> PutRegistryScanningConfigurationAsync(PutRegistryScanningConfigurationRequest request, CancellationToken cancellationToken);

    /// <summary>Sets the registry's replication rules (replacing the current ones).</summary>
    Task<PutReplicationConfigurationResponse> PutReplicationConfigurationAsync(PutReplicationConfigurationRequest request, CancellationToken cancellationToken);

    /// <summary>The registry id and its replication configuration.</summary>
    Task<DescribeRegistryResponse> DescribeRegistryAsync(DescribeRegistryRequest request, CancellationToken cancellationToken);
}
