using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Remembers the layers a build wrote, by <see cref="LayerPlan.CacheKey"/>, so an unchanged folder is
/// not tarred and compressed again. Each entry is a small record (descriptor, diff_id, sizes) plus the
/// blob, kept as a hard link to the blob in the output where the file system allows (so it costs no
/// space), else as a copy. Only the most recently used entries are kept. A damaged or unreadable entry
/// is a miss, never an error: the cache only ever saves time.
/// </summary>
public sealed class LayerCache
{
    /// <summary>How many layers the cache keeps; the least recently used go first.</summary>
    public const int DefaultCapacity = 16;

    private readonly string _entries;
    private readonly ContentStore _blobs;
    private readonly int _capacity;
    private readonly ILogger _logger;

    public LayerCache(string directory, ILogger<LayerCache>? logger = null, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var root = Path.GetFullPath(directory);
        _entries = Path.Combine(root, "entries");
        _blobs = new ContentStore(root);
        _capacity = capacity;
        _logger = logger ?? NullLogger<LayerCache>.Instance;
    }

    /// <summary>
    /// The layer recorded under <paramref name="cacheKey"/>, with its blob put into <paramref name="store"/>
    /// if it is not there yet; null when the cache cannot provide both.
    /// </summary>
    public async Task<BuiltLayer?> TryRestoreAsync(string cacheKey, ContentStore store, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        ArgumentNullException.ThrowIfNull(store);
        var entry = PathOf(cacheKey);
        var layer = await ReadEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        if (layer is null)
        {
            return null;
        }

        if (!await store.ContainsAsync(layer.Descriptor, cancellationToken).ConfigureAwait(false))
        {
            if (!await _blobs.ContainsAsync(layer.Descriptor, cancellationToken).ConfigureAwait(false)
                || !LinkOrCopy(_blobs.GetBlobPath(layer.Descriptor.Digest), store.GetBlobPath(layer.Descriptor.Digest)))
            {
                return null;
            }
        }

        Touch(entry);
        return layer;
    }

    /// <summary>Records a layer just written into <paramref name="store"/>, then forgets the least recently used beyond capacity.</summary>
    public async Task SetAsync(string cacheKey, BuiltLayer layer, ContentStore store, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            if (!await _blobs.ContainsAsync(layer.Descriptor, cancellationToken).ConfigureAwait(false)
                && !LinkOrCopy(store.GetBlobPath(layer.Descriptor.Digest), _blobs.GetBlobPath(layer.Descriptor.Digest)))
            {
                return;
            }

            Directory.CreateDirectory(_entries);
            var temporary = Path.Combine(_entries, $".tmp-{Guid.NewGuid():N}");
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
            await PruneAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("Could not record layer {Digest} in the layer cache: {Message}", layer.Descriptor.Digest, e.Message);
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var entries = new DirectoryInfo(_entries).GetFiles("*.json").OrderByDescending(f => f.LastWriteTimeUtc).ToArray();
        if (entries.Length <= _capacity)
        {
            return;
        }

        foreach (var stale in entries.Skip(_capacity))
        {
            stale.Delete();
        }

        var kept = new HashSet<Digest>();
        foreach (var entry in entries.Take(_capacity))
        {
            if (await ReadEntryAsync(entry.FullName, cancellationToken).ConfigureAwait(false) is { } layer)
            {
                kept.Add(layer.Descriptor.Digest);
            }
        }

        var blobFolder = Path.Combine(_blobs.Root, "blobs", Digest.Sha256);
        foreach (var blob in Directory.Exists(blobFolder) ? Directory.GetFiles(blobFolder) : [])
        {
            if (Digest.TryParse($"{Digest.Sha256}:{Path.GetFileName(blob)}", out var digest) && !kept.Contains(digest))
            {
                File.Delete(blob);
            }
        }
    }

    private async Task<BuiltLayer?> ReadEntryAsync(string path, CancellationToken cancellationToken)
    {
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

    private void Touch(string entry)
    {
        try
        {
            File.SetLastWriteTimeUtc(entry, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("Could not mark {Entry} as used: {Message}", entry, e.Message);
        }
    }

    /// <summary>Makes <paramref name="target"/> hold the same bytes as <paramref name="source"/>: a hard link, else a copy.</summary>
    private bool LinkOrCopy(string source, string target)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target))
            {
                return true;
            }

            if (!OperatingSystem.IsWindows() && NativeMethods.Link(source, target) == 0)
            {
                return true;
            }

            var temporary = target + $".tmp-{Guid.NewGuid():N}";
            File.Copy(source, temporary);
            File.Move(temporary, target, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EntryPointNotFoundException or DllNotFoundException)
        {
            _logger.LogDebug("Could not put {Source} at {Target}: {Message}", source, target, e.Message);
            return false;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Link(string existingPath, string newPath);
    }

    private string PathOf(string cacheKey) => Path.Combine(_entries, cacheKey + ".json");
}
