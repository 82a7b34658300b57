using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Writes an image as a tar of an OCI image layout (<c>oci-archive:</c>). Blobs are streamed into the archive as
/// they come, verified on the way; <c>index.json</c> is added by <see cref="CommitAsync"/>, which then puts the
/// archive in place (replacing any file there). Disposing without committing leaves nothing behind.
/// </summary>
public sealed class OciArchiveDestination : IImageDestination
{
    private readonly ArchiveWriter _archive;
    private readonly string? _defaultTag;
    private readonly ILogger _logger;
    private bool _started;

    public OciArchiveDestination(string archive, string? defaultTag = null, ILogger<OciArchiveDestination>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(archive);
        _archive = ArchiveWriter.Create(archive);
        _defaultTag = defaultTag;
        _logger = logger ?? NullLogger<OciArchiveDestination>.Instance;
        DisplayName = new OciArchiveLocation(archive, defaultTag).ToString();
    }

    public string DisplayName { get; }

    public Task<bool> HasBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_archive.Contains(OciLayoutReader.BlobPath(descriptor.Digest)));
    }

    public async Task PutBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _archive.AddBlobAsync(descriptor, content, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutContentAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream(content.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await PutBlobAsync(descriptor, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CommitAsync(Descriptor root, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tags);
        if (!_archive.Contains(OciLayoutReader.BlobPath(root.Digest)))
        {
            throw new ToolkitException(ErrorCodes.BlobNotFound, $"Cannot commit {root.Digest} to {DisplayName}: it was not written first.");
        }

        var effectiveTags = tags.Count > 0 ? tags : _defaultTag is null ? [] : [_defaultTag];
        var index = OciLayoutDestination.AddToIndex(null, root, effectiveTags);
        await _archive.AddFileAsync(OciLayoutReader.IndexFileName, OciJson.Serialize(index), cancellationToken).ConfigureAwait(false);
        await _archive.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Wrote {Digest} to {Archive}", root.Digest, _archive.Target);
    }

    public ValueTask DisposeAsync() => _archive.DisposeAsync();

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            await _archive.AddFileAsync(OciLayoutReader.LayoutFileName, OciLayoutDestination.LayoutFileContent, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Writes a single-platform image as a <c>docker load</c>-able archive (<c>docker-archive:</c>), the way current
/// Docker does: blobs under <c>blobs/sha256/</c>, a <c>manifest.json</c> naming the config, the layers in order and
/// the repository tags, and also an OCI layout (<c>oci-layout</c>, <c>index.json</c>) so the manifest bytes survive.
/// </summary>
public sealed class DockerArchiveDestination : IImageDestination
{
    private readonly ArchiveWriter _archive;
    private readonly string? _defaultTag;
    private readonly ILogger _logger;
    private readonly Dictionary<Digest, byte[]> _manifests = [];

    public DockerArchiveDestination(string archive, string? defaultTag = null, ILogger<DockerArchiveDestination>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(archive);
        _archive = ArchiveWriter.Create(archive);
        _defaultTag = defaultTag;
        _logger = logger ?? NullLogger<DockerArchiveDestination>.Instance;
        DisplayName = new DockerArchiveLocation(archive, defaultTag).ToString();
    }

    public string DisplayName { get; }

    public Task<bool> HasBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_archive.Contains(OciLayoutReader.BlobPath(descriptor.Digest)));
    }

    public Task PutBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return _archive.AddBlobAsync(descriptor, content, cancellationToken);
    }

    public async Task PutContentAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (MediaTypes.IsManifest(descriptor.MediaType) || MediaTypes.IsIndex(descriptor.MediaType))
        {
            _manifests[descriptor.Digest] = content.ToArray();
        }

        var stream = new MemoryStream(content.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await PutBlobAsync(descriptor, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CommitAsync(Descriptor root, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tags);
        var (manifestDescriptor, manifest) = SingleManifest(root);
        var repoTags = (tags.Count > 0 ? tags : _defaultTag is null ? [] : [_defaultTag]).Select(NormaliseRepoTag).Distinct(StringComparer.Ordinal).ToList();

        var missing = new[] { manifest.Config }.Concat(manifest.Layers).Where(d => !_archive.Contains(OciLayoutReader.BlobPath(d.Digest))).ToList();
        if (missing.Count > 0)
        {
            throw new ToolkitException(
                ErrorCodes.BlobNotFound,
                $"Cannot write {DisplayName}: {string.Join(", ", missing.Select(d => d.Digest))} were not written; a docker archive needs every layer.");
        }

        await _archive.AddFileAsync(DockerArchiveManifest.FileName, DockerArchiveManifest.Serialize(
            [new DockerArchiveManifest.Entry(
                OciLayoutReader.BlobPath(manifest.Config.Digest),
                repoTags,
                manifest.Layers.Select(l => OciLayoutReader.BlobPath(l.Digest)).ToList())]), cancellationToken).ConfigureAwait(false);

        var entries = repoTags.Count == 0
            ? [manifestDescriptor]
            : repoTags.Select(t => manifestDescriptor with
            {
                Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [DockerArchiveManifest.ContainerdImageName] = t,
                    [AnnotationKeys.RefName] = t[(t.LastIndexOf(':') + 1)..],
                },
            }).ToList();
        var index = new ImageIndex { SchemaVersion = 2, MediaType = MediaTypes.OciIndex, Manifests = entries };
        await _archive.AddFileAsync(OciLayoutReader.IndexFileName, OciJson.Serialize(index), cancellationToken).ConfigureAwait(false);
        await _archive.AddFileAsync(OciLayoutReader.LayoutFileName, OciLayoutDestination.LayoutFileContent, cancellationToken).ConfigureAwait(false);
        await _archive.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Wrote {Digest} to {Archive} as {Tags}", manifestDescriptor.Digest, _archive.Target, string.Join(", ", repoTags));
    }

    public ValueTask DisposeAsync() => _archive.DisposeAsync();

    /// <summary><c>name</c> becomes <c>name:latest</c>; <c>name:tag</c> and <c>host:port/name:tag</c> stay.</summary>
    internal static string NormaliseRepoTag(string tag)
    {
        var lastSlash = tag.LastIndexOf('/');
        return tag.IndexOf(':', lastSlash + 1) < 0 ? tag + ":latest" : tag;
    }

    private (Descriptor Descriptor, ImageManifest Manifest) SingleManifest(Descriptor root)
    {
        if (!_manifests.TryGetValue(root.Digest, out var bytes))
        {
            throw new ToolkitException(ErrorCodes.BlobNotFound, $"Cannot commit {root.Digest} to {DisplayName}: it was not written first.");
        }

        if (MediaTypes.IsIndex(root.MediaType))
        {
            var index = OciJson.ParseIndex(bytes);
            var children = index.Manifests.Where(d => MediaTypes.IsManifest(d.MediaType) && _manifests.ContainsKey(d.Digest)).ToList();
            if (children.Count != 1)
            {
                throw new ToolkitException(
                    ErrorCodes.UnsupportedLocation,
                    $"A docker archive holds one single-platform image, but {root.Digest} is an index of {index.Manifests.Count}; choose a platform.");
            }

            return (children[0], OciJson.ParseManifest(_manifests[children[0].Digest]));
        }

        return (root, OciJson.ParseManifest(bytes));
    }
}

