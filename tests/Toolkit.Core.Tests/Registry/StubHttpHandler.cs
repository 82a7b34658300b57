using System.Collections.Concurrent;

namespace Toolkit.Core.Tests.Registry;

/// <summary>An in-process HTTP double: answers each request with a function and records what it was sent.</summary>
internal sealed class StubHttpHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : HttpMessageHandler
{
    private int _calls;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        Requests.Enqueue(new RecordedRequest(request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body, request.Headers.Accept.ToString()));
        var response = respond(request, call);
        response.RequestMessage ??= request;
        return response;
    }

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition was not met within 10 s.");
            }

            await Task.Delay(5);
        }
    }
}

internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, string? Authorization, byte[]? Body, string Accept);
