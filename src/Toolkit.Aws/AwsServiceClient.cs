using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Runtime;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws;

/// <summary>
/// The protocol-neutral half of a toolkit AWS client, on AWSSDK.Core's <see cref="AmazonServiceClient"/>: the
/// connection's credentials and SigV4 signing, endpoints from the service's official rule set (or the configured
/// custom endpoint), standard-mode retries, the toolkit's HTTP stack, the request log, and the translation of every
/// failure into a coded <see cref="ToolkitException"/>. Protocol bases (<see cref="AwsJsonClient"/>, later REST-JSON)
/// add how operations are written and read.
/// </summary>
public abstract class AwsServiceClient : AmazonServiceClient
{
    private static readonly HashSet<string> s_throttlingErrors = new(StringComparer.OrdinalIgnoreCase)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "RequestLimitExceeded", "BandwidthLimitExceeded", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    private static readonly HashSet<string> s_credentialErrors = new(StringComparer.OrdinalIgnoreCase)
    {
        "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
        "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
        "RequestExpired", "InvalidAccessKeyId", "AuthFailure",
    };

    private static readonly HashSet<string> s_accessDeniedErrors = new(StringComparer.OrdinalIgnoreCase)
    {
        "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "NotAuthorized",
    };

    protected AwsServiceClient(AwsConnection connection, AwsServiceDefinition service)
        : base(ArgumentNullExceptionGuard(connection).Credentials, AwsClientSetup.CreateConfig(connection, service))
    {
        Connection = connection;
        Service = service;
        Logger = connection.LoggerFactory.CreateLogger(GetType());
    }

    public AwsConnection Connection { get; }

    public AwsServiceDefinition Service { get; }

    /// <summary>The endpoint requests go to (the custom endpoint when one is configured, else the rule set's).</summary>
    public Uri Endpoint => AwsClientSetup.ResolveEndpoint((AwsClientConfig)Config);

    protected ILogger Logger { get; }

    /// <summary>
    /// Turns an error answer into the exception callers get. Service clients override it to map their error types
    /// to their own codes and exception types; the default maps throttling, 5xx, rejected credentials and access
    /// denied to their TK30xx codes and anything else to <see cref="ErrorCodes.AwsServiceError"/>.
    /// </summary>
    protected virtual AwsServiceException CreateServiceException(AwsServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (code, advice) = ClassifyError(error);
        return new AwsServiceException(code, DescribeError(error, advice), error);
    }

    /// <summary>The code and advice the default mapping gives an error (for overrides that keep the generic cases).</summary>
    protected (ErrorCode Code, string Advice) ClassifyError(AwsServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (s_throttlingErrors.Contains(error.ErrorType) || error.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return (ErrorCodes.AwsThrottled, $"AWS throttled every one of the {Connection.MaxAttempts} attempts: wait and run again, lower parallelism, or raise AWS_MAX_ATTEMPTS.");
        }

        if (s_credentialErrors.Contains(error.ErrorType))
        {
            return (ErrorCodes.AwsCredentialsRejected, "Check that the credentials are current (a session token or SSO session may have expired) and belong to the partition of the region, and that the clock is right.");
        }

        if (s_accessDeniedErrors.Contains(error.ErrorType) || error.StatusCode == HttpStatusCode.Forbidden)
        {
            return (ErrorCodes.AwsAccessDenied, $"The identity may not call {Service.ServiceId} {error.Operation} on this resource: grant the IAM permission '{Service.SigningName}:{error.Operation}', or use another profile or role.");
        }

        if (error.IsServerFault)
        {
            return (ErrorCodes.AwsServiceUnavailable, $"{Service.ServiceId} failed on all {Connection.MaxAttempts} attempts: try again later; if it persists, give the request ID to AWS support.");
        }

        return (ErrorCodes.AwsServiceError, "The message above is the service's own; fix the request it names.");
    }

    /// <summary>
    /// Whether the standard retry mode may retry this error answer. AWSSDK.Core retries throttling errors by their type
    /// (its list includes <c>LimitExceededException</c>) and 5xx answers whatever the operation; a service client
    /// returns false here for the errors that are final for an operation, e.g. ECR StartImageScan's
    /// <c>LimitExceededException</c> (the image was already scanned in the last 24 hours). Returning true leaves the
    /// decision to AWSSDK.Core's classification (what it does not retry stays unretried); the default does so for all.
    /// </summary>
    protected virtual bool IsRetryable(AwsServiceError error) => true;

