using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// Maps every error shape of the ECR model to its diagnostic code, exception type and advice. Error types the model
/// does not list (the common AWS ones such as <c>AccessDeniedException</c> or <c>ThrottlingException</c>) are not
/// ECR's to map: the AWS layer reports them.
/// </summary>
internal static class EcrErrors
{
    /// <summary>Service messages are quoted, but not without bound.</summary>
    private const int MaxServiceMessageLength = 1024;

    private static readonly Dictionary<string, Entry> s_table = Build();

    /// <summary>True when <paramref name="type"/> is an error shape of the ECR model.</summary>
    public static bool IsModelled(EcrErrorType type) => type.Value is not null && s_table.ContainsKey(type.Value);

    public static ErrorCode CodeFor(EcrErrorType type) => Find(type).Code;

    /// <summary>
    /// The message of the exception: the operation, the error type, the service's message and what to do, then the
    /// request id. Nothing from the request is quoted, so no credential or token can appear.
    /// </summary>
    public static string MessageFor(AwsServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var type = EcrErrorType.Parse(error.ErrorType);
        var serviceMessage = error.Message?.Trim();
        if (serviceMessage is { Length: > MaxServiceMessageLength })
        {
            serviceMessage = serviceMessage[..MaxServiceMessageLength] + "...";
        }

        var what = string.IsNullOrEmpty(serviceMessage) ? string.Empty : ": " + serviceMessage.TrimEnd('.');
        var requestId = string.IsNullOrEmpty(error.RequestId) ? "no AWS request ID" : "AWS request ID " + error.RequestId;
        return $"ECR {error.Operation} failed with {type} (HTTP {(int)error.StatusCode}){what} ({requestId}). {Find(type).Advice}";
    }

    /// <summary>The typed exception for an ECR error response.</summary>
    public static EcrServiceException Create(AwsServiceError error, Exception? innerException = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Find(EcrErrorType.Parse(error.ErrorType)).Create(error, innerException);
    }

    private static Entry Find(EcrErrorType type)
        => type.Value is not null && s_table.TryGetValue(type.Value, out var entry) ? entry : s_generic;

    private static readonly Entry s_generic = new(
        ErrorCodes.EcrRequestFailed,
        "The message above gives Amazon ECR's reason.",
        (d, e) => new EcrServiceException(d, e));

