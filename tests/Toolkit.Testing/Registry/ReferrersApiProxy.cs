using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolkit.Testing.Registry;

/// <summary>
/// A loopback HTTP server in front of a real registry that adds the OCI 1.1 Referrers API and nothing else: every request is
/// forwarded, except <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>, which it answers itself from the subjects it learnt
/// from the manifest PUTs that passed through it (those the registry accepted). It answers <c>OCI-Subject</c> to the PUT of a
/// manifest with a subject, as a registry with the API must. Its JSON handling is its own (System.Text.Json nodes), not the
/// toolkit's, so it cannot share the toolkit's mistakes.
/// </summary>
public sealed class ReferrersApiProxy : LoopbackHttpServer
{
    private const int MaxManifestBytes = 4 * 1024 * 1024;
    private const string IndexMediaType = "application/vnd.oci.image.index.v1+json";

    private readonly RegistryRelay _relay;

    // (repository, subject digest) -> referrer descriptors in the order they were pushed, each digest once.
    private readonly ConcurrentDictionary<(string Repository, string Subject), List<JsonObject>> _referrers = new();
    private readonly ConcurrentQueue<string> _referrersRequests = new();

    public ReferrersApiProxy(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _relay = new RegistryRelay(target, HostPort);
        Start();
    }

    /// <summary>
    /// Whether <c>?artifactType=</c> is applied (and <c>OCI-Filters-Applied: artifactType</c> answered). The spec lets a registry
    /// ignore the filter, so clients must cope with both.
    /// </summary>
    public bool ApplyArtifactTypeFilter { get; set; } = true;

    /// <summary>Referrers per page; more are reached by a <c>Link: &lt;...&gt;; rel="next"</c> header. Null: one page.</summary>
    public int? PageSize { get; set; }

    /// <summary>Path and query of every referrers request it answered.</summary>
    public IReadOnlyList<string> ReferrersRequests => [.. _referrersRequests];

    /// <summary>How many manifest PUTs it answered with <c>OCI-Subject</c>.</summary>
    public int SubjectsConfirmed => _subjectsConfirmed;

    private int _subjectsConfirmed;

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
        var path = request.Url!.AbsolutePath;
        if (request.HttpMethod == "GET" && TrySplit(path, "/referrers/", out var repository, out var subject))
        {
            AnswerReferrers(context, repository, subject);
            return;
        }

        if (request.HttpMethod == "PUT" && TrySplit(path, "/manifests/", out repository, out var reference))
        {
            await PutManifestAsync(context, repository, reference);
            return;
        }