/// <summary>The <c>manifest.json</c> of a docker archive.</summary>
internal static class DockerArchiveManifest
{
    public const string FileName = "manifest.json";
    public const string ContainerdImageName = "io.containerd.image.name";

    public static byte[] Serialize(IReadOnlyList<Entry> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("Config", entry.Config);
                writer.WriteStartArray("RepoTags");
                foreach (var tag in entry.RepoTags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("Layers");
                foreach (var layer in entry.Layers)
                {
                    writer.WriteStringValue(layer);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }

    public static IReadOnlyList<Entry> Parse(byte[] json, string displayName)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(displayName, "it is not a JSON array");
            }

            var entries = new List<Entry>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("Config", out var config) || config.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("Layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
                {
                    throw Invalid(displayName, "an entry lacks Config or Layers");
                }

                var repoTags = item.TryGetProperty("RepoTags", out var tags) && tags.ValueKind == JsonValueKind.Array
                    ? tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList()
                    : [];
                var layerPaths = layers.EnumerateArray().Select(l => l.ValueKind == JsonValueKind.String ? l.GetString()! : throw Invalid(displayName, "a layer is not a string")).ToList();
                entries.Add(new Entry(config.GetString()!, repoTags, layerPaths));
            }

            return entries;
        }
        catch (JsonException e)
        {
            throw new ToolkitException(ErrorCodes.InvalidArchive, $"The {FileName} of {displayName} is not JSON: {e.Message}", e);
        }
    }

    private static ToolkitException Invalid(string displayName, string why)
        => new(ErrorCodes.InvalidArchive, $"The {FileName} of {displayName} is not a docker archive manifest: {why}.");

    public sealed record Entry(string Config, IReadOnlyList<string> RepoTags, IReadOnlyList<string> Layers);
}
