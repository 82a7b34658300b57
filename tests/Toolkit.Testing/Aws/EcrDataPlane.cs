using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Toolkit.Testing.Registry;

namespace Toolkit.Testing.Aws;

/// <summary>How an <see cref="EcrDataPlane"/> serves.</summary>
public sealed record EcrDataPlaneOptions
{
    /// <summary>
    /// Serve HTTPS with a certificate for the registry host name (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>)
    /// and 127.0.0.1 from a CA generated for the run (<see cref="EcrDataPlane.CaFile"/>); otherwise plain HTTP.
    /// </summary>
    public bool Tls { get; init; }
}

/// <summary>A request the data plane answered, and what it did.</summary>
public sealed record EcrDataPlaneRequest(string Method, string Path, int Status, string? Note = null);

/// <summary>
/// The Amazon ECR data plane (the OCI distribution side of ECR) for tests: a Kestrel server on a free 127.0.0.1 port in
/// front of a real distribution registry (plain mode), adding what ECR does, as the control plane
/// (<see cref="IEcrRegistryBackend"/>) says:
/// <list type="bullet">
/// <item>Basic auth as <c>AWS:&lt;password&gt;</c>, the password checked with <see cref="IEcrRegistryBackend.IsValidRegistryPassword"/>.
/// No or an unknown credential: 401 with ECR's challenge, <c>Basic realm="https://&lt;host&gt;/",service="ecr.amazonaws.com"</c>.
/// A password accepted before that is no longer valid: <c>403 DENIED</c> "Your authorization token has expired.
/// Reauthenticate and try again." without a challenge, as ECR answers an expired token (flipt-io/flipt#3043,
/// awslabs/amazon-ecr-credential-helper#679).</item>
/// <item>A repository the backend does not know: a push (upload POST, PATCH, PUT, or manifest PUT) has its connection
/// closed without an answer, as ECR does (dotnet/sdk-container-builds#279); a read answers <c>404 NAME_UNKNOWN</c> with
/// ECR's message. An existing repository with nothing in it lists no tags (200), where distribution says NAME_UNKNOWN.</item>
/// <item>Tag immutability (<see cref="IEcrRegistryBackend.IsTagImmutable"/>): a manifest PUT by tag where the tag names
/// another digest answers <c>400 TAG_INVALID</c> with ECR's message; the same digest again is accepted.</item>
/// <item>Upload parts: every PATCH but the last must be at least 5 MiB. ECR's rule (LayerPartTooSmallException, "All layer
/// parts except the last part should be at least 5MB", dotnet/sdk-container-builds#424); the facade can only know a part
/// was not the last when another part follows, so the PATCH (or closing PUT with a body) after a short part answers
/// <c>400 BLOB_UPLOAD_INVALID</c> with that message, the code ECR uses for refused uploads. That HTTP shape is this
/// facade's choice: what ECR answers on the wire is not documented.</item>
/// <item>201 Created, not 202, to an accepted PATCH.</item>
/// <item>The Referrers API (<see cref="ReferrersApiProxy"/> between the facade and the registry): <c>GET
/// /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c> from manifests with a <c>subject</c> pushed through it, and
/// <c>OCI-Subject</c> on their PUT.</item>
/// <item>Every accepted manifest reported to <see cref="IEcrRegistryBackend.ImagePushed"/>.</item>
/// </list>
/// Reach it as <see cref="HostPort"/>, or under <see cref="RegistryHost"/> through a <see cref="LoopbackConnectProxy"/>
/// to <see cref="Port"/>. Not modelled: ECR's stale <c>Range</c> after a second PATCH (aws/containers-roadmap#2831).
/// </summary>
public sealed class EcrDataPlane : IAsyncDisposable
{
    public const int MinimumPartSize = 5 * 1024 * 1024;

    private const int MaxManifestBytes = 4 * 1024 * 1024;
    // Quotes as ECR writes them ('...'), not escaped.
    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string PartTooSmall = "All layer parts except the last part should be at least 5MB";