        await RelayAsync(context, request.HasEntityBody ? new StreamContent(request.InputStream) : null, confirmedSubject: null);
    }

    /// <summary>Relays the PUT; when the registry stored it and it names a subject, remembers it and answers <c>OCI-Subject</c>.</summary>
    private async Task PutManifestAsync(HttpListenerContext context, string repository, string reference)
    {
        using var buffer = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var referrer = body.Length <= MaxManifestBytes ? DescribeReferrer(body, reference, context.Request.ContentType) : null;
        var content = new ByteArrayContent(body);
        await RelayAsync(context, content, referrer, repository);
    }

    /// <summary>The descriptor a referrers list gives the manifest, and its subject; null when it names none.</summary>
    private static (string Subject, JsonObject Descriptor)? DescribeReferrer(byte[] body, string reference, string? contentType)
    {
        JsonNode? manifest;
        try
        {
            manifest = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        if (manifest?["subject"]?["digest"]?.GetValue<string>() is not { } subject)
        {
            return null;
        }

        var digest = reference.Contains(':', StringComparison.Ordinal) ? reference : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var mediaType = manifest["mediaType"]?.GetValue<string>() ?? contentType ?? "application/vnd.oci.image.manifest.v1+json";
        var descriptor = new JsonObject
        {
            ["mediaType"] = mediaType,
            ["digest"] = digest,
            ["size"] = body.Length,
        };

        // The spec: the manifest's artifactType, else (image manifests) the config's media type; and every annotation.
        var artifactType = manifest["artifactType"]?.GetValue<string>()
            ?? (manifest["manifests"] is null ? manifest["config"]?["mediaType"]?.GetValue<string>() : null);
        if (artifactType is not null)
        {
            descriptor["artifactType"] = artifactType;
        }

        if (manifest["annotations"] is JsonObject annotations)
        {
            descriptor["annotations"] = annotations.DeepClone();
        }

        return (subject, descriptor);
    }

    private void AnswerReferrers(HttpListenerContext context, string repository, string subject)
    {
        var request = context.Request;
        _referrersRequests.Enqueue(request.Url!.PathAndQuery);
        var artifactType = request.QueryString["artifactType"];
        var start = int.TryParse(request.QueryString["last"], out var last) ? last : 0;

        List<JsonObject> all;
        lock (_referrers)
        {
            all = _referrers.TryGetValue((repository, subject), out var list) ? [.. list] : [];
        }

        var filtered = ApplyArtifactTypeFilter && artifactType is not null;
        var matching = filtered ? all.Where(d => d["artifactType"]?.GetValue<string>() == artifactType).ToList() : all;
        var page = PageSize is { } size ? matching.Skip(start).Take(size).ToList() : matching;
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = IndexMediaType,
            ["manifests"] = new JsonArray([.. page.Select(d => (JsonNode)d.DeepClone())]),
        };

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = IndexMediaType;
        if (filtered)
        {
            response.AddHeader("OCI-Filters-Applied", "artifactType");
        }

        if (PageSize is { } pageSize && start + pageSize < matching.Count)
        {
            var query = (artifactType is null ? string.Empty : $"artifactType={Uri.EscapeDataString(artifactType)}&") + $"last={start + pageSize}";
            response.AddHeader("Link", $"<{request.Url!.AbsolutePath}?{query}>; rel=\"next\"");
        }

        var bytes = Encoding.UTF8.GetBytes(index.ToJsonString());
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    private async Task RelayAsync(HttpListenerContext context, HttpContent? content, (string Subject, JsonObject Descriptor)? confirmedSubject, string? repository = null)
    {
        var request = context.Request;
        var response = context.Response;
        using var upstreamResponse = await _relay.SendAsync(request, content);
        var isHead = string.Equals(request.HttpMethod, "HEAD", StringComparison.OrdinalIgnoreCase);
        _relay.CopyHead(upstreamResponse, response, isHead);
        if (confirmedSubject is { } referrer && repository is not null && upstreamResponse.StatusCode == HttpStatusCode.Created)
        {
            Remember(repository, referrer.Subject, referrer.Descriptor);
            response.AddHeader("OCI-Subject", referrer.Subject);
            Interlocked.Increment(ref _subjectsConfirmed);
        }

        if (!isHead)
        {
            await using var body = await upstreamResponse.Content.ReadAsStreamAsync();
            await body.CopyToAsync(response.OutputStream);
        }

        response.Close();
    }

    private void Remember(string repository, string subject, JsonObject descriptor)
    {
        lock (_referrers)
        {
            var list = _referrers.GetOrAdd((repository, subject), _ => []);
            var digest = descriptor["digest"]!.GetValue<string>();
            if (!list.Any(d => d["digest"]!.GetValue<string>() == digest))
            {
                list.Add(descriptor);
            }
        }
    }

    private static bool TrySplit(string path, string marker, out string repository, out string rest)
    {
        repository = string.Empty;
        rest = string.Empty;
        var index = path.LastIndexOf(marker, StringComparison.Ordinal);
        if (!path.StartsWith("/v2/", StringComparison.Ordinal) || index <= 4)
        {
            return false;
        }

        repository = path[4..index];
        rest = Uri.UnescapeDataString(path[(index + marker.Length)..]);
        return rest.Length > 0 && !rest.Contains('/', StringComparison.Ordinal);
    }
}
