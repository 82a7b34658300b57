using System.Net;
using Microsoft.Extensions.Logging;

namespace Toolkit.Core.Registry;

/// <summary>
/// Retries replayable requests on 429 (honouring <c>Retry-After</c>), 502/503/504 (and 500 on GET/HEAD), connection resets and
/// timeouts, with exponential backoff and full jitter, waiting through the injected <see cref="TimeProvider"/>.
/// A request with a streamed body is sent once: only its caller can rewind the stream.
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

    /// <summary>How long a replayable request may take until its response headers (per attempt); infinite disables it.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!RegistryRequest.IsReplayable(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            // The attempt's deadline runs on the injected clock, so tests drive timeouts without waiting.
            using (var timeout = new CancellationTokenSource(AttemptTimeout, _timeProvider))
            using (var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {

                HttpResponseMessage response;
                try
                {
                    response = await base.SendAsync(request, attemptCancellation.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (attempt < MaxAttempts && IsTransient(exception, cancellationToken))
                {
                    delay = Backoff(attempt);
                    _logger.LogDebug("{Method} {Path} failed ({Error}); attempt {Attempt} of {MaxAttempts}, retrying in {Delay} ms.", request.Method, request.RequestUri?.AbsolutePath, exception.GetType().Name, attempt, MaxAttempts, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{request.Method} {request.RequestUri?.AbsolutePath} got no response within {AttemptTimeout.TotalSeconds:0} s ({MaxAttempts} attempts).", exception);
                }

                if (attempt >= MaxAttempts || !IsRetryableStatus(request.Method, response.StatusCode))
                {
                    return response;
                }

                var retryAfter = RetryAfter(response);
                if (retryAfter is { } wait && wait > MaxRetryAfter)
                {
                    return response;
                }

                delay = retryAfter ?? Backoff(attempt);
                _logger.LogDebug("{Method} {Path} answered {Status}; attempt {Attempt} of {MaxAttempts}, retrying in {Delay} ms.", request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, attempt, MaxAttempts, (int)delay.TotalMilliseconds);
                response.Dispose();
            }

            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
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

    // A 500 is retried only on reads: distribution answers one transiently while a concurrent writer is linking the same
    // manifest (seen with two clients pushing one image), while a 500 to a write is more often a lasting refusal.
    private static bool IsRetryableStatus(HttpMethod method, HttpStatusCode status)
        => status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            || (status == HttpStatusCode.InternalServerError && (method == HttpMethod.Get || method == HttpMethod.Head));

    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError or HttpRequestError.NameResolutionError } => false,
        HttpRequestException => true,
        IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
