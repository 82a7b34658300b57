using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class RegistryRetryHandlerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private HttpMessageInvoker Invoker(StubHttpHandler stub, int maxAttempts = 4)
        => new(new RegistryRetryHandler(_time, NullLogger.Instance, maxAttempts, random: () => 1.0)
        {
            InnerHandler = stub,
            BaseDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(8),
            AttemptTimeout = Timeout.InfiniteTimeSpan,
        });

    private static HttpRequestMessage Get() => new(HttpMethod.Get, "http://registry.test/v2/");

    [Fact]
    public async Task A_503_is_retried_after_an_exponential_backoff()
    {
        // Given a registry that answers 503 twice, then 200
        var stub = new StubHttpHandler((_, call) => new HttpResponseMessage(call <= 2 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));
        using var invoker = Invoker(stub);

        // When a request is sent and time moves on
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(20);
        Assert.Equal(1, stub.Calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 2);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        await Task.Delay(20);
        Assert.Equal(2, stub.Calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await sending;

        // Then the third attempt's answer comes back, after waits of 1 s and 2 s
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, stub.Calls);
    }

    [Fact]
    public async Task A_429_waits_for_the_seconds_in_Retry_After()
    {
        // Given a registry that asks to wait 7 seconds once
        var stub = new StubHttpHandler((_, call) =>
        {
            var response = new HttpResponseMessage(call == 1 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK);
            if (call == 1)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            }

            return response;
        });
        using var invoker = Invoker(stub);

        // When a request is sent
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Delay(20);

        // Then it is not retried before 7 s, and is after
        Assert.Equal(1, stub.Calls);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        using var response = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_429_with_a_Retry_After_date_waits_until_that_date()
    {
        // Given a registry that asks to come back at a date 30 s from now
        var stub = new StubHttpHandler((_, call) =>
        {
            var response = new HttpResponseMessage(call == 1 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK);
            if (call == 1)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(_time.GetUtcNow().AddSeconds(30));
            }

            return response;
        });
        using var invoker = Invoker(stub);

        // When a request is sent
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(20);

        // Then it waits the 30 s
        Assert.Equal(1, stub.Calls);
        _time.Advance(TimeSpan.FromSeconds(1));
        using var response = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_connection_reset_is_retried()
    {
        // Given a transport that fails once with an IOException
        var stub = new StubHttpHandler((_, call) => call == 1 ? throw new HttpRequestException("reset", new IOException("Connection reset by peer")) : new HttpResponseMessage(HttpStatusCode.OK));
        using var invoker = Invoker(stub);

        // When a request is sent
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(1));
        using var response = await sending;

        // Then the second attempt succeeds
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stub.Calls);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_answer_is_returned()
    {
        // Given a registry that is always unavailable
        var stub = new StubHttpHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var invoker = Invoker(stub, maxAttempts: 3);

        // When a request is sent and time moves far on
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        for (var i = 1; i < 3; i++)
        {
            await StubHttpHandler.WaitUntilAsync(() => stub.Calls == i);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        using var response = await sending;

        // Then it made exactly three attempts
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(3, stub.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "POST")]
    [InlineData(HttpStatusCode.InternalServerError, "PATCH")]
    [InlineData(HttpStatusCode.NotFound, "GET")]
    [InlineData(HttpStatusCode.Unauthorized, "GET")]
    public async Task Other_statuses_are_not_retried(HttpStatusCode status, string method)
    {
        // Given a registry that answers with a non-transient status
        var stub = new StubHttpHandler((_, _) => new HttpResponseMessage(status));
        using var invoker = Invoker(stub);
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://registry.test/v2/a/manifests/v1")
        {
            Content = method is "POST" or "PATCH" ? new ByteArrayContent([1, 2, 3]) : null,
        };

        // When a request is sent
        using var response = await invoker.SendAsync(request, CancellationToken.None);

        // Then it was sent once
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public async Task A_500_to_a_manifest_PUT_is_retried_because_a_PUT_is_idempotent()
    {
        // Given a registry that answers 500 once, then 201
        var stub = new StubHttpHandler((_, call) => new HttpResponseMessage(call == 1 ? HttpStatusCode.InternalServerError : HttpStatusCode.Created));
        using var invoker = Invoker(stub);
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://registry.test/v2/a/manifests/v1") { Content = new ByteArrayContent([1, 2, 3]) };

        // When the PUT is sent and the backoff passes
        var sending = invoker.SendAsync(request, CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(10));
        using var response = await sending;

        // Then the second attempt stored it
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, stub.Calls);
    }

    [Fact]
    public async Task An_upload_its_caller_recovers_is_sent_once_even_on_a_503()
    {
        // Given a PATCH marked as recovered by its caller (it asks the registry where the session stands instead)
        var stub = new StubHttpHandler((_, _) => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        using var invoker = Invoker(stub);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "http://registry.test/v2/a/blobs/uploads/1") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Options.Set(RegistryRequest.CallerRecovers, true);

        // When
        using var response = await invoker.SendAsync(request, CancellationToken.None);

        // Then
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, stub.Calls);
    }

    [Theory]
    [InlineData(0L, 100.0)]
    [InlineData(32L * 1024 * 1024, 1124.0)]
    [InlineData(512L * 1024 * 1024, 16_484.0)]
    public void The_deadline_of_a_request_grows_with_its_body(long bodyBytes, double expectedSeconds)
    {
        // Given the defaults: 100 s, plus the body at 32 KiB/s
        var handler = new RegistryRetryHandler(_time, NullLogger.Instance);
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://registry.test/v2/a/blobs/uploads/1");
        if (bodyBytes > 0)
        {
            request.Content = new StreamContent(Stream.Null);
            request.Content.Headers.ContentLength = bodyBytes;
        }

        // When / Then
        Assert.Equal(expectedSeconds, handler.TimeoutFor(request).TotalSeconds, precision: 3);
    }

    [Fact]
    public void A_body_of_unknown_length_has_no_fixed_deadline()
    {
        var handler = new RegistryRetryHandler(_time, NullLogger.Instance);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "http://registry.test/v2/a/blobs/uploads/1") { Content = new UnknownLengthContent() };

        Assert.Equal(Timeout.InfiniteTimeSpan, handler.TimeoutFor(request));
    }

    [Fact]
    public async Task A_500_to_a_read_is_retried_because_distribution_answers_one_during_a_concurrent_write()
    {
        // Given a registry that answers 500 once, then 200
        var calls = 0;
        var healing = new StubHttpHandler((_, _) => new HttpResponseMessage(Interlocked.Increment(ref calls) == 1 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK));
        using var invoker = Invoker(healing);

        // When a GET is sent and the backoff passes
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => healing.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(10));
        using var response = await sending;

        // Then the second attempt answered
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, healing.Calls);
    }

    [Fact]
    public async Task A_streamed_body_is_never_sent_twice()
    {
        // Given a registry that answers 503 and a request whose body is a stream
        var stub = new StubHttpHandler((_, _) => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        using var invoker = Invoker(stub);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "http://registry.test/v2/a/blobs/uploads/1")
        {
            Content = new StreamContent(new MemoryStream([1, 2, 3])),
        };

        // When it is sent
        using var response = await invoker.SendAsync(request, CancellationToken.None);

        // Then the 503 comes back without a retry
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, stub.Calls);
    }

    [Fact]
    public void Backoff_doubles_up_to_the_cap_and_jitter_keeps_at_least_half()
    {
        // Given handlers with the lowest and highest jitter
        var low = new RegistryRetryHandler(_time, NullLogger.Instance, 5, () => 0.0) { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };
        var high = new RegistryRetryHandler(_time, NullLogger.Instance, 5, () => 1.0) { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8) };

        // When backoffs are computed
        // Then they double, are capped, and jitter spans [half, all]
        Assert.Equal([1, 2, 4, 8, 8], Enumerable.Range(1, 5).Select(a => high.Backoff(a).TotalSeconds));
        Assert.Equal([0.5, 1, 2, 4, 4], Enumerable.Range(1, 5).Select(a => low.Backoff(a).TotalSeconds));
        low.Dispose();
        high.Dispose();
    }

    [Fact]
    public async Task An_attempt_that_gets_no_answer_in_time_is_retried_then_reported_as_a_timeout()
    {
        // Given a transport that never answers until cancelled, and a 10 s attempt timeout
        var stub = new HangingHandler();
        using var invoker = new HttpMessageInvoker(new RegistryRetryHandler(_time, NullLogger.Instance, 2, random: () => 1.0)
        {
            InnerHandler = stub,
            BaseDelay = TimeSpan.FromSeconds(1),
            AttemptTimeout = TimeSpan.FromSeconds(10),
        });

        // When a request is sent and the fake clock passes both deadlines
        var sending = invoker.SendAsync(Get(), CancellationToken.None);
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 1);
        _time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(50);
        _time.Advance(TimeSpan.FromSeconds(1));
        await StubHttpHandler.WaitUntilAsync(() => stub.Calls == 2);
        _time.Advance(TimeSpan.FromSeconds(10));

        // Then the second timeout is reported as a TimeoutException
        await Assert.ThrowsAsync<TimeoutException>(() => sending);
        Assert.Equal(2, stub.Calls);
    }

    private sealed class UnknownLengthContent : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => Task.CompletedTask;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