    private readonly IEcrRegistryBackend _backend;
    private readonly ReferrersApiProxy _referrers;
    private readonly RegistryRelay _relay;
    private readonly TemporaryDirectory? _certificates;
    private readonly ConcurrentDictionary<string, bool> _acceptedPasswords = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EcrDataPlaneRequest> _log = new();
    private WebApplication? _app;

    private EcrDataPlane(IEcrRegistryBackend backend, Uri registry, EcrDataPlaneOptions options)
    {
        _backend = backend;
        Options = options;
        RegistryHost = $"{backend.AccountId}.dkr.ecr.{backend.Region}.amazonaws.com";
        _referrers = new ReferrersApiProxy(registry);
        _relay = new RegistryRelay(new Uri($"http://{_referrers.HostPort}/"), _referrers.HostPort);
        if (options.Tls)
        {
            _certificates = new TemporaryDirectory("ecr-data-plane-tls");
            var files = TestCertificates.CreateServerCertificates(_certificates.Path, RegistryHost);
            CaFile = files.CaFile;
            CertificateFile = files.CertificateFile;
            KeyFile = files.KeyFile;
        }
    }

    public EcrDataPlaneOptions Options { get; }

    /// <summary>The registry host name ECR would have: <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>.</summary>
    public string RegistryHost { get; }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    /// <summary>The PEM file of the CA that signed the server certificate (TLS only).</summary>
    public string? CaFile { get; }

    private string? CertificateFile { get; }

    private string? KeyFile { get; }

    /// <summary>The Referrers API in front of the registry (its requests, for tests that check the API path was used).</summary>
    public ReferrersApiProxy Referrers => _referrers;

    /// <summary>Every request it answered (or dropped), in order.</summary>
    public IReadOnlyList<EcrDataPlaneRequest> Requests => [.. _log];

    /// <summary>The sizes of the parts (PATCH bodies) of every completed upload, in order of completion.</summary>
    public ConcurrentQueue<IReadOnlyList<long>> CompletedUploads { get; } = new();

    /// <summary>
    /// Called with each relayed request's method, path and the registry's status before the answer goes back, so what it
    /// changes (e.g. expiring a password) applies to every later request.
    /// </summary>
    public Action<string, string, int>? Relayed { get; set; }

