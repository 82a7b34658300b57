using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Remembers which layer a <see cref="LayerPlan.CacheKey"/> produced, so an unchanged folder is not
/// tarred and compressed again. It keeps only the small record (descriptor, diff_id, sizes); the blob
/// itself must still be in the store the build writes to, or the layer is written anew. A damaged or
/// unreadable entry is a miss, never an error.
/// </summary>
public sealed class LayerCache
{
    private readonly string _directory;
    private readonly ILogger _logger;

    public LayerCache(string directory, ILogger<LayerCache>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        _logger = logger ?? NullLogger<LayerCache>.Instance;
    }

    public async Task<BuiltLayer?> TryGetAsync(string cacheKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        var path = PathOf(cacheKey);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                var root = document.RootElement;
                var descriptor = new Descriptor(
                    root.GetProperty("mediaType").GetString()!,
                    Digest.Parse(root.GetProperty("digest").GetString()!),
                    root.GetProperty("size").GetInt64());
                return new BuiltLayer(
                    descriptor,
                    Digest.Parse(root.GetProperty("diffId").GetString()!),
                    root.GetProperty("uncompressedSize").GetInt64(),
                    root.GetProperty("entryCount").GetInt32());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or Diagnostics.ToolkitException or ArgumentException)
        {
            _logger.LogDebug("Ignoring the layer cache entry {Path}: {Message}", path, e.Message);
            return null;
        }
    }

    public async Task SetAsync(string cacheKey, BuiltLayer layer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        ArgumentNullException.ThrowIfNull(layer);
        try
        {
            Directory.CreateDirectory(_directory);
            var temporary = Path.Combine(_directory, $".tmp-{Guid.NewGuid():N}");
            var stream = File.Create(temporary);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new Utf8JsonWriter(stream);
                await using var writerScope = writer.ConfigureAwait(false);
                writer.WriteStartObject();
                writer.WriteString("mediaType", layer.Descriptor.MediaType);
                writer.WriteString("digest", layer.Descriptor.Digest.ToString());
                writer.WriteNumber("size", layer.Descriptor.Size);
                writer.WriteString("diffId", layer.DiffId.ToString());
                writer.WriteNumber("uncompressedSize", layer.UncompressedSize);
                writer.WriteNumber("entryCount", layer.EntryCount);
                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, PathOf(cacheKey), overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a build never fails because of it.
            _logger.LogDebug("Could not record layer {Digest} in the layer cache {Directory}: {Message}", layer.Descriptor.Digest, _directory, e.Message);
        }
    }

    private string PathOf(string cacheKey) => Path.Combine(_directory, cacheKey + ".json");
}
