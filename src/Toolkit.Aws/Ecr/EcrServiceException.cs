using System.Text.Json;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// An error answer of Amazon ECR whose type is an error shape of the ECR model. <see cref="EcrErrorType"/> names it;
/// the subclasses below are the ones callers catch. Each carries the AWS request id (<see cref="AwsServiceException.RequestId"/>)
/// and a <c>TK30nn</c> code, and its message says what to do. Errors the model does not list (throttling, access
/// denied, rejected credentials) stay <see cref="AwsServiceException"/>s with the AWS layer's codes.
/// </summary>
public class EcrServiceException : AwsServiceException
{
    public EcrServiceException(AwsServiceError error, Exception? innerException = null)
        : base(EcrErrors.CodeFor(Checked(error)), EcrErrors.MessageFor(error), error, innerException)
    {
        EcrErrorType = EcrErrorType.Parse(error.ErrorType);
    }

    /// <summary>The error shape, e.g. <see cref="EcrErrorType.RepositoryNotFound"/>.</summary>
    public EcrErrorType EcrErrorType { get; }

    /// <summary>The operation that failed, e.g. <c>CreateRepository</c>.</summary>
    public string Operation => Error.Operation;

    /// <summary>True for a failure on the service's side (<c>ServerException</c> or a 5xx status).</summary>
    public bool IsServerFault => EcrErrorType == EcrErrorType.Server || Error.IsServerFault;

    /// <summary>A string member of the error body, or null.</summary>
    protected string? StringMember(string name)
        => Error.Members.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static EcrErrorType Checked(AwsServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return EcrErrorType.Parse(error.ErrorType);
    }
}

public sealed class RepositoryNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class RepositoryAlreadyExistsException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class RepositoryNotEmptyException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ImageNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

/// <summary>PutImage (or a push) tried to move a tag in a repository whose tags are immutable.</summary>
public sealed class ImageTagAlreadyExistsException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ImageAlreadyExistsException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class LayersNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ReferencedImagesNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ImageDigestDoesNotMatchException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class LifecyclePolicyNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class RepositoryPolicyNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

/// <summary>The image has no scan (yet): right after a push with scan on push, or never scanned.</summary>
public sealed class ScanNotFoundException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class UnsupportedImageTypeException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ImageArchivedException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

/// <summary>A service quota was reached, e.g. a second basic scan of an image within 24 hours.</summary>
public sealed class LimitExceededException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

/// <summary>AWS KMS refused what ECR asked of it; <see cref="KmsError"/> is KMS's own error code.</summary>
public sealed class KmsException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException)
{
    /// <summary>The <c>kmsError</c> member: the error code KMS returned, e.g. <c>NotFoundException</c>.</summary>
    public string? KmsError => StringMember("kmsError");
}

/// <summary>A layer part was refused; <see cref="LastValidByteReceived"/> says where the upload stands.</summary>
public sealed class InvalidLayerPartException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException)
{
    public string? RegistryId => StringMember("registryId");

    public string? RepositoryName => StringMember("repositoryName");

    public string? UploadId => StringMember("uploadId");

    /// <summary>The <c>lastValidByteReceived</c> member: the offset of the last byte the upload holds.</summary>
    public long? LastValidByteReceived
        => Error.Members.TryGetValue("lastValidByteReceived", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var offset)
            ? offset
            : null;
}

/// <summary>ECR failed on its side (the model's only server fault).</summary>
public sealed class ServerException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class ValidationException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class InvalidParameterException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class InvalidTagParameterException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);

public sealed class TooManyTagsException(AwsServiceError error, Exception? innerException = null) : EcrServiceException(error, innerException);
