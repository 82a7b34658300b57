using System.Net;
using Microsoft.Extensions.Logging;

namespace Toolkit.Core.Registry;

/// <summary>
/// Retries replayable requests on 429 (honouring <c>Retry-After</c>), 502/503/504 (and 500 on idempotent methods), connection
/// resets and timeouts, with exponential backoff and full jitter, waiting through the injected <see cref="TimeProvider"/>.
/// A request with a streamed body is sent once: only its caller can rewind the stream; so is an upload its caller recovers
/// (see <see cref="RegistryRequest.CallerRecovers"/>). Every attempt has a deadline sized to its body.
/// </summary>
public sealed class RegistryRetryHandler : DelegatingHandler
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<double> _random;

    public RegistryRetryHandler(TimeProvider timeProvider, ILogger logger, int maxAttempts = 5, Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _timeProvider = timeProvider;
        _logger = logger;
        MaxAttempts = maxAttempts;
        _random = random ?? Random.Shared.NextDouble;
    }

    public int MaxAttempts { get; }

    /// <summary>The first backoff; each further attempt doubles it (before jitter) up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <c>Retry-After</c> we wait; a registry asking for more gets its error reported.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a request without a body may take until its response headers (per attempt); infinite disables it.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// The slowest upload still expected to finish: a request with a body of n bytes gets <see cref="AttemptTimeout"/> plus
    /// n / this rate (bytes per second), so a large blob on a slow link is not cut off at the base timeout.
    /// </summary>
    public long MinimumTransferRate { get; init; } = 32 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var attemptTimeout = TimeoutFor(request);
        var attempts = RegistryRequest.IsReplayable(request) && !RegistryRequest.IsCallerRecovered(request) ? MaxAttempts : 1;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            // The attempt's deadline runs on the injected clock, so tests drive timeouts without waiting.
            using (var timeout = new CancellationTokenSource(attemptTimeout, _timeProvider))
            using (var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {

                HttpResponseMessage response;
                try
                {
                    response = await base.SendAsync(request, attemptCancellation.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (attempt < attempts && IsTransient(exception, cancellationToken))
                {
                    delay = Backoff(attempt);
                    _logger.LogDebug("{Method} {Path} failed ({Error}); attempt {Attempt} of {MaxAttempts}, retrying in {Delay} ms.", request.Method, request.RequestUri?.AbsolutePath, exception.GetType().Name, attempt, attempts, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{request.Method} {request.RequestUri?.AbsolutePath} got no response within {attemptTimeout.TotalSeconds:0} s ({attempt} attempt(s)).", exception);
                }

                if (attempt >= attempts || !IsRetryableStatus(request.Method, response.StatusCode))
                {
                    return response;
                }

                var retryAfter = RetryAfter(response);
                if (retryAfter is { } wait && wait > MaxRetryAfter)
                {
                    return response;
                }

                delay = retryAfter ?? Backoff(attempt);
                _logger.LogDebug("{Method} {Path} answered {Status}; attempt {Attempt} of {MaxAttempts}, retrying in {Delay} ms.", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, attempt, attempts, (int)delay.TotalMilliseconds);
                response.Dispose();
            }

            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The deadline of one attempt: the base timeout, plus the time the body takes at <see cref="MinimumTransferRate"/>.</summary>
    internal TimeSpan TimeoutFor(HttpRequestMessage request)
    {
        if (AttemptTimeout == Timeout.InfiniteTimeSpan)
        {
            return AttemptTimeout;
        }

        var length = request.Content?.Headers.ContentLength;
        if (request.Content is not null && length is null)
        {
            return Timeout.InfiniteTimeSpan; // a body of unknown length: only the caller can judge its progress
        }

        var seconds = AttemptTimeout.TotalSeconds + ((double)(length ?? 0) / Math.Max(1, MinimumTransferRate));
        return TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.FromDays(1).TotalSeconds));
    }

    /// <summary>Full jitter: a random wait between half and all of base·2^(attempt-1), capped.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (_random() / 2)));
    }

    internal TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    // A 500 is retried only on idempotent methods, where sending again cannot do anything twice: distribution answers one
    // transiently while a concurrent writer is linking the same manifest (seen with two clients pushing one image), and a
    // manifest PUT by digest or tag stores the same bytes however often it is sent. POST and PATCH are not sent again.
    private static bool IsRetryableStatus(HttpMethod method, HttpStatusCode status)
        => status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            || (status == HttpStatusCode.InternalServerError && (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete));

    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError or HttpRequestError.NameResolutionError } => false,
        HttpRequestException => true,
        IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