    /// <summary>Starts the data plane in front of the distribution registry at <paramref name="registry"/>.</summary>
    public static async Task<EcrDataPlane> StartAsync(IEcrRegistryBackend backend, Uri registry, EcrDataPlaneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(registry);
        var plane = new EcrDataPlane(backend, registry, options ?? new EcrDataPlaneOptions());
        try
        {
            await plane.StartServerAsync();
            return plane;
        }
        catch
        {
            await plane.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _relay.Dispose();
        _referrers.Dispose();
        _certificates?.Dispose();
    }

    private async Task StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var certificate = Options.Tls ? X509Certificate2.CreateFromPemFile(CertificateFile!, KeyFile) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Port = new Uri(address).Port;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var path = request.Path.Value ?? "/";
        try
        {
            if (!await AuthenticateAsync(context, method, path))
            {
                return;
            }

            if (path is "/v2/" or "/v2")
            {
                await AnswerAsync(context, 200, "{}", method, path);
                return;
            }

            var route = Route.Parse(path);
            if (route.Repository is null)
            {
                await RelayAsync(context, route, target, null);
                return;
            }

            if (!_backend.RepositoryExists(route.Repository))
            {
                await RepositoryMissingAsync(context, route, method, path);
                return;
            }

            switch (route.Kind, method)
            {
                case ("blobs/uploads", "PATCH"):
                    await PatchAsync(context, route, target);
                    return;
                case ("blobs/uploads", "PUT"):
                    await FinishUploadAsync(context, route, target);
                    return;
                case ("manifests", "PUT"):
                    await PutManifestAsync(context, route, target);
                    return;
                case ("tags", "GET"):
                    await ListTagsAsync(context, route, target);
                    return;
                default:
                    await RelayAsync(context, route, target, null);
                    return;
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            _log.Enqueue(new EcrDataPlaneRequest(method, path, 0, $"aborted: {exception.GetType().Name}"));
            context.Abort();
        }
    }

    private async Task<bool> AuthenticateAsync(HttpContext context, string method, string path)
    {
        var password = BasicPassword(context.Request.Headers.Authorization.ToString());
        if (password is not null && _backend.IsValidRegistryPassword(password))
        {
            _acceptedPasswords.TryAdd(password, true);
            return true;
        }

        // Read the body first, so the client gets the answer rather than a connection closed under its upload.
        await context.Request.Body.CopyToAsync(Stream.Null);
        if (password is not null && _acceptedPasswords.ContainsKey(password))
        {
            await AnswerAsync(context, 403, Errors("DENIED", "Your authorization token has expired. Reauthenticate and try again."), method, path, "expired token");
            return false;
        }

        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"https://{RegistryHost}/\",service=\"ecr.amazonaws.com\"";
        await AnswerAsync(context, 401, Errors("UNAUTHORIZED", "Not Authorized"), method, path, password is null ? "no credentials" : "unknown password");
        return false;
    }

    /// <summary>The password of <c>Basic base64(AWS:password)</c>; null for anything else.</summary>
    private static string? BasicPassword(string authorization)
    {
        const string Scheme = "Basic ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[Scheme.Length..].Trim()));
            return decoded.StartsWith("AWS:", StringComparison.Ordinal) && decoded.Length > 4 ? decoded[4..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task RepositoryMissingAsync(HttpContext context, Route route, string method, string path)
    {
        var push = (route.Kind == "blobs/uploads" && method is "POST" or "PATCH" or "PUT") || (route.Kind == "manifests" && method == "PUT");
        if (push)
        {
            _log.Enqueue(new EcrDataPlaneRequest(method, path, 0, "connection dropped: repository does not exist"));
            context.Abort();
            return;
        }

        await AnswerAsync(
            context,
            404,
            Errors("NAME_UNKNOWN", $"The repository with name '{route.Repository}' does not exist in the registry with id '{_backend.AccountId}'"),
            method,
            path,
            "repository does not exist");
    }

    private async Task PatchAsync(HttpContext context, Route route, string target)
    {
        var session = _sessions.GetOrAdd(route.Reference ?? string.Empty, _ => new UploadSession());
        if (session.HasShortPart)
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            await AnswerAsync(context, 400, Errors("BLOB_UPLOAD_INVALID", PartTooSmall), "PATCH", context.Request.Path.Value!, "part too small");
            return;
        }

        var body = new CountingStream(context.Request.Body);
        await RelayAsync(context, route, target, new StreamContent(body), onAnswer: status =>
        {
            if (status is 202 or 201)
            {
                session.Parts.Add(body.Count);
            }
        });
    }

    private async Task FinishUploadAsync(HttpContext context, Route route, string target)
    {
        var key = route.Reference ?? string.Empty;
        var session = _sessions.GetOrAdd(key, _ => new UploadSession());
        var hasBody = context.Request.ContentLength is > 0 || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count > 0);
        if (hasBody && session.HasShortPart)
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            await AnswerAsync(context, 400, Errors("BLOB_UPLOAD_INVALID", PartTooSmall), "PUT", context.Request.Path.Value!, "part too small");
            return;
        }

        var body = new CountingStream(context.Request.Body);
        await RelayAsync(context, route, target, hasBody ? new StreamContent(body) : null, onAnswer: status =>
        {
            if (status == 201)
            {
                if (hasBody)
                {
                    session.Parts.Add(body.Count);
                }

                _sessions.TryRemove(key, out _);
                CompletedUploads.Enqueue([.. session.Parts]);
            }
        });
    }

