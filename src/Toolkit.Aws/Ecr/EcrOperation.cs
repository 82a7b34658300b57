using System.Text.Json.Serialization.Metadata;

namespace Toolkit.Aws.Ecr;

/// <summary>An operation of the ECR API, whatever its input and output types.</summary>
internal interface IEcrOperation
{
    string Name { get; }

    string Target { get; }

    JsonTypeInfo RequestTypeInfo { get; }

    JsonTypeInfo ResponseTypeInfo { get; }
}

/// <summary>One operation of the ECR API: its name (the suffix of <c>X-Amz-Target</c>) and how its input and output are written and read.</summary>
internal sealed class EcrOperation<TRequest, TResponse>(string name, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType) : IEcrOperation
{
    public string Name { get; } = name;

    /// <summary>The <c>X-Amz-Target</c> header value, e.g. <c>AmazonEC2ContainerRegistry_V20150921.CreateRepository</c>.</summary>
    public string Target { get; } = EcrOperations.TargetPrefix + "." + name;

    public JsonTypeInfo<TRequest> RequestType { get; } = requestType;

    public JsonTypeInfo<TResponse> ResponseType { get; } = responseType;

    JsonTypeInfo IEcrOperation.RequestTypeInfo => RequestType;

    JsonTypeInfo IEcrOperation.ResponseTypeInfo => ResponseType;
}

/// <summary>The operations of the ECR client, named as in the service model.</summary>
internal static class EcrOperations
{
    /// <summary>The service model's <c>targetPrefix</c>.</summary>
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921";

    /// <summary>The SigV4 signing name (<c>signingName</c>).</summary>
    public const string SigningName = "ecr";

    /// <summary>The model's <c>endpointPrefix</c>: hosts are <c>api.ecr.&lt;region&gt;.amazonaws.com</c>.</summary>
    public const string EndpointPrefix = "api.ecr";

    private static EcrJsonContext Context => EcrJson.Context;

    public static EcrOperation<GetAuthorizationTokenRequest, GetAuthorizationTokenResponse> GetAuthorizationToken { get; } = new("GetAuthorizationToken", Context.GetAuthorizationTokenRequest, Context.GetAuthorizationTokenResponse);

    public static EcrOperation<CreateRepositoryRequest, CreateRepositoryResponse> CreateRepository { get; } = new("CreateRepository", Context.CreateRepositoryRequest, Context.CreateRepositoryResponse);

    public static EcrOperation<DescribeRepositoriesRequest, DescribeRepositoriesResponse> DescribeRepositories { get; } = new("DescribeRepositories", Context.DescribeRepositoriesRequest, Context.DescribeRepositoriesResponse);

    public static EcrOperation<DeleteRepositoryRequest, DeleteRepositoryResponse> DeleteRepository { get; } = new("DeleteRepository", Context.DeleteRepositoryRequest, Context.DeleteRepositoryResponse);

    public static EcrOperation<PutImageScanningConfigurationRequest, PutImageScanningConfigurationResponse> PutImageScanningConfiguration { get; } = new("PutImageScanningConfiguration", Context.PutImageScanningConfigurationRequest, Context.PutImageScanningConfigurationResponse);

    public static EcrOperation<PutImageTagMutabilityRequest, PutImageTagMutabilityResponse> PutImageTagMutability { get; } = new("PutImageTagMutability", Context.PutImageTagMutabilityRequest, Context.PutImageTagMutabilityResponse);

    public static EcrOperation<PutLifecyclePolicyRequest, PutLifecyclePolicyResponse> PutLifecyclePolicy { get; } = new("PutLifecyclePolicy", Context.PutLifecyclePolicyRequest, Context.PutLifecyclePolicyResponse);

    public static EcrOperation<GetLifecyclePolicyRequest, GetLifecyclePolicyResponse> GetLifecyclePolicy { get; } = new("GetLifecyclePolicy", Context.GetLifecyclePolicyRequest, Context.GetLifecyclePolicyResponse);

    public static EcrOperation<SetRepositoryPolicyRequest, SetRepositoryPolicyResponse> SetRepositoryPolicy { get; } = new("SetRepositoryPolicy", Context.SetRepositoryPolicyRequest, Context.SetRepositoryPolicyResponse);