    /// <summary>"ECR CreateRepository failed: RepositoryAlreadyExistsException (HTTP 400): ... Request ID ...".</summary>
    protected static string DescribeError(AwsServiceError error, string advice)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = string.IsNullOrWhiteSpace(error.Message) ? string.Empty : $": {error.Message.TrimEnd('.')}";
        var requestId = error.RequestId is null ? string.Empty : $" (AWS request ID {error.RequestId})";
        return $"{error.Service} {error.Operation} failed with {error.ErrorType} (HTTP {(int)error.StatusCode}){message}{requestId}. {advice}";
    }

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);

        // Called from the base constructor: only the configuration is set at this point.
        var config = (AwsClientConfig)Config;
        pipeline.ReplaceHandler<RetryHandler>(new RetryHandler(new AwsRetryPolicy(config, IsRetryable)));
        pipeline.RemoveHandler<EndpointResolver>();
        pipeline.AddHandlerAfter<Marshaller>(new AwsServiceEndpointResolver());
        pipeline.AddHandlerAfter<Marshaller>(new AwsSigV4AuthHandler());
        var connection = config.Connection;
        pipeline.AddHandlerBefore<HttpHandler<HttpContent>>(new AwsRequestLogHandler(
            config.Service.ServiceId,
            connection.RequestLog,
            connection.LoggerFactory.CreateLogger<AwsRequestLog>(),
            connection.Options.TimeProvider));
    }

    /// <summary>Runs one operation through the AWSSDK.Core pipeline and turns every failure into a coded exception.</summary>
    internal async Task<(byte[] Body, string? RequestId)> SendAsync(AwsOperationRequest request, ResponseUnmarshaller unmarshaller, CancellationToken cancellationToken)
    {
        var options = new InvokeOptions { RequestMarshaller = request.Marshaller, ResponseUnmarshaller = unmarshaller };
        try
        {
            var response = await InvokeAsync<AwsOperationResponse>(request, options, cancellationToken).ConfigureAwait(false);
            return (response.Body, response.ResponseMetadata?.RequestId);
        }
        catch (AwsErrorResponseException exception)
        {
            throw CreateServiceException(exception.Error);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ToolkitException)
        {
            throw;
        }
        catch (Exception exception) when (IsTransport(exception))
        {
            var endpoint = SafeEndpoint();
            if (Find<AuthenticationException>(exception) is not null)
            {
                throw new ToolkitException(
                    ErrorCodes.AwsTlsFailure,
                    $"The TLS connection to {endpoint} failed ({Find<AuthenticationException>(exception)!.Message}). The toolkit requires TLS 1.2 or later; "
                    + "if a proxy inspects TLS, give its CA with --ca-file.",
                    exception);
            }

            throw new ToolkitException(
                ErrorCodes.AwsUnreachable,
                $"{Service.ServiceId} {request.Operation}: {endpoint} could not be reached after {Connection.MaxAttempts} attempts ({exception.GetType().Name}: {exception.Message}). "
                + "Check the network, proxy settings (HTTPS_PROXY) and, for VPC endpoints, DNS and security groups.",
                exception);
        }
        catch (AmazonUnmarshallingException exception)
        {
            throw new ToolkitException(
                ErrorCodes.AwsInvalidResponse,
                $"{Service.ServiceId} {request.Operation}: the answer from {SafeEndpoint()} could not be read (HTTP {(int)exception.StatusCode}, AWS request ID {exception.RequestId ?? "none"}). "
                + "If a custom endpoint is configured, check that it is the service's.",
                exception);
        }
        catch (AmazonClientException exception)
        {
            throw new ToolkitException(ErrorCodes.AwsServiceError, $"{Service.ServiceId} {request.Operation} failed: {exception.Message}", exception);
        }
    }

    private string SafeEndpoint()
    {
        try
        {
            return Endpoint.GetLeftPart(UriPartial.Authority);
        }
        catch (ToolkitException)
        {
            return "the endpoint";
        }
    }

    private static bool IsTransport(Exception exception)
        => exception is HttpRequestException or IOException or SocketException or WebException or TaskCanceledException or AuthenticationException
           || (exception is AmazonServiceException { InnerException: { } inner } && IsTransport(inner));

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    private static AwsConnection ArgumentNullExceptionGuard(AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection;
    }
}
