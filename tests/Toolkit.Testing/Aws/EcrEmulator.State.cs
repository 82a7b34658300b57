using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Testing.Aws;

/// <summary>The emulator's state (guarded by its lock) and the helpers every operation shares.</summary>
public sealed partial class EcrEmulator
{
    private const int DefaultPageSize = 100;
    private static readonly JsonSerializerOptions s_relaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Dictionary<string, RepositoryState> _repositories = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Repository, string Digest), EcrFindingsSeed> _seeds = [];
    private long _pushCounter;

    private sealed class RepositoryState
    {
        public required string Name { get; init; }

        public required DateTimeOffset CreatedAt { get; init; }

        public string TagMutability { get; set; } = "MUTABLE";

        public List<string> ExclusionFilters { get; set; } = [];

        public bool ScanOnPush { get; set; }

        public string EncryptionType { get; init; } = "AES256";

        public string? KmsKeyArn { get; init; }

        public List<KeyValuePair<string, string>> Tags { get; } = [];

        public string? LifecyclePolicy { get; set; }

        public string? RepositoryPolicy { get; set; }

        /// <summary>Images by digest, in push order.</summary>
        public Dictionary<string, ImageState> Images { get; } = new(StringComparer.Ordinal);

        /// <summary>Layer and config blobs the repository's manifests name, with size and media type when a manifest gave them.</summary>
        public Dictionary<string, BlobInfo> KnownBlobs { get; } = new(StringComparer.Ordinal);

        public ImageState? ImageByTag(string tag) => Images.Values.FirstOrDefault(i => i.Tags.Contains(tag));
    }

    private sealed record BlobInfo(long? Size, string? MediaType);

    private sealed class ImageState
    {
        public required string Digest { get; init; }

        public required string MediaType { get; init; }

        public required long ManifestSize { get; init; }

        public required long SizeInBytes { get; init; }

        public required DateTimeOffset PushedAt { get; init; }

        public required long PushOrder { get; init; }

        public string? ArtifactMediaType { get; set; }

        public string? SubjectDigest { get; set; }

        /// <summary>The manifest text, when the emulator has it (PutImage, or read back from the backing registry).</summary>
        public string? Manifest { get; set; }

        public List<string> Tags { get; } = [];

        public IReadOnlyList<string> LayerDigests { get; init; } = [];

        public ScanState? Scan { get; set; }

        public bool IsScannable => SubjectDigest is null
            && MediaType is "application/vnd.oci.image.manifest.v1+json" or "application/vnd.docker.distribution.manifest.v2+json"
            && (ArtifactMediaType is null
                || ArtifactMediaType is "application/vnd.oci.image.config.v1+json" or "application/vnd.docker.container.image.v1+json");
    }

    private sealed class ScanState
    {
        public required DateTimeOffset StartedAt { get; init; }

        /// <summary>Until then DescribeImageScanFindings answers ScanNotFoundException.</summary>
        public required DateTimeOffset VisibleAt { get; init; }

        /// <summary>Until then a visible (enhanced) scan is PENDING, then IN_PROGRESS until <see cref="CompletesAt"/>.</summary>
        public required DateTimeOffset PendingUntil { get; init; }

        public required DateTimeOffset CompletesAt { get; init; }

        public required DateTimeOffset FindingsVisibleAt { get; init; }

        public required bool Enhanced { get; init; }

        public required bool Continuous { get; init; }
    }

    /// <summary>
    /// Sets up, without a client, what a push to a scan-on-push repository leaves: the repository (created when missing, as
    /// CreateRepository with scan on push), <paramref name="findings"/> seeded for the image, and a small image manifest put
    /// with <paramref name="tag"/> through the PutImage operation (so its scan starts as a pushed image's would). Returns the
    /// manifest's digest. For front-end tests, which test how a front-end waits and gates, not how the image got there.
    /// </summary>
    public async Task<string> PutScannedImageAsync(string repositoryName, string tag, EcrFindingsSeed findings)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryName);
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(findings);
        static string Sha256(string text) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Sha256($"{repositoryName}:{tag} config"), ["size"] = 512 },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = Sha256($"{repositoryName}:{tag} layer"), ["size"] = 1024 }),
        }.ToJsonString();
        var digest = Sha256(manifest);
        try
        {
            await InvokeAsync("CreateRepository", new JsonObject { ["repositoryName"] = repositoryName, ["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = true } });
        }
        catch (EcrServiceException exception) when (exception.ErrorCode == "RepositoryAlreadyExistsException")
        {
            // Set up by an earlier call.
        }

        SeedFindings(repositoryName, digest, findings);
        await InvokeAsync("PutImage", new JsonObject { ["repositoryName"] = repositoryName, ["imageManifest"] = manifest, ["imageTag"] = tag });
        return digest;
    }

    /// <summary>
    /// Seeds what a scan of the image reports once it completes (before or after the push; the latest seed wins). Without
    /// a seed a scan completes with no findings.
    /// </summary>
    public void SeedFindings(string repositoryName, string imageDigest, EcrFindingsSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        lock (_lock)
        {
            _seeds[(repositoryName, imageDigest)] = seed;
        }
    }

    /// <summary>The digests of the images in a repository, in push order (empty when it does not exist).</summary>
    public IReadOnlyList<string> ImageDigests(string repositoryName)
    {
        lock (_lock)
        {
            return _repositories.TryGetValue(repositoryName, out var repository)
                ? [.. repository.Images.Values.OrderBy(i => i.PushOrder).Select(i => i.Digest)]
                : [];
        }
    }

    private RepositoryState Repository(OperationContext context)
    {
        CheckRegistry(context);
        var name = context.String("repositoryName")!;
        return _repositories.TryGetValue(name, out var repository) ? repository : throw RepositoryNotFound(name);
    }

    private void CheckRegistry(OperationContext context)
    {
        if (context.String("registryId") is { } registryId && registryId != AccountId)
        {
            throw new EcrServiceException(
                "InvalidParameterException",
                $"Invalid parameter at 'registryId' failed to satisfy constraint: 'the emulated registry is {AccountId}, not {registryId}'");
        }
    }

    private EcrServiceException RepositoryNotFound(string name)
        => new("RepositoryNotFoundException", $"The repository with name '{name}' does not exist in the registry with id '{AccountId}'");

    private string RepositoryArn(string name) => $"arn:{Partition}:ecr:{Region}:{AccountId}:repository/{name}";

    private JsonObject RepositoryJson(RepositoryState repository)
    {
        var json = new JsonObject
        {
            ["repositoryArn"] = RepositoryArn(repository.Name),
            ["registryId"] = AccountId,
            ["repositoryName"] = repository.Name,
            ["repositoryUri"] = $"{RegistryHost}/{repository.Name}",
            ["createdAt"] = Epoch(repository.CreatedAt),
            ["imageTagMutability"] = repository.TagMutability,
        };
        if (repository.ExclusionFilters.Count > 0)
        {
            json["imageTagMutabilityExclusionFilters"] = ExclusionFiltersJson(repository.ExclusionFilters);
        }

        json["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = repository.ScanOnPush };
        var encryption = new JsonObject { ["encryptionType"] = repository.EncryptionType };
        if (repository.KmsKeyArn is not null)
        {
            encryption["kmsKey"] = repository.KmsKeyArn;
        }

        json["encryptionConfiguration"] = encryption;
        return json;
    }

    private static JsonArray ExclusionFiltersJson(IEnumerable<string> filters)
        => [.. filters.Select(f => (JsonNode)new JsonObject { ["filterType"] = "WILDCARD", ["filter"] = f })];

    /// <summary>ECR's wildcard filters: <c>*</c> matches any run of characters, everything else itself.</summary>
    private static bool WildcardMatches(string filter, string value)
        => Regex.IsMatch(value, "^" + string.Join(".*", filter.Split('*').Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// One page of <paramref name="items"/> and the token of the next, or null on the last page. Tokens are opaque to
    /// clients and bound to the operation and its scope (a repository, an image): another one is refused.
    /// </summary>
    private static (List<T> Page, string? NextToken) Paginate<T>(IReadOnlyList<T> items, OperationContext context, string scope, int defaultPageSize = DefaultPageSize)
    {
        var offset = 0;
        if (context.String("nextToken") is { } token)
        {
            offset = ParseToken(token, context.Operation, scope);
        }

        var size = context.Int("maxResults") ?? defaultPageSize;
        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + page.Count < items.Count ? MakeToken(context.Operation, scope, offset + page.Count) : null;
        return (page, next);
    }

    private static string MakeToken(string operation, string scope, int offset)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["op"] = operation, ["scope"] = scope, ["offset"] = offset });
        return Convert.ToBase64String(payload);
    }

    private static int ParseToken(string token, string operation, string scope)
    {
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(token));
            var root = document.RootElement;
            if (root.GetProperty("op").GetString() == operation && root.GetProperty("scope").GetString() == scope && root.GetProperty("offset").GetInt32() is var offset and >= 0)
            {
                return offset;
            }
        }
        catch (Exception exception) when (exception is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }

        throw new EcrServiceException("InvalidParameterException", "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
    }

    private static JsonObject ImageIdJson(string digest, string? tag)
    {
        var json = new JsonObject { ["imageDigest"] = digest };
        if (tag is not null)
        {
            json["imageTag"] = tag;
        }

        return json;
    }

    private static string DescribeImageId(JsonElement imageId)
    {
        var digest = imageId.TryGetProperty("imageDigest", out var d) ? d.GetString() : null;
        var tag = imageId.TryGetProperty("imageTag", out var t) ? t.GetString() : null;
        return $"{{imageDigest:'{digest ?? "null"}', imageTag:'{tag ?? "null"}'}}";
    }

    /// <summary>The image an <c>ImageIdentifier</c> names, or null (a digest and a tag that disagree name none).</summary>
    private static ImageState? FindImage(RepositoryState repository, JsonElement imageId)
    {
        var digest = imageId.TryGetProperty("imageDigest", out var d) ? d.GetString() : null;
        var tag = imageId.TryGetProperty("imageTag", out var t) ? t.GetString() : null;
        var image = digest is not null ? repository.Images.GetValueOrDefault(digest) : tag is not null ? repository.ImageByTag(tag) : null;
        return image is not null && tag is not null && !image.Tags.Contains(tag) ? null : image;
    }

    /// <summary>
    /// A JSON document as Jackson's default pretty printer writes it (two-space indentation, <c>"key" : value</c>, arrays
    /// inline as <c>[ a, b ]</c>): the form ECR returns repository policies in, whatever form they were set in.
    /// </summary>
    private static string JacksonPretty(JsonElement element)
    {
        var builder = new StringBuilder();
        Write(element, 0);
        return builder.ToString();

        void Write(JsonElement value, int depth)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    var properties = value.EnumerateObject().ToList();
                    if (properties.Count == 0)
                    {
                        builder.Append("{ }");
                        return;
                    }

                    builder.Append("{\n");
                    for (var i = 0; i < properties.Count; i++)
                    {
                        builder.Append(' ', (depth + 1) * 2).Append(JsonSerializer.Serialize(properties[i].Name, s_relaxedJson)).Append(" : ");
                        Write(properties[i].Value, depth + 1);
                        builder.Append(i < properties.Count - 1 ? ",\n" : "\n");
                    }

                    builder.Append(' ', depth * 2).Append('}');
                    return;
                case JsonValueKind.Array:
                    var items = value.EnumerateArray().ToList();
                    if (items.Count == 0)
                    {
                        builder.Append("[ ]");
                        return;
                    }

                    builder.Append("[ ");
                    for (var i = 0; i < items.Count; i++)
                    {
                        Write(items[i], depth);
                        if (i < items.Count - 1)
                        {
                            builder.Append(", ");
                        }
                    }

                    builder.Append(" ]");
                    return;
                default:
                    builder.Append(value.ValueKind == JsonValueKind.String ? JsonSerializer.Serialize(value.GetString(), s_relaxedJson) : value.GetRawText());
                    return;
            }
        }
    }
}
