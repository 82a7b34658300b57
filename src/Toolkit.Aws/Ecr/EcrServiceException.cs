using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr;

/// <summary>What an ECR error response said, as the client received it.</summary>
public sealed record EcrErrorDetails
{
    /// <summary>The operation that failed, e.g. <c>CreateRepository</c>.</summary>
    public required string Operation { get; init; }

    public required EcrErrorType ErrorType { get; init; }

    /// <summary>The service's own message (the <c>message</c> member), if any.</summary>
    public string? ServiceMessage { get; init; }

    /// <summary>The HTTP status code of the response.</summary>
    public int StatusCode { get; init; }

    /// <summary>The AWS request id (<c>x-amzn-RequestId</c>), for AWS support and the run's report.</summary>
    public string? RequestId { get; init; }

    /// <summary>Every member of the error body (e.g. <c>kmsError</c>, <c>lastValidByteReceived</c>), as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> Members { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
}

/// <summary>
/// An error answer of Amazon ECR. <see cref="ErrorType"/> names the model's error shape; the subclasses below are the
/// ones callers catch. Each carries the request id and a <c>TK30nn</c> code, and its message says what to do.
/// </summary>
public class EcrServiceException : ToolkitException
{
    public EcrServiceException(EcrErrorDetails details, Exception? innerException = null)
        : base(EcrErrors.CodeFor(Checked(details).ErrorType), EcrErrors.MessageFor(details), innerException)
    {
        Details = details;
    }

    public EcrErrorDetails Details { get; }

    public EcrErrorType ErrorType => Details.ErrorType;

    public string Operation => Details.Operation;

    public string? ServiceMessage => Details.ServiceMessage;

    public int StatusCode => Details.StatusCode;

    public string? RequestId => Details.RequestId;

    /// <summary>True for a failure on the service's side (<c>ServerException</c> or a 5xx status).</summary>
    public bool IsServerFault => ErrorType == EcrErrorType.Server || StatusCode >= 500;

    /// <summary>A string member of the error body, or null.</summary>
    protected string? StringMember(string name)
        => Details.Members.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static EcrErrorDetails Checked(EcrErrorDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        return details;
    }
}

public sealed class RepositoryNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class RepositoryAlreadyExistsException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class RepositoryNotEmptyException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ImageNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

/// <summary>PutImage (or a push) tried to move a tag in a repository whose tags are immutable.</summary>
public sealed class ImageTagAlreadyExistsException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ImageAlreadyExistsException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class LayersNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ReferencedImagesNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ImageDigestDoesNotMatchException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class LifecyclePolicyNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class RepositoryPolicyNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

/// <summary>The image has no scan (yet): right after a push with scan on push, or never scanned.</summary>
public sealed class ScanNotFoundException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class UnsupportedImageTypeException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ImageArchivedException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

/// <summary>A service quota was reached, e.g. a second basic scan of an image within 24 hours.</summary>
public sealed class LimitExceededException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

/// <summary>AWS KMS refused what ECR asked of it; <see cref="KmsError"/> is KMS's own error code.</summary>
public sealed class KmsException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException)
{
    /// <summary>The <c>kmsError</c> member: the error code KMS returned, e.g. <c>NotFoundException</c>.</summary>
    public string? KmsError => StringMember("kmsError");
}

/// <summary>A layer part was refused; <see cref="LastValidByteReceived"/> says where the upload stands.</summary>
public sealed class InvalidLayerPartException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException)
{
    public string? RegistryId => StringMember("registryId");

    public string? RepositoryName => StringMember("repositoryName");

    public string? UploadId => StringMember("uploadId");

    /// <summary>The <c>lastValidByteReceived</c> member: the offset of the last byte the upload holds.</summary>
    public long? LastValidByteReceived
        => Details.Members.TryGetValue("lastValidByteReceived", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var offset)
            ? offset
            : null;
}

/// <summary>ECR failed on its side (the model's only server fault).</summary>
public sealed class ServerException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class ValidationException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class InvalidParameterException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class InvalidTagParameterException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);

public sealed class TooManyTagsException(EcrErrorDetails details, Exception? innerException = null) : EcrServiceException(details, innerException);
