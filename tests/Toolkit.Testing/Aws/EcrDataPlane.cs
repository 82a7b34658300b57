using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
/// The Amazon ECR data plane (the OCI distribution side of ECR) for tests: a server on a free 127.0.0.1 port
/// (<see cref="Http11LoopbackServer"/>, HTTP or HTTPS) in front of a real distribution registry (plain mode), adding what ECR does, as the control plane
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
    private readonly X509Certificate2? _certificate;
    private readonly Http11LoopbackServer _server;
    private readonly ConcurrentDictionary<string, bool> _acceptedPasswords = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EcrDataPlaneRequest> _log = new();

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
            _certificate = X509Certificate2.CreateFromPemFile(files.CertificateFile, files.KeyFile);
        }

        _server = new Http11LoopbackServer(HandleAsync, _certificate);
    }

    public EcrDataPlaneOptions Options { get; }

    /// <summary>The registry host name ECR would have: <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>.</summary>
    public string RegistryHost { get; }

    public int Port => _server.Port;

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    /// <summary>The PEM file of the CA that signed the server certificate (TLS only).</summary>
    public string? CaFile { get; }

    /// <summary>The Referrers API in front of the registry (its requests, for tests that check the API path was used).</summary>
    public ReferrersApiProxy Referrers => _referrers;

    /// <summary>Every request it answered (or dropped), in order.</summary>
    public IReadOnlyList<EcrDataPlaneRequest> Requests => [.. _log];

    /// <summary>The sizes of the parts (PATCH bodies, and a closing PUT's body) of every completed upload, in order of completion.</summary>
    public ConcurrentQueue<IReadOnlyList<long>> CompletedUploads { get; } = new();

    /// <summary>
    /// Called with each relayed request's method, path and the registry's status before the answer goes back, so what it
    /// changes (e.g. expiring a password) applies to every later request.
    /// </summary>
    public Action<string, string, int>? Relayed { get; set; }

    /// <summary>Starts the data plane in front of the distribution registry at <paramref name="registry"/>.</summary>
    public static Task<EcrDataPlane> StartAsync(IEcrRegistryBackend backend, Uri registry, EcrDataPlaneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(registry);
        return Task.FromResult(new EcrDataPlane(backend, registry, options ?? new EcrDataPlaneOptions()));
    }

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        _relay.Dispose();
        _referrers.Dispose();
        _certificate?.Dispose();
        _certificates?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<Http11Response?> HandleAsync(Http11Request request)
    {
        var method = request.Method;
        var path = request.Path;
        try
        {
            if (await AuthenticateAsync(request) is { } refusal)
            {
                return refusal;
            }

            if (path is "/v2/" or "/v2")
            {
                return Answer(request, 200, "{}");
            }

            var route = Route.Parse(path);
            if (route.Repository is null)
            {
                return await RelayAsync(request, route, null);
            }

            if (!_backend.RepositoryExists(route.Repository))
            {
                return RepositoryMissing(request, route);
            }

            return (route.Kind, method) switch
            {
                ("blobs/uploads", "PATCH") => await PatchAsync(request, route),
                ("blobs/uploads", "PUT") => await FinishUploadAsync(request, route),
                ("manifests", "PUT") => await PutManifestAsync(request, route),
                ("tags", "GET") => await ListTagsAsync(request, route),
                _ => await RelayAsync(request, route, null),
            };
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or OperationCanceledException)
        {
            _log.Enqueue(new EcrDataPlaneRequest(method, path, 0, $"aborted: {exception.GetType().Name}"));
            return null;
        }
    }

    /// <summary>Null when the request carries a valid token; otherwise ECR's refusal.</summary>
    private async Task<Http11Response?> AuthenticateAsync(Http11Request request)
    {
        var password = BasicPassword(request.Header("Authorization"));
        if (password is not null && _backend.IsValidRegistryPassword(password))
        {
            _acceptedPasswords.TryAdd(password, true);
            return null;
        }

        // Read the body first, so the client gets the answer rather than a connection closed under its upload.
        await request.Body.CopyToAsync(Stream.Null);
        if (password is not null && _acceptedPasswords.ContainsKey(password))
        {
            return Answer(request, 403, Errors("DENIED", "Your authorization token has expired. Reauthenticate and try again."), "expired token");
        }

        var challenge = Answer(request, 401, Errors("UNAUTHORIZED", "Not Authorized"), password is null ? "no credentials" : "unknown password");
        challenge.Headers.Add(new("WWW-Authenticate", $"Basic realm=\"https://{RegistryHost}/\",service=\"ecr.amazonaws.com\""));
        return challenge;
    }

    /// <summary>The password of <c>Basic base64(AWS:password)</c>; null for anything else.</summary>
    private static string? BasicPassword(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
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

    private Http11Response? RepositoryMissing(Http11Request request, Route route)
    {
        var method = request.Method;
        var push = (route.Kind == "blobs/uploads" && method is "POST" or "PATCH" or "PUT") || (route.Kind == "manifests" && method == "PUT");
        if (push)
        {
            _log.Enqueue(new EcrDataPlaneRequest(method, request.Path, 0, "connection dropped: repository does not exist"));
            return null;
        }

        return Answer(
            request,
            404,
            Errors("NAME_UNKNOWN", $"The repository with name '{route.Repository}' does not exist in the registry with id '{_backend.AccountId}'"),
            "repository does not exist");
    }

    private async Task<Http11Response?> PatchAsync(Http11Request request, Route route)
    {
        var session = _sessions.GetOrAdd(route.Reference ?? string.Empty, _ => new UploadSession());
        if (session.HasShortPart)
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Answer(request, 400, Errors("BLOB_UPLOAD_INVALID", PartTooSmall), "part too small");
        }

        var body = new CountingStream(request.Body);
        return await RelayAsync(request, route, new StreamContent(body), onAnswer: status =>
        {
            if (status is 202 or 201)
            {
                session.Parts.Add(body.Count);
            }
        });
    }

    private async Task<Http11Response?> FinishUploadAsync(Http11Request request, Route route)
    {
        var key = route.Reference ?? string.Empty;
        var session = _sessions.GetOrAdd(key, _ => new UploadSession());
        if (request.HasBody && session.HasShortPart)
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Answer(request, 400, Errors("BLOB_UPLOAD_INVALID", PartTooSmall), "part too small");
        }

        var body = new CountingStream(request.Body);
        return await RelayAsync(request, route, request.HasBody ? new StreamContent(body) : null, onAnswer: status =>
        {
            if (status == 201)
            {
                if (request.HasBody)
                {
                    session.Parts.Add(body.Count);
                }

                _sessions.TryRemove(key, out _);
                CompletedUploads.Enqueue([.. session.Parts]);
            }
        });
    }

    private async Task<Http11Response?> PutManifestAsync(Http11Request request, Route route)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        if (buffer.Length > MaxManifestBytes)
        {
            return Answer(request, 400, Errors("MANIFEST_INVALID", "manifest too large"));
        }

        var body = buffer.ToArray();
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var reference = route.Reference ?? string.Empty;
        var tag = reference.Contains(':', StringComparison.Ordinal) ? null : reference;
        if (tag is not null && _backend.IsTagImmutable(route.Repository!, tag))
        {
            var current = await CurrentDigestAsync(route.Repository!, tag);
            if (current is not null && current != digest)
            {
                return Answer(
                    request,
                    400,
                    Errors("TAG_INVALID", $"The image tag '{tag}' already exists in the '{route.Repository}' repository and cannot be overwritten because the repository is immutable."),
                    "immutable tag");
            }
        }

        return await RelayAsync(request, route, new ByteArrayContent(body), onAnswer: status =>
        {
            if (status == 201)
            {
                _backend.ImagePushed(Describe(route.Repository!, tag, digest, body, request.Header("Content-Type")));
            }
        });
    }

    /// <summary>The digest a tag names at the registry now, or null when it names nothing.</summary>
    private async Task<string?> CurrentDigestAsync(string repository, string tag)
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

    private async Task<Http11Response?> ListTagsAsync(Http11Request request, Route route)
    {
        var upstream = await _relay.SendAsync("GET", request.Target, Headers(request), null, null);
        if (upstream.StatusCode == HttpStatusCode.NotFound)
        {
            // The repository exists (the backend says so) but holds nothing yet: ECR lists no tags; distribution knows no name.
            upstream.Dispose();
            var empty = new JsonObject { ["name"] = route.Repository, ["tags"] = new JsonArray() };
            return Answer(request, 200, empty.ToJsonString(s_json));
        }

        return CopyAnswer(request, upstream, null);
    }

    private async Task<Http11Response?> RelayAsync(Http11Request request, Route route, HttpContent? content, Action<int>? onAnswer = null)
    {
        content ??= request.HasBody ? new StreamContent(request.Body) : null;
        var upstream = await _relay.SendAsync(request.Method, request.Target, Headers(request), content, content is null ? null : request.ContentLength);
        var status = (int)upstream.StatusCode;
        onAnswer?.Invoke(status);
        Relayed?.Invoke(request.Method, request.Path, status);
        var answered = route.Kind == "blobs/uploads" && request.Method == "PATCH" && status == 202 ? 201 : status;
        return CopyAnswer(request, upstream, answered);
    }

    /// <summary>The registry's answer as this server's: its status (or <paramref name="status"/>), headers and streamed body.</summary>
    private Http11Response CopyAnswer(Http11Request request, HttpResponseMessage upstream, int? status)
    {
        var code = status ?? (int)upstream.StatusCode;
        var response = new Http11Response(code)
        {
            Body = request.Method == "HEAD" ? null : upstream.Content.ReadAsStream(),
            ContentLength = upstream.Content.Headers.ContentLength,
            Owner = upstream,
        };
        foreach (var (name, values) in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (RegistryRelay.IsHopHeader(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                response.Headers.Add(new(name, string.Equals(name, "Location", StringComparison.OrdinalIgnoreCase) ? PublicLocation(request, value) : value));
            }
        }

        _log.Enqueue(new EcrDataPlaneRequest(request.Method, request.Path, code, code != (int)upstream.StatusCode ? $"registry answered {(int)upstream.StatusCode}" : null));
        return response;
    }

    /// <summary>A Location naming the server behind (or a path) as a URL of this server, as the client reached it.</summary>
    private string PublicLocation(Http11Request request, string location)
    {
        var behind = $"http://{_referrers.HostPort}";
        var pathAndQuery = location.StartsWith(behind, StringComparison.OrdinalIgnoreCase) ? location[behind.Length..] : location;
        return pathAndQuery.StartsWith('/') ? $"{request.Scheme}://{request.Header("Host") ?? HostPort}{pathAndQuery}" : location;
    }

    private Http11Response Answer(Http11Request request, int status, string json, string? note = null)
    {
        _log.Enqueue(new EcrDataPlaneRequest(request.Method, request.Path, status, note));
        var response = Http11Response.Bytes(status, Encoding.UTF8.GetBytes(json), "application/json; charset=utf-8");
        response.Headers.Add(new("Docker-Distribution-Api-Version", "registry/2.0"));
        return response;
    }

    private static string Errors(string code, string message)
        => new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) }.ToJsonString(s_json);

    private static IEnumerable<KeyValuePair<string, string[]>> Headers(Http11Request request)
        => request.Headers
            .Where(h => !string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new KeyValuePair<string, string[]>(g.Key, [.. g.Select(h => h.Value)]));

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
