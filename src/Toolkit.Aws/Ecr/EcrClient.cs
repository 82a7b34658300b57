namespace Toolkit.Aws.Ecr;

/// <summary>
/// The Amazon ECR API client: AWS JSON 1.1 over the toolkit's AWS connection (credentials from the default chain or
/// the connection's own, SigV4 with signing name <c>ecr</c>, endpoints from the official rule set or a custom
/// endpoint URL such as a VPC endpoint or a test server, standard retries, request IDs logged and kept). Error
/// answers whose type is an error shape of the ECR model are thrown as <see cref="EcrServiceException"/>s (typed, coded
/// TK3030-TK3046); others as the AWS layer's <see cref="AwsServiceException"/>.
/// </summary>
/// <example>
/// <code>
/// var connection = AwsConnection.Resolve(new AwsConnectionOptions { Region = "eu-west-1" });
/// using var ecr = new EcrClient(connection);
/// var created = await ecr.CreateRepositoryAsync(
///     new CreateRepositoryRequest { RepositoryName = "team/app", ImageTagMutability = ImageTagMutability.Immutable },
///     cancellationToken);
/// </code>
/// </example>
public sealed class EcrClient : AwsJsonClient, IEcrClient
{
    public EcrClient(AwsConnection connection)
        : base(connection, AwsServices.Ecr)
    {
    }

    public Task<GetAuthorizationTokenResponse> GetAuthorizationTokenAsync(GetAuthorizationTokenRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.GetAuthorizationToken, request, cancellationToken);

    public Task<CreateRepositoryResponse> CreateRepositoryAsync(CreateRepositoryRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.CreateRepository, request, cancellationToken);

    public Task<DescribeRepositoriesResponse> DescribeRepositoriesAsync(DescribeRepositoriesRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.DescribeRepositories, request, cancellationToken);

    public Task<DeleteRepositoryResponse> DeleteRepositoryAsync(DeleteRepositoryRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.DeleteRepository, request, cancellationToken);

    public Task<PutImageScanningConfigurationResponse> PutImageScanningConfigurationAsync(PutImageScanningConfigurationRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutImageScanningConfiguration, request, cancellationToken);

    public Task<PutImageTagMutabilityResponse> PutImageTagMutabilityAsync(PutImageTagMutabilityRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutImageTagMutability, request, cancellationToken);

    public Task<PutLifecyclePolicyResponse> PutLifecyclePolicyAsync(PutLifecyclePolicyRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutLifecyclePolicy, request, cancellationToken);

    public Task<GetLifecyclePolicyResponse> GetLifecyclePolicyAsync(GetLifecyclePolicyRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.GetLifecyclePolicy, request, cancellationToken);

    public Task<SetRepositoryPolicyResponse> SetRepositoryPolicyAsync(SetRepositoryPolicyRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.SetRepositoryPolicy, request, cancellationToken);

    public Task<GetRepositoryPolicyResponse> GetRepositoryPolicyAsync(GetRepositoryPolicyRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.GetRepositoryPolicy, request, cancellationToken);

    public Task<TagResourceResponse> TagResourceAsync(TagResourceRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.TagResource, request, cancellationToken);

    public Task<UntagResourceResponse> UntagResourceAsync(UntagResourceRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.UntagResource, request, cancellationToken);

    public Task<ListTagsForResourceResponse> ListTagsForResourceAsync(ListTagsForResourceRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.ListTagsForResource, request, cancellationToken);

    public Task<DescribeImagesResponse> DescribeImagesAsync(DescribeImagesRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.DescribeImages, request, cancellationToken);

    public Task<BatchGetImageResponse> BatchGetImageAsync(BatchGetImageRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.BatchGetImage, request, cancellationToken);

    public Task<PutImageResponse> PutImageAsync(PutImageRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutImage, request, cancellationToken);

    public Task<BatchCheckLayerAvailabilityResponse> BatchCheckLayerAvailabilityAsync(BatchCheckLayerAvailabilityRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.BatchCheckLayerAvailability, request, cancellationToken);

    public Task<StartImageScanResponse> StartImageScanAsync(StartImageScanRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.StartImageScan, request, cancellationToken);

    public Task<DescribeImageScanFindingsResponse> DescribeImageScanFindingsAsync(DescribeImageScanFindingsRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.DescribeImageScanFindings, request, cancellationToken);

    public Task<ListImageReferrersResponse> ListImageReferrersAsync(ListImageReferrersRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.ListImageReferrers, request, cancellationToken);

    public Task<GetRegistryScanningConfigurationResponse> GetRegistryScanningConfigurationAsync(GetRegistryScanningConfigurationRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.GetRegistryScanningConfiguration, request, cancellationToken);

    public Task<PutRegistryScanningConfigurationResponse> PutRegistryScanningConfigurationAsync(PutRegistryScanningConfigurationRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutRegistryScanningConfiguration, request, cancellationToken);

    public Task<PutReplicationConfigurationResponse> PutReplicationConfigurationAsync(PutReplicationConfigurationRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.PutReplicationConfiguration, request, cancellationToken);

    public Task<DescribeRegistryResponse> DescribeRegistryAsync(DescribeRegistryRequest request, CancellationToken cancellationToken)
        => CallAsync(EcrOperations.DescribeRegistry, request, cancellationToken);

    /// <summary>Modelled ECR errors become their typed exceptions; the rest keep the AWS layer's mapping.</summary>
    protected override AwsServiceException CreateServiceException(AwsServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return EcrErrors.IsModelled(EcrErrorType.Parse(error.ErrorType)) ? EcrErrors.Create(error) : base.CreateServiceException(error);
    }

    private Task<TResponse> CallAsync<TRequest, TResponse>(EcrOperation<TRequest, TResponse> operation, TRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Written with the ECR options (only what JSON requires escaped, so a policy document's quotes go as \" as
        // botocore sends them, not \u0022), then copied into the request as they are.
        var body = EcrJson.Serialize(request, operation.RequestType);
        return InvokeAsync(operation.Name, writer => writer.WriteRawValue(body, skipInputValidation: true), operation.ResponseType, cancellationToken);
    }
}
