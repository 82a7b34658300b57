using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// AWSSDK.Core's standard retry mode (throttling errors, 5xx and transient network failures, exponential backoff
/// with full jitter, the shared retry quota, at most <c>MaxErrorRetry</c> retries) with the toolkit's exceptions:
/// <list type="bullet">
/// <item>an error the service client declares final for its operation (<paramref name="isRetryable"/> false) is not
/// retried, whatever AWSSDK.Core's classification says (e.g. ECR StartImageScan's <c>LimitExceededException</c>);</item>
/// <item>a <see cref="ToolkitException"/> is never retried: it is already the final word, in particular a credential
/// source that failed after its own bounded attempts (retrying the request would fetch again, once per attempt);</item>
/// <item>a refused TLS handshake (an untrusted certificate, a name that does not match, no common protocol) is not
/// retried: the next attempt would meet the same certificate. AWSSDK.Core's transient TLS error (a connection closed
/// mid-handshake) still is.</item>
/// </list>
/// AWSSDK.Core also retries "stale connection" failures (a reset, a response that ended early) outside the attempt
/// count, immediately and up to <c>MaxStaleConnectionRetries</c> times; the toolkit's configurations set that to 0, so
/// such failures are ordinary transient errors that count as attempts and wait their backoff.
/// </summary>
internal sealed class AwsRetryPolicy(IClientConfig config, Func<AwsServiceError, bool> isRetryable) : StandardRetryPolicy(config)
{
    public override bool RetryForException(IExecutionContext executionContext, Exception exception)
        => !IsFinal(exception) && base.RetryForException(executionContext, exception);

    public override async Task<bool> RetryForExceptionAsync(IExecutionContext executionContext, Exception exception)
        => !IsFinal(exception) && await base.RetryForExceptionAsync(executionContext, exception).ConfigureAwait(false);

    public override bool IsStaleConnectionError(Exception exception)
        => !IsFinal(exception) && base.IsStaleConnectionError(exception);

    private bool IsFinal(Exception exception) => exception switch
    {
        ToolkitException => true,
        AwsErrorResponseException response => !isRetryable(response.Error),
        _ => IsRefusedHandshake(exception),
    };

    private static bool IsRefusedHandshake(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is System.Security.Authentication.AuthenticationException)
            {
                return !IsTransientSslError(exception);
            }
        }

        return false;
    }
}
