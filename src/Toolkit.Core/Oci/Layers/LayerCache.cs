using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Remembers the layers a build wrote, by a key over their content (<see cref="KeyOfAsync"/>), so an
/// unchanged folder is not tarred and compressed again. Each entry is a small record (descriptor,
/// diff_id, sizes) plus the blob, kept as a hard link to the blob in the output where the file system
/// allows (so it costs no space), else as a copy. Only the most recently used entries are kept. A
/// damaged or unreadable entry is a miss, never an error: the cache only ever saves time.
/// </summary>
public sealed class LayerCache
{
    /// <summary>How many layers the cache keeps; the least recently used go first.</summary>
    public const int DefaultCapacity = 16;

    private readonly string _entries;
    private readonly string _memos;
    private readonly ContentStore _blobs;
    private readonly int _capacity;
    private readonly ILogger _logger;

    public LayerCache(string directory, ILogger<LayerCache>? logger = null, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var root = Path.GetFullPath(directory);
        _entries = Path.Combine(root, "entries");
        _memos = Path.Combine(root, "files");
        _blobs = new ContentStore(root);
        _capacity = capacity;
        _logger = logger ?? NullLogger<LayerCache>.Instance;
    }

    /// <summary>
    /// The key of the layer a plan will write: a sha256 over the writer's own build, the options that reach
    /// the bytes, and each entry's path, kind, mode, size, link target and content digest. File contents
    /// are hashed only when a file's identity (device, inode, size, modification and change times, as git's
    /// index keeps them) is not the one remembered from the last build of the same folders; the kernel moves
    /// a file's change time on every write and no tool can set it back.
    /// </summary>
    public async Task<string> KeyOfAsync(LayerPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var memoPath = Path.Combine(_memos, SlotOf(plan) + ".json");
        var known = await ReadMemoAsync(memoPath, cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Line(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        // The writer's own build: changed tar or compression code must never reuse an older layer.
        Line("toolkit-layer/1 " + typeof(LayerCache).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        var options = plan.Options;
        Line(string.Create(CultureInfo.InvariantCulture, $"{options.Compression} {options.EffectiveCompressionLevel} {options.CompressionBlockSize} {options.Timestamp.ToUnixTimeSeconds()} {options.Uid} {options.Gid}"));
        foreach (var entry in plan.Entries)
        {
            string? content = null;
            if (entry.Kind == FileKind.Regular)
            {
                var identity = entry.Stamp is { } stamp ? $"{entry.SourcePath}\0{stamp}" : null;
                if (identity is null || !known.TryGetValue(identity, out content))
                {
                    content = await HashFileAsync(entry.SourcePath!, cancellationToken).ConfigureAwait(false);
                }

                if (identity is not null)
                {
                    seen[identity] = content;
                }
            }

            Line(string.Create(CultureInfo.InvariantCulture, $"{entry.Kind} {entry.Mode} {entry.Size} {entry.Path}\0{entry.LinkTarget}\0{content}"));
        }

        await WriteMemoAsync(memoPath, seen, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
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

    /// <summary>Which folders a plan reads: the memo of file digests is kept per such set.</summary>
    private static string SlotOf(LayerPlan plan)
    {
        var sources = plan.Entries.Where(e => e.SourcePath is not null).Select(e => Path.GetDirectoryName(e.SourcePath)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', sources))))[..32];
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Diagnostics.ToolkitException(
                Diagnostics.ErrorCodes.LayerSourceUnreadable,
                $"Cannot read '{path}' for the layer: {e.Message} Check that the user running the build can read every file in the folder.",
                e);
        }
    }

    private async Task<Dictionary<string, string>> ReadMemoAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            if (File.Exists(path))
            {
                var stream = File.OpenRead(path);
                await using (stream.ConfigureAwait(false))
                {
                    using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            _logger.LogDebug("Ignoring the file digest memo {Path}: {Message}", path, e.Message);
        }

        return new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private async Task WriteMemoAsync(string path, Dictionary<string, string> memo, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_memos);
            var temporary = path + $".tmp-{Guid.NewGuid():N}";
            var stream = File.Create(temporary);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new Utf8JsonWriter(stream);
                await using var writerScope = writer.ConfigureAwait(false);
                writer.WriteStartObject();
                foreach (var (identity, digest) in memo)
                {
                    writer.WriteString(identity, digest);
                }

                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("Could not keep the file digest memo {Path}: {Message}", path, e.Message);
        }
    }

    private string PathOf(string cacheKey) => Path.Combine(_entries, cacheKey + ".json");
}
