using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Microsoft.Extensions.Logging;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// Sits right outside AWSSDK.Core's HTTP handler, so it sees every attempt (retries included): logs the operation,
/// status and AWS request ID at debug level and appends them to the connection's <see cref="AwsRequestLog"/>.
/// Nothing else of the request (headers, body, signature) is logged.
/// </summary>
internal sealed class AwsRequestLogHandler(string service, AwsRequestLog log, ILogger logger, TimeProvider time) : PipelineHandler
{
    public override void InvokeSync(IExecutionContext executionContext)
    {
        try
        {
            base.InvokeSync(executionContext);
            Record(executionContext, executionContext.ResponseContext.HttpResponse, null);
        }
        catch (Exception exception)
        {
            Record(executionContext, (exception as HttpErrorResponseException)?.Response, exception);
            throw;
        }
    }

    public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
    {
        try
        {
            var response = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            Record(executionContext, executionContext.ResponseContext.HttpResponse, null);
            return response;
        }
        catch (Exception exception)
        {
            Record(executionContext, (exception as HttpErrorResponseException)?.Response, exception);
            throw;
        }
    }

    private void Record(IExecutionContext executionContext, IWebResponseData? response, Exception? exception)
    {
        var operation = executionContext.RequestContext.OriginalRequest is AwsOperationRequest request
            ? request.Operation
            : executionContext.RequestContext.RequestName;
        var status = response is null ? 0 : (int)response.StatusCode;
        var requestId = response is null ? null : RequestIdOf(response);
        log.Add(new AwsRequestRecord(service, operation, status, requestId, time.GetUtcNow()));
        if (exception is null || response is not null)
        {
            logger.LogDebug("AWS {Service} {Operation}: HTTP {Status}, request ID {RequestId}", service, operation, status, requestId ?? "(none)");
        }
        else
        {
            logger.LogDebug("AWS {Service} {Operation}: no answer ({Error})", service, operation, exception.GetType().Name);
        }
    }

    internal static string? RequestIdOf(IWebResponseData response)
    {
        foreach (var name in (string[])["x-amzn-RequestId", "x-amz-request-id"])
        {
            if (response.IsHeaderPresent(name) && response.GetHeaderValue(name) is { Length: > 0 } value)
            {
                return value;
            }
        }

        return null;
    }
}
