using System.Net;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws;

/// <summary>
/// An error answer from an AWS service, after the retries the standard mode allows. Carries what a caller needs to
/// map it (the sanitised error type, the service's message, the HTTP status, the request ID and the error body's
/// other members, e.g. ECR's <c>kmsError</c> or <c>lastValidByteReceived</c>). Its message says what failed and what
/// to do; it never contains credentials or signatures.
/// </summary>
public class AwsServiceException : ToolkitException
{
    public AwsServiceException(ErrorCode code, string message, AwsServiceError error, Exception? innerException = null)
        : base(code, message, innerException)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    public AwsServiceError Error { get; }

    /// <summary>The sanitised error type, e.g. <c>RepositoryNotFoundException</c>.</summary>
    public string ErrorType => Error.ErrorType;

    /// <summary>The service's own message (may be empty).</summary>
    public string ServiceMessage => Error.Message;

    public HttpStatusCode StatusCode => Error.StatusCode;

    /// <summary>The AWS request ID of the failed attempt (<c>x-amzn-RequestId</c>), for AWS support.</summary>
    public string? RequestId => Error.RequestId;
}

/// <summary>The parts of an AWS error response.</summary>
/// <param name="Service">The service id, e.g. <c>ECR</c>.</param>
/// <param name="Operation">The operation, e.g. <c>CreateRepository</c>.</param>
/// <param name="ErrorType">The sanitised error type (<c>X-Amzn-Errortype</c>, else <c>__type</c> or <c>code</c>).</param>
/// <param name="Message">The error's <c>message</c> (or <c>Message</c>), empty when absent.</param>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="RequestId">The <c>x-amzn-RequestId</c> header, when present.</param>
/// <param name="Members">The top-level members of the JSON error body (cloned; empty when the body was not a JSON object).</param>
public sealed record AwsServiceError(
    string Service,
    string Operation,
    string ErrorType,
    string Message,
    HttpStatusCode StatusCode,
    string? RequestId,
    IReadOnlyDictionary<string, JsonElement> Members)
{
    /// <summary>True for 5xx answers: the service failed, not the request.</summary>
    public bool IsServerFault => (int)StatusCode >= 500;

    /// <summary>
    /// The error type as the AWS JSON protocols define it: drop everything from the first <c>:</c>, then keep what
    /// follows the first <c>#</c> (<c>aws.protocoltests#FooError:http://...</c> is <c>FooError</c>).
    /// </summary>
    public static string SanitizeErrorType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            value = value[..colon];
        }

        var hash = value.IndexOf('#', StringComparison.Ordinal);
        return (hash >= 0 ? value[(hash + 1)..] : value).Trim();
    }
}
