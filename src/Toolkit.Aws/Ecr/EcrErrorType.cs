namespace Toolkit.Aws.Ecr;

/// <summary>
/// The error type of an ECR error response (<c>X-Amzn-Errortype</c> or <c>__type</c>, sanitised): every error shape of
/// the service model has a named value. Kept open: a type the model does not list is preserved as received.
/// </summary>
public readonly record struct EcrErrorType(string Value)
{
    public static EcrErrorType BlockedByOrganizationPolicy { get; } = new("BlockedByOrganizationPolicyException");

    public static EcrErrorType EmptyUpload { get; } = new("EmptyUploadException");

    public static EcrErrorType ExclusionAlreadyExists { get; } = new("ExclusionAlreadyExistsException");

    public static EcrErrorType ExclusionNotFound { get; } = new("ExclusionNotFoundException");

    public static EcrErrorType ImageAlreadyExists { get; } = new("ImageAlreadyExistsException");

    public static EcrErrorType ImageArchived { get; } = new("ImageArchivedException");

    public static EcrErrorType ImageDigestDoesNotMatch { get; } = new("ImageDigestDoesNotMatchException");

    public static EcrErrorType ImageNotFound { get; } = new("ImageNotFoundException");

    public static EcrErrorType ImageStorageClassUpdateNotSupported { get; } = new("ImageStorageClassUpdateNotSupportedException");

    public static EcrErrorType ImageTagAlreadyExists { get; } = new("ImageTagAlreadyExistsException");

    public static EcrErrorType InvalidLayer { get; } = new("InvalidLayerException");

    public static EcrErrorType InvalidLayerPart { get; } = new("InvalidLayerPartException");

    public static EcrErrorType InvalidParameter { get; } = new("InvalidParameterException");

    public static EcrErrorType InvalidTagParameter { get; } = new("InvalidTagParameterException");

    public static EcrErrorType Kms { get; } = new("KmsException");

    public static EcrErrorType LayerAlreadyExists { get; } = new("LayerAlreadyExistsException");

    public static EcrErrorType LayerInaccessible { get; } = new("LayerInaccessibleException");

    public static EcrErrorType LayerPartTooSmall { get; } = new("LayerPartTooSmallException");

    public static EcrErrorType LayersNotFound { get; } = new("LayersNotFoundException");

    public static EcrErrorType LifecyclePolicyNotFound { get; } = new("LifecyclePolicyNotFoundException");

    public static EcrErrorType LifecyclePolicyPreviewInProgress { get; } = new("LifecyclePolicyPreviewInProgressException");

    public static EcrErrorType LifecyclePolicyPreviewNotFound { get; } = new("LifecyclePolicyPreviewNotFoundException");

    public static EcrErrorType LimitExceeded { get; } = new("LimitExceededException");

    public static EcrErrorType PullThroughCacheRuleAlreadyExists { get; } = new("PullThroughCacheRuleAlreadyExistsException");

    public static EcrErrorType PullThroughCacheRuleNotFound { get; } = new("PullThroughCacheRuleNotFoundException");

    public static EcrErrorType ReferencedImagesNotFound { get; } = new("ReferencedImagesNotFoundException");

    public static EcrErrorType RegistryPolicyNotFound { get; } = new("RegistryPolicyNotFoundException");

    public static EcrErrorType RepositoryAlreadyExists { get; } = new("RepositoryAlreadyExistsException");

    public static EcrErrorType RepositoryNotEmpty { get; } = new("RepositoryNotEmptyException");

    public static EcrErrorType RepositoryNotFound { get; } = new("RepositoryNotFoundException");

    public static EcrErrorType RepositoryPolicyNotFound { get; } = new("RepositoryPolicyNotFoundException");

    public static EcrErrorType ScanNotFound { get; } = new("ScanNotFoundException");

    public static EcrErrorType SecretNotFound { get; } = new("SecretNotFoundException");

    public static EcrErrorType Server { get; } = new("ServerException");

    public static EcrErrorType SigningConfigurationNotFound { get; } = new("SigningConfigurationNotFoundException");

    public static EcrErrorType TemplateAlreadyExists { get; } = new("TemplateAlreadyExistsException");

    public static EcrErrorType TemplateNotFound { get; } = new("TemplateNotFoundException");

    public static EcrErrorType TooManyTags { get; } = new("TooManyTagsException");

    public static EcrErrorType UnableToAccessSecret { get; } = new("UnableToAccessSecretException");

    public static EcrErrorType UnableToDecryptSecretValue { get; } = new("UnableToDecryptSecretValueException");

    public static EcrErrorType UnableToGetUpstreamImage { get; } = new("UnableToGetUpstreamImageException");

    public static EcrErrorType UnableToGetUpstreamLayer { get; } = new("UnableToGetUpstreamLayerException");

    public static EcrErrorType UnableToListUpstreamImageReferrers { get; } = new("UnableToListUpstreamImageReferrersException");

    public static EcrErrorType UnsupportedImageType { get; } = new("UnsupportedImageTypeException");

    public static EcrErrorType UnsupportedUpstreamRegistry { get; } = new("UnsupportedUpstreamRegistryException");

    public static EcrErrorType UploadNotFound { get; } = new("UploadNotFoundException");

    public static EcrErrorType Validation { get; } = new("ValidationException");

    /// <summary>Every error shape of the service model (service-2.json, 2015-09-21).</summary>
    public static IReadOnlyList<EcrErrorType> KnownValues { get; } = [BlockedByOrganizationPolicy, EmptyUpload, ExclusionAlreadyExists, ExclusionNotFound, ImageAlreadyExists, ImageArchived, ImageDigestDoesNotMatch, ImageNotFound, ImageStorageClassUpdateNotSupported, ImageTagAlreadyExists, InvalidLayer, InvalidLayerPart, InvalidParameter, InvalidTagParameter, Kms, LayerAlreadyExists, LayerInaccessible, LayerPartTooSmall, LayersNotFound, LifecyclePolicyNotFound, LifecyclePolicyPreviewInProgress, LifecyclePolicyPreviewNotFound, LimitExceeded, PullThroughCacheRuleAlreadyExists, PullThroughCacheRuleNotFound, ReferencedImagesNotFound, RegistryPolicyNotFound, RepositoryAlreadyExists, RepositoryNotEmpty, RepositoryNotFound, RepositoryPolicyNotFound, ScanNotFound, SecretNotFound, Server, SigningConfigurationNotFound, TemplateAlreadyExists, TemplateNotFound, TooManyTags, UnableToAccessSecret, UnableToDecryptSecretValue, UnableToGetUpstreamImage, UnableToGetUpstreamLayer, UnableToListUpstreamImageReferrers, UnsupportedImageType, UnsupportedUpstreamRegistry, UploadNotFound, Validation];

    public bool IsKnown => KnownValues.Contains(this);

    /// <summary>
    /// The error type from a raw <c>X-Amzn-Errortype</c> header or <c>__type</c>/<c>code</c> member: everything from the
    /// first <c>:</c> is dropped (a <c>:http://internal.amazon.com/...</c> suffix), then everything up to the first <c>#</c>
    /// (a <c>com.amazonaws.ecr#</c> namespace).
    /// </summary>
    public static EcrErrorType Parse(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return new(AwsServiceError.SanitizeErrorType(raw.Trim()));
    }

    public override string ToString() => Value ?? string.Empty;
}
