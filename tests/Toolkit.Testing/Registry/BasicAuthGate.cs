using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Toolkit.Testing.Registry;

/// <summary>A request the gate saw: refused (401) with or without credentials, or relayed with the registry's status.</summary>
public sealed record GatedRequest(string Method, string Path, int Status, bool Refused, bool HadCredentials);

/// <summary>
/// A loopback HTTP server in front of a real registry that asks for Basic credentials itself and lets through only those
/// <see cref="Accepts"/> approves at the moment the request arrives, so a test can make it stop accepting a credential in
/// the middle of a push (a short-lived token expiring). Refused requests get 401 with a Basic challenge once their body is
/// read; the rest are relayed (<see cref="RegistryRelay"/>).
/// </summary>
public sealed class BasicAuthGate : LoopbackHttpServer
{
    private readonly RegistryRelay _relay;
    private readonly ConcurrentQueue<GatedRequest> _log = new();

    public BasicAuthGate(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _relay = new RegistryRelay(target, HostPort);
        Start();
    }

    /// <summary>Whether a username and password are let through; may be replaced at any time (by <see cref="Relayed"/> too).</summary>
    public Func<string, string, bool> Accepts { get; set; } = (_, _) => false;

    /// <summary>
    /// Called with each relayed request's method, path and the registry's status, before the answer goes back, so what it
    /// changes applies to every later request of the client.
    /// </summary>
    public Action<string, string, int>? Relayed { get; set; }

    public IReadOnlyList<GatedRequest> Requests => [.. _log];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _relay.Dispose();
        }
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        var authorization = request.Headers["Authorization"];
        if (!IsAccepted(authorization))
        {
            // Read what the client sends first, so it gets the answer rather than a connection closed under its upload.
            await request.InputStream.CopyToAsync(Stream.Null);
            _log.Enqueue(new GatedRequest(request.HttpMethod, path, 401, Refused: true, HadCredentials: authorization is not null));
            response.StatusCode = 401;
            response.AddHeader("WWW-Authenticate", "Basic realm=\"gate\"");
            var body = Encoding.UTF8.GetBytes("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
            response.ContentType = "application/json";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
            response.Close();
            return;
        }

        using var upstream = await _relay.SendAsync(request, request.HasEntityBody ? new StreamContent(request.InputStream) : null);
        _log.Enqueue(new GatedRequest(request.HttpMethod, path, (int)upstream.StatusCode, Refused: false, HadCredentials: true));
        Relayed?.Invoke(request.HttpMethod, path, (int)upstream.StatusCode);
        var isHead = request.HttpMethod == "HEAD";
        _relay.CopyHead(upstream, response, isHead);
        if (!isHead)
        {
            await using var body = await upstream.Content.ReadAsStreamAsync();
            await body.CopyToAsync(response.OutputStream);
        }

        response.Close();
    }

    private bool IsAccepted(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[Scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && Accepts(decoded[..colon], decoded[(colon + 1)..]);
    }
}
