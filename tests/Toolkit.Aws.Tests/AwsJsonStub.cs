using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>A request an <see cref="AwsJsonStub"/> received.</summary>
public sealed record StubRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>An answer an <see cref="AwsJsonStub"/> gives.</summary>
public sealed record StubAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static StubAnswer Ok(string body, string requestId) => new(200, body, new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId });

    public static StubAnswer Error(int status, string type, string message, string requestId)
        => new(status, $$"""{"__type":"{{type}}","message":"{{message}}"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId });
}

/// <summary>
/// A loopback HTTP server that records each request and answers from a script (the last answer repeats), so tests
/// can check exactly what a client sent and how it reacts to throttling, 5xx and errors. Not an emulator of any
/// service: it knows nothing of operations.
/// </summary>
public sealed class AwsJsonStub : LoopbackHttpServer
{
    private readonly ConcurrentQueue<StubRequest> _requests = new();
    private readonly ConcurrentQueue<StubAnswer> _script = new();
    private StubAnswer _last = StubAnswer.Ok("{}", "default-request-id");

    public AwsJsonStub(params StubAnswer[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }

        Start();
    }

    public string Url => $"http://{HostPort}";

    public IReadOnlyList<StubRequest> Requests => [.. _requests];

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new StubRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "/", headers, body));
        var answer = _script.TryDequeue(out var next) ? _last = next : _last;
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }
}
