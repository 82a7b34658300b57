using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Builds a reproducible layer blob from folders: a normalised tar (sorted entries, one time, numeric
/// owners, normalised modes), compressed in parallel blocks, in one streaming pass that hashes both
/// the blob and the uncompressed tar. The same folders and options give the same bytes on any host
/// and with any number of cores.
/// </summary>
public sealed class LayerBuilder
{
    private const int ReadBufferSize = 256 * 1024;

    private readonly ILogger<LayerBuilder> _logger;

    public LayerBuilder(ILogger<LayerBuilder>? logger = null)
    {
        _logger = logger ?? NullLogger<LayerBuilder>.Instance;
    }

    /// <summary>
    /// Writes one layer holding every source, merged: entries sorted by their path in the image, and a
    /// later source's entry wins over an earlier one on the same path.
    /// </summary>
    public Task<BuiltLayer> WriteAsync(
        IReadOnlyList<LayerSource> sources, LayerOptions options, Stream destination, CancellationToken cancellationToken)
        => WriteAsync(Plan(sources, options, cancellationToken), destination, cancellationToken);

    /// <summary>
    /// Reads the folders (not the file contents) and decides every entry of the layer; a
    /// <see cref="LayerCache"/> can name the layer from the plan, so a cached layer can stand in.
    /// </summary>
    public LayerPlan Plan(IReadOnlyList<LayerSource> sources, LayerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new LayerPlan(CollectEntries(sources, cancellationToken), options);
    }

    /// <summary>Writes the layer a <see cref="Plan"/> decided.</summary>
    public async Task<BuiltLayer> WriteAsync(LayerPlan plan, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(destination);
        var entries = plan.Entries;
        var options = plan.Options;

        using var codec = BlockCodec.For(options.Compression, options.EffectiveCompressionLevel);
        var pipeline = new BlockCompressionPipeline(
            destination, codec, options.CompressionBlockSize, options.EffectiveMaxDegreeOfParallelism);
        await using (pipeline.ConfigureAwait(false))
        {
            using var tar = new TarWriter(pipeline, options.Uid, options.Gid, options.Timestamp);
            var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
            try
            {
                foreach (var entry in entries)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    switch (entry.Kind)
                    {
                        case FileKind.Directory:
                            await tar.WriteDirectoryAsync(entry.Path, cancellationToken).ConfigureAwait(false);
                            break;
                        case FileKind.SymbolicLink:
                            await tar.WriteSymbolicLinkAsync(entry.Path, entry.LinkTarget!, cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            await WriteFileAsync(tar, entry, buffer, cancellationToken).ConfigureAwait(false);
                            break;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var diffId = await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
            var (digest, size) = await pipeline.CompleteAsync(cancellationToken).ConfigureAwait(false);
            var descriptor = new Descriptor(MediaTypes.OciLayerFor(options.Compression), digest, size);
            _logger.LogDebug(
                "Wrote layer {Digest}: {EntryCount} entries, {UncompressedSize} bytes of tar, {Size} bytes {Compression}.",
                digest, tar.EntryCount, tar.Length, size, options.Compression);
            return new BuiltLayer(descriptor, diffId, tar.Length, tar.EntryCount);
        }
    }

    private static async Task WriteFileAsync(TarWriter tar, LayerEntry entry, byte[] buffer, CancellationToken cancellationToken)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(entry.SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(entry.SourcePath!, exception);
        }

        using (handle)
        {
            await tar.WriteFileHeaderAsync(entry.Path, entry.Mode, entry.Size, cancellationToken).ConfigureAwait(false);
            long offset = 0;
            while (offset < entry.Size)
            {
                var want = (int)Math.Min(buffer.Length, entry.Size - offset);
                int read;
                try
                {
                    read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    throw Unreadable(entry.SourcePath!, exception);
                }

                if (read == 0)
                {
                    throw new ToolkitException(
                        ErrorCodes.LayerSourceUnreadable,
                        $"'{entry.SourcePath}' became shorter ({offset} of {entry.Size} bytes) while the layer was being written. "
                        + "Make sure nothing writes to the folder (e.g. a running build) while the image is built.");
                }

                await tar.WriteContentAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                offset += read;
            }

            await tar.PadContentAsync(entry.Size, cancellationToken).ConfigureAwait(false);
        }
    }

    private List<LayerEntry> CollectEntries(IReadOnlyList<LayerSource> sources, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            ArgumentNullException.ThrowIfNull(source);
            var root = CheckSourceDirectory(source.SourceDirectory);
            var target = NormalizePathInImage(source.PathInImage);

            // Parent directories of the target, then the target itself, as directory entries.
            var segments = target.Length == 0 ? [] : target.Split('/');
            for (var i = 1; i <= segments.Length; i++)
            {
                Put(entries, LayerEntry.Directory(string.Join('/', segments, 0, i)));
            }

            var pending = new Stack<(DirectoryInfo Directory, string PathInImage)>();
            pending.Push((new DirectoryInfo(root), target));
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (directory, directoryPath) = pending.Pop();
                foreach (var info in Enumerate(directory))
                {
                    var path = directoryPath.Length == 0 ? info.Name : directoryPath + "/" + info.Name;
                    var probe = FileKindProbe.Probe(info);
                    switch (probe.Kind)
                    {
                        case FileKind.Directory:
                            Put(entries, LayerEntry.Directory(path));
                            pending.Push(((DirectoryInfo)info, path));
                            break;
                        case FileKind.SymbolicLink:
                            Put(entries, LayerEntry.SymbolicLink(path, info.LinkTarget ?? string.Empty));
                            break;
                        case FileKind.Regular:
                            var size = info is FileInfo file ? file.Length : new FileInfo(info.FullName).Length;
                            Put(entries, LayerEntry.File(path, info.FullName, size, probe.PermissionBits) with { Stamp = probe.Stamp });
                            break;
                        default:
                            _logger.LogWarning(
                                "Skipped '{Path}': a {Kind} cannot go into an image layer.", info.FullName, probe.SpecialKindName);
                            break;
                    }
                }
            }
        }

        var sorted = entries.Values.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return sorted;
    }

    /// <summary>Adds an entry; a file or link replacing a directory drops what the directory held.</summary>
    private static void Put(Dictionary<string, LayerEntry> entries, LayerEntry entry)
    {
        if (entry.Kind != FileKind.Directory
            && entries.TryGetValue(entry.Path, out var existing) && existing.Kind == FileKind.Directory)
        {
            var prefix = entry.Path + "/";
            foreach (var key in entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                entries.Remove(key);
            }
        }

        entries[entry.Path] = entry;
    }

    private static FileSystemInfo[] Enumerate(DirectoryInfo directory)
    {
        try
        {
            // Hidden and system files are content too (dotfiles are "hidden" on Unix).
            return directory.GetFileSystemInfos("*", new EnumerationOptions
            {
                AttributesToSkip = 0,
                IgnoreInaccessible = false,
                RecurseSubdirectories = false,
                ReturnSpecialDirectories = false,
                MatchType = MatchType.Simple,
            });
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(directory.FullName, exception);
        }
    }

    private static string CheckSourceDirectory(string sourceDirectory)
    {
        if (string.IsNullOrWhiteSpace(sourceDirectory))
        {
            throw new ToolkitException(
                ErrorCodes.LayerSourceMissing, "A layer source folder is required; give the folder to put into the layer, e.g. the dotnet publish output.");
        }

        var full = Path.GetFullPath(sourceDirectory);
        if (!Directory.Exists(full))
        {
            var what = File.Exists(full) ? "is a file, not a folder" : "does not exist";
            throw new ToolkitException(
                ErrorCodes.LayerSourceMissing,
                $"Layer source folder '{full}' {what}. Publish the application first (dotnet publish -o <folder>) "
                + "or correct the folder given for the layer.");
        }

        return full;
    }

    /// <summary>
    /// The path in the image without leading <c>/</c> or <c>./</c>, with <c>/</c> separators and no
    /// empty or <c>.</c> segments; empty for the root. <c>..</c> is refused.
    /// </summary>
    internal static string NormalizePathInImage(string pathInImage)
    {
        if (pathInImage is null || pathInImage.Contains('\0', StringComparison.Ordinal))
        {
            throw new ToolkitException(ErrorCodes.InvalidLayerPath, "A path in the image is required, e.g. /app.");
        }

        var segments = pathInImage.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s != ".")
            .ToArray();
        if (segments.Contains(".."))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidLayerPath,
                $"Path in the image '{pathInImage}' contains '..'; give an absolute path without '..', e.g. /app.");
        }

        return string.Join('/', segments);
    }

    private static ToolkitException Unreadable(string path, Exception exception)
        => new(
            ErrorCodes.LayerSourceUnreadable,
            $"Cannot read '{path}' for the layer: {exception.Message} Check that the user running the build can read every file in the folder.",
            exception);
}

/// <summary>One entry of the layer: where it goes, what it is and where its content comes from.</summary>
internal sealed record LayerEntry(string Path, FileKind Kind, string? SourcePath, long Size, int Mode, string? LinkTarget)
{
    /// <summary>The version of the source file that was seen, for the layer cache; null where unknown.</summary>
    public FileStamp? Stamp { get; init; }

    public static LayerEntry Directory(string path) => new(path, FileKind.Directory, null, 0, 0x1ED, null);

    public static LayerEntry SymbolicLink(string path, string target) => new(path, FileKind.SymbolicLink, null, 0, 0x1FF, target);

    /// <summary>A regular file: 0755 when the source has any execute bit, 0644 otherwise.</summary>
    public static LayerEntry File(string path, string sourcePath, long size, int permissionBits)
        => new(path, FileKind.Regular, sourcePath, size, (permissionBits & 0x49) != 0 ? 0x1ED : 0x1A4, null);
}