    private static Dictionary<string, Entry> Build()
    {
        const string pushLayersFirst = "Push every layer and referenced manifest before the manifest, and make sure a digest given with the manifest is the manifest's own.";
        const string uploadParts = "Upload parts in order, each at least 5 MiB except the last; start a new upload if the session was lost.";
        const string pullThroughCache = "Check the pull-through cache rule, the upstream registry and the AWS Secrets Manager secret that holds its credentials.";
        const string fixParameter = "Fix the value the message names: repository names are 2-256 lowercase characters (letters, digits, . _ - /), registry ids 12 digits, at most 50 tags.";
        var table = new Dictionary<string, Entry>(StringComparer.Ordinal);

        void Add(EcrErrorType type, ErrorCode code, string advice, Func<AwsServiceError, Exception?, EcrServiceException>? create = null)
            => table.Add(type.Value, new(code, advice, create ?? ((d, e) => new EcrServiceException(d, e))));

        Add(EcrErrorType.RepositoryNotFound, ErrorCodes.EcrRepositoryNotFound,
            "Check the repository name, the region and the registry (account) id, or create the repository with `dotnet toolkit ecr ensure-repository <name>`.",
            (d, e) => new RepositoryNotFoundException(d, e));
        Add(EcrErrorType.RepositoryAlreadyExists, ErrorCodes.EcrRepositoryAlreadyExists,
            "The repository is already there: describe it rather than create it (`dotnet toolkit ecr ensure-repository` does).",
            (d, e) => new RepositoryAlreadyExistsException(d, e));
        Add(EcrErrorType.RepositoryNotEmpty, ErrorCodes.EcrRepositoryNotEmpty,
            "Delete its images first, or delete the repository with force if its images may go.",
            (d, e) => new RepositoryNotEmptyException(d, e));
        Add(EcrErrorType.ImageNotFound, ErrorCodes.EcrImageNotFound,
            "Check the tag or digest and the repository; a lifecycle policy may have expired the image.",
            (d, e) => new ImageNotFoundException(d, e));
        Add(EcrErrorType.ImageTagAlreadyExists, ErrorCodes.EcrImageTagImmutable,
            "The repository's tags are immutable: push under a new tag (or by digest only), or add an exclusion filter for this tag to the repository's tag mutability setting.",
            (d, e) => new ImageTagAlreadyExistsException(d, e));
        Add(EcrErrorType.ImageAlreadyExists, ErrorCodes.EcrImageRejected,
            "The image is already in the repository with this tag; nothing needs pushing.",
            (d, e) => new ImageAlreadyExistsException(d, e));
        Add(EcrErrorType.LayersNotFound, ErrorCodes.EcrImageRejected, pushLayersFirst, (d, e) => new LayersNotFoundException(d, e));
        Add(EcrErrorType.ReferencedImagesNotFound, ErrorCodes.EcrImageRejected, pushLayersFirst, (d, e) => new ReferencedImagesNotFoundException(d, e));
        Add(EcrErrorType.ImageDigestDoesNotMatch, ErrorCodes.EcrImageRejected, pushLayersFirst, (d, e) => new ImageDigestDoesNotMatchException(d, e));
        Add(EcrErrorType.InvalidLayer, ErrorCodes.EcrImageRejected,
            "A layer's content does not match its digest or is not valid; push it again from a verified source.");
        Add(EcrErrorType.LayerInaccessible, ErrorCodes.EcrImageRejected,
            "The layer cannot be read (for a pull-through cache, its upstream copy); push it again.");
        Add(EcrErrorType.EmptyUpload, ErrorCodes.EcrLayerUploadFailed, uploadParts);
        Add(EcrErrorType.InvalidLayerPart, ErrorCodes.EcrLayerUploadFailed,
            uploadParts + " The exception's LastValidByteReceived says where the upload stands.",
            (d, e) => new InvalidLayerPartException(d, e));
        Add(EcrErrorType.LayerAlreadyExists, ErrorCodes.EcrLayerUploadFailed, "The layer is already in the repository; it need not be uploaded.");
        Add(EcrErrorType.LayerPartTooSmall, ErrorCodes.EcrLayerUploadFailed, uploadParts);
        Add(EcrErrorType.UploadNotFound, ErrorCodes.EcrLayerUploadFailed, uploadParts);
        Add(EcrErrorType.LifecyclePolicyNotFound, ErrorCodes.EcrLifecyclePolicyNotFound,
            "Apply one with `dotnet toolkit ecr ensure-repository <name> --lifecycle-policy <file>`.",
            (d, e) => new LifecyclePolicyNotFoundException(d, e));
        Add(EcrErrorType.LifecyclePolicyPreviewNotFound, ErrorCodes.EcrLifecyclePolicyNotFound,
            "Start a lifecycle policy preview first.");
        Add(EcrErrorType.RepositoryPolicyNotFound, ErrorCodes.EcrPolicyNotFound,
            "Set one with `dotnet toolkit ecr ensure-repository <name> --policy <file>`; without one, only IAM policies grant access.",
            (d, e) => new RepositoryPolicyNotFoundException(d, e));
        Add(EcrErrorType.RegistryPolicyNotFound, ErrorCodes.EcrPolicyNotFound,
            "The registry has no permissions policy; set one (PutRegistryPolicy) if cross-account replication or pull-through caching needs it.");
        Add(EcrErrorType.ScanNotFound, ErrorCodes.EcrScanNotFound,
            "The image has not been scanned: turn on scan on push or start a scan (StartImageScan). Right after a push the scan can take a moment to appear; ask again.",
            (d, e) => new ScanNotFoundException(d, e));
        Add(EcrErrorType.UnsupportedImageType, ErrorCodes.EcrImageNotScannable,
            "Basic scanning supports image manifests of the operating systems ECR lists; scan each platform's manifest of a multi-platform image, or use enhanced scanning.",
            (d, e) => new UnsupportedImageTypeException(d, e));
        Add(EcrErrorType.ImageArchived, ErrorCodes.EcrImageNotScannable,
            "The image is archived; restore it (UpdateImageStorageClass) before scanning or using it.",
            (d, e) => new ImageArchivedException(d, e));
        Add(EcrErrorType.LimitExceeded, ErrorCodes.EcrLimitExceeded,
            "A service quota was reached (e.g. one basic scan per image every 24 hours, scan on push included; repositories per registry): wait, or ask for more in Service Quotas.",
            (d, e) => new LimitExceededException(d, e));
        Add(EcrErrorType.Kms, ErrorCodes.EcrKmsError,
            "Check that the KMS key exists, is enabled, is in the repository's region, and that its key policy lets ECR and you use it.",
            (d, e) => new KmsException(d, e));
        Add(EcrErrorType.InvalidParameter, ErrorCodes.EcrInvalidRequest, fixParameter, (d, e) => new InvalidParameterException(d, e));
        Add(EcrErrorType.Validation, ErrorCodes.EcrInvalidRequest, fixParameter, (d, e) => new ValidationException(d, e));
        Add(EcrErrorType.InvalidTagParameter, ErrorCodes.EcrInvalidRequest,
            "Tag keys are 1-128 and values 0-256 characters; keys must not start with `aws:`.",
            (d, e) => new InvalidTagParameterException(d, e));
        Add(EcrErrorType.TooManyTags, ErrorCodes.EcrInvalidRequest,
            "A repository holds at most 50 tags; remove some first.",
            (d, e) => new TooManyTagsException(d, e));
        Add(EcrErrorType.Server, ErrorCodes.EcrServerError,
            "Retry later; if it persists, give AWS support the request id.",
            (d, e) => new ServerException(d, e));
        Add(EcrErrorType.UnableToGetUpstreamImage, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.UnableToGetUpstreamLayer, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.UnableToListUpstreamImageReferrers, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.UnsupportedUpstreamRegistry, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.SecretNotFound, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.UnableToAccessSecret, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.UnableToDecryptSecretValue, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.PullThroughCacheRuleNotFound, ErrorCodes.EcrUpstreamFailed, pullThroughCache);
        Add(EcrErrorType.PullThroughCacheRuleAlreadyExists, ErrorCodes.EcrUpstreamFailed,
            "A pull-through cache rule with this prefix exists already; update it instead.");
        Add(EcrErrorType.BlockedByOrganizationPolicy, ErrorCodes.EcrRequestFailed,
            "An AWS Organizations policy forbids this setting; ask the organization's administrators.");
        Add(EcrErrorType.ExclusionAlreadyExists, ErrorCodes.EcrRequestFailed, "The exclusion is already registered; nothing to do.");
        Add(EcrErrorType.ExclusionNotFound, ErrorCodes.EcrRequestFailed, "The exclusion is not registered; nothing to remove.");
        Add(EcrErrorType.ImageStorageClassUpdateNotSupported, ErrorCodes.EcrRequestFailed, "The image cannot move to that storage class.");
        Add(EcrErrorType.LifecyclePolicyPreviewInProgress, ErrorCodes.EcrRequestFailed, "A lifecycle policy preview is running; wait for it to finish.");
        Add(EcrErrorType.SigningConfigurationNotFound, ErrorCodes.EcrRequestFailed, "The registry has no managed signing configuration; set one first.");
        Add(EcrErrorType.TemplateAlreadyExists, ErrorCodes.EcrRequestFailed, "A repository creation template with this prefix exists already; update it instead.");
        Add(EcrErrorType.TemplateNotFound, ErrorCodes.EcrRequestFailed, "There is no repository creation template with this prefix.");
        return table;
    }

    private sealed record Entry(ErrorCode Code, string Advice, Func<AwsServiceError, Exception?, EcrServiceException> Create);
}