    public static EcrOperation<GetRepositoryPolicyRequest, GetRepositoryPolicyResponse> GetRepositoryPolicy { get; } = new("GetRepositoryPolicy", Context.GetRepositoryPolicyRequest, Context.GetRepositoryPolicyResponse);

    public static EcrOperation<TagResourceRequest, TagResourceResponse> TagResource { get; } = new("TagResource", Context.TagResourceRequest, Context.TagResourceResponse);

    public static EcrOperation<UntagResourceRequest, UntagResourceResponse> UntagResource { get; } = new("UntagResource", Context.UntagResourceRequest, Context.UntagResourceResponse);

    public static EcrOperation<ListTagsForResourceRequest, ListTagsForResourceResponse> ListTagsForResource { get; } = new("ListTagsForResource", Context.ListTagsForResourceRequest, Context.ListTagsForResourceResponse);

    public static EcrOperation<DescribeImagesRequest, DescribeImagesResponse> DescribeImages { get; } = new("DescribeImages", Context.DescribeImagesRequest, Context.DescribeImagesResponse);

    public static EcrOperation<BatchGetImageRequest, BatchGetImageResponse> BatchGetImage { get; } = new("BatchGetImage", Context.BatchGetImageRequest, Context.BatchGetImageResponse);

    public static EcrOperation<PutImageRequest, PutImageResponse> PutImage { get; } = new("PutImage", Context.PutImageRequest, Context.PutImageResponse);

    public static EcrOperation<BatchCheckLayerAvailabilityRequest, BatchCheckLayerAvailabilityResponse> BatchCheckLayerAvailability { get; } = new("BatchCheckLayerAvailability", Context.BatchCheckLayerAvailabilityRequest, Context.BatchCheckLayerAvailabilityResponse);

    public static EcrOperation<StartImageScanRequest, StartImageScanResponse> StartImageScan { get; } = new("StartImageScan", Context.StartImageScanRequest, Context.StartImageScanResponse);

    public static EcrOperation<DescribeImageScanFindingsRequest, DescribeImageScanFindingsResponse> DescribeImageScanFindings { get; } = new("DescribeImageScanFindings", Context.DescribeImageScanFindingsRequest, Context.DescribeImageScanFindingsResponse);

    public static EcrOperation<ListImageReferrersRequest, ListImageReferrersResponse> ListImageReferrers { get; } = new("ListImageReferrers", Context.ListImageReferrersRequest, Context.ListImageReferrersResponse);

    public static EcrOperation<GetRegistryScanningConfigurationRequest, GetRegistryScanningConfigurationResponse> GetRegistryScanningConfiguration { get; } = new("GetRegistryScanningConfiguration", Context.GetRegistryScanningConfigurationRequest, Context.GetRegistryScanningConfigurationResponse);

    public static EcrOperation<PutRegistryScanningConfigurationRequest, PutRegistryScanningConfigurationResponse> PutRegistryScanningConfiguration { get; } = new("PutRegistryScanningConfiguration", Context.PutRegistryScanningConfigurationRequest, Context.PutRegistryScanningConfigurationResponse);

    public static EcrOperation<PutReplicationConfigurationRequest, PutReplicationConfigurationResponse> PutReplicationConfiguration { get; } = new("PutReplicationConfiguration", Context.PutReplicationConfigurationRequest, Context.PutReplicationConfigurationResponse);

    public static EcrOperation<DescribeRegistryRequest, DescribeRegistryResponse> DescribeRegistry { get; } = new("DescribeRegistry", Context.DescribeRegistryRequest, Context.DescribeRegistryResponse);

    /// <summary>Every operation above.</summary>
    public static IReadOnlyList<IEcrOperation> All { get; } =
    [
        GetAuthorizationToken,
        CreateRepository,
        DescribeRepositories,
        DeleteRepository,
        PutImageScanningConfiguration,
        PutImageTagMutability,
        PutLifecyclePolicy,
        GetLifecyclePolicy,
        SetRepositoryPolicy,
        GetRepositoryPolicy,
        TagResource,
        UntagResource,
        ListTagsForResource,
        DescribeImages,
        BatchGetImage,
        PutImage,
        BatchCheckLayerAvailability,
        StartImageScan,
        DescribeImageScanFindings,
        ListImageReferrers,
        GetRegistryScanningConfiguration,
        PutRegistryScanningConfiguration,
        PutReplicationConfiguration,
        DescribeRegistry,
    ];
}