    private async Task PutManifestAsync(HttpContext context, Route route, string target)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (buffer.Length > MaxManifestBytes)
        {
            await AnswerAsync(context, 400, Errors("MANIFEST_INVALID", "manifest too large"), "PUT", context.Request.Path.Value!);
            return;
        }

        var body = buffer.ToArray();
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var reference = route.Reference ?? string.Empty;
        var tag = reference.Contains(':', StringComparison.Ordinal) ? null : reference;
        if (tag is not null && _backend.IsTagImmutable(route.Repository!, tag))
        {
            var current = await CurrentDigestAsync(context, route.Repository!, tag);
            if (current is not null && current != digest)
            {
                await AnswerAsync(
                    context,
                    400,
                    Errors("TAG_INVALID", $"The image tag '{tag}' already exists in the '{route.Repository}' repository and cannot be overwritten because the repository is immutable."),
                    "PUT",
                    context.Request.Path.Value!,
                    "immutable tag");
                return;
            }
        }

        var content = new ByteArrayContent(body);
        await RelayAsync(context, route, target, content, onAnswer: status =>
        {
            if (status == 201)
            {
                _backend.ImagePushed(Describe(route.Repository!, tag, digest, body, context.Request.ContentType));
            }
        });
    }

    /// <summary>The digest a tag names at the registry now, or null when it names nothing.</summary>
    private async Task<string?> CurrentDigestAsync(HttpContext context, string repository, string tag)
    {
        string[] accept =
        [
            "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
        ];
        using var response = await _relay.SendAsync("HEAD", $"/v2/{repository}/manifests/{Uri.EscapeDataString(tag)}", [new("Accept", accept)], null, null);
        return response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
    }

    private static EcrPushedManifest Describe(string repository, string? tag, string digest, byte[] body, string? contentType)
    {
        JsonNode? manifest = null;
        try
        {
            manifest = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
        }

        var mediaType = manifest?["mediaType"]?.GetValue<string>() ?? contentType ?? "application/vnd.oci.image.manifest.v1+json";
        var layers = manifest?["layers"] as JsonArray ?? [];
        var artifactType = manifest?["artifactType"]?.GetValue<string>()
            ?? (manifest?["manifests"] is null ? manifest?["config"]?["mediaType"]?.GetValue<string>() : null);
        return new EcrPushedManifest(
            repository,
            digest,
            mediaType,
            body.Length,
            tag,
            artifactType,
            manifest?["subject"]?["digest"]?.GetValue<string>(),
            [.. layers.Select(l => l?["digest"]?.GetValue<string>()).OfType<string>()],
            layers.Sum(l => l?["size"]?.GetValue<long>() ?? 0));
    }

    private async Task ListTagsAsync(HttpContext context, Route route, string target)
    {
        using var upstream = await _relay.SendAsync("GET", target, Headers(context.Request), null, null);
        if (upstream.StatusCode == HttpStatusCode.NotFound)
        {
            // The repository exists (the backend says so) but holds nothing yet: ECR lists no tags; distribution knows no name.
            var empty = new JsonObject { ["name"] = route.Repository, ["tags"] = new JsonArray() };
            await AnswerAsync(context, 200, empty.ToJsonString(), "GET", context.Request.Path.Value!);
            return;
        }

        await CopyAnswerAsync(context, upstream, "GET", context.Request.Path.Value!, null);
    }

    private async Task RelayAsync(HttpContext context, Route route, string target, HttpContent? content, Action<int>? onAnswer = null)
    {
        var request = context.Request;
        content ??= request.Method is "POST" or "PUT" or "PATCH" && (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            ? new StreamContent(request.Body)
            : null;
        using var upstream = await _relay.SendAsync(request.Method, target, Headers(request), content, content is null ? null : request.ContentLength);
        var status = (int)upstream.StatusCode;
        onAnswer?.Invoke(status);
        Relayed?.Invoke(request.Method, request.Path.Value!, status);
        var answered = route.Kind == "blobs/uploads" && request.Method == "PATCH" && status == 202 ? 201 : status;
        await CopyAnswerAsync(context, upstream, request.Method, request.Path.Value!, answered);
    }

    private async Task CopyAnswerAsync(HttpContext context, HttpResponseMessage upstream, string method, string path, int? status)
    {
        var response = context.Response;
        var code = status ?? (int)upstream.StatusCode;
        response.StatusCode = code;
        foreach (var (name, values) in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (RegistryRelay.IsHopHeader(name))
            {
                continue;
            }

            response.Headers[name] = string.Equals(name, "Location", StringComparison.OrdinalIgnoreCase)
                ? values.Select(v => PublicLocation(context, v)).ToArray()
                : values.ToArray();
        }

        if (upstream.Content.Headers.ContentLength is { } length)
        {
            response.ContentLength = length;
        }

        _log.Enqueue(new EcrDataPlaneRequest(method, path, code, status is { } s && s != (int)upstream.StatusCode ? $"registry answered {(int)upstream.StatusCode}" : null));
        if (method != "HEAD")
        {
            await using var body = await upstream.Content.ReadAsStreamAsync();
            await body.CopyToAsync(response.Body);
        }
    }

    /// <summary>A Location naming the server behind (or a path) as a URL of this server, as the client reached it.</summary>
    private string PublicLocation(HttpContext context, string location)
    {
        var behind = $"http://{_referrers.HostPort}";
        var pathAndQuery = location.StartsWith(behind, StringComparison.OrdinalIgnoreCase) ? location[behind.Length..] : location;
        return pathAndQuery.StartsWith('/') ? $"{context.Request.Scheme}://{context.Request.Host}{pathAndQuery}" : location;
    }

    private async Task AnswerAsync(HttpContext context, int status, string json, string method, string path, string? note = null)
    {
        _log.Enqueue(new EcrDataPlaneRequest(method, path, status, note));
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
        var bytes = Encoding.UTF8.GetBytes(json);
        response.ContentLength = bytes.Length;
        if (method != "HEAD")
        {
            await response.Body.WriteAsync(bytes);
        }
    }

    private static string Errors(string code, string message)
        => new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) }.ToJsonString(s_json);

    private static IEnumerable<KeyValuePair<string, string[]>> Headers(HttpRequest request)
        => request.Headers
            .Where(h => !string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
            .Select(h => new KeyValuePair<string, string[]>(h.Key, h.Value.Where(v => v is not null).Select(v => v!).ToArray()));

    /// <summary>The parts of an upload session so far.</summary>
    private sealed class UploadSession
    {
        public List<long> Parts { get; } = [];

        public bool HasShortPart => Parts.Any(p => p < MinimumPartSize);
    }

    /// <summary>A distribution API path: <c>/v2/&lt;name&gt;/(blobs/uploads|manifests|blobs|tags|referrers)/&lt;reference&gt;</c>.</summary>
    private readonly record struct Route(string? Repository, string? Kind, string? Reference)
    {
        public static Route Parse(string path)
        {
            if (!path.StartsWith("/v2/", StringComparison.Ordinal))
            {
                return default;
            }

            // The last marker wins: a repository may itself be called "tags" or "referrers", a reference has no '/'.
            (string Kind, int Index) found = (string.Empty, -1);
            foreach (var kind in new[] { "blobs/uploads", "manifests", "blobs", "tags", "referrers" })
            {
                var index = path.LastIndexOf($"/{kind}/", StringComparison.Ordinal);
                if (index > found.Index)
                {
                    found = (kind, index);
                }
            }

            if (found.Index <= 4)
            {
                return default;
            }

            var rest = path[(found.Index + found.Kind.Length + 2)..];
            return new Route(path[4..found.Index], found.Kind, rest.Length > 0 ? Uri.UnescapeDataString(rest) : null);
        }
    }

    /// <summary>A request body as it is read, counted.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => Count;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Add(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => Add(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Add(int read)
        {
            Interlocked.Add(ref _count, read);
            return read;
        }
    }
}
