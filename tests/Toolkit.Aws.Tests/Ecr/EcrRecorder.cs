using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>A request as it reached an <see cref="EcrRecorder"/>.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The operation named by <c>X-Amz-Target</c> (the part after the dot).</summary>
    public string Operation => Headers.TryGetValue("X-Amz-Target", out var target) ? target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..] : string.Empty;

    /// <summary>The <c>SignedHeaders</c> of the SigV4 <c>Authorization</c> header, in order.</summary>
    public IReadOnlyList<string> SignedHeaders
    {
        get
        {
            var authorization = Headers.TryGetValue("Authorization", out var value) ? value : string.Empty;
            var start = authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal);
            if (start < 0)
            {
                return [];
            }

            start += "SignedHeaders=".Length;
            var end = authorization.IndexOf(',', start);
            return authorization[start..(end < 0 ? authorization.Length : end)].Trim().Split(';');
        }
    }
}

/// <summary>What an <see cref="EcrRecorder"/> answers.</summary>
public sealed record RecordedAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A loopback HTTP server that records every request and answers what its handler says (by default the handler is
/// given the request, so answers can depend on the operation or the page asked for). It knows nothing of ECR beyond
/// what the test tells it.
/// </summary>
public sealed class EcrRecorder : LoopbackHttpServer
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Func<RecordedRequest, RecordedAnswer> _answer;

    public EcrRecorder(Func<RecordedRequest, RecordedAnswer> answer)
    {
        _answer = answer;
        Start();
    }

    public string Url => $"http://{HostPort}";

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "/", headers, body);
        _requests.Enqueue(request);
        var answer = _answer(request);
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
