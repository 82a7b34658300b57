using System.Formats.Tar;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Storage;

/// <summary>
/// Read access to the files of an image layout, wherever they are: a directory or a tar archive that is never
/// extracted. Paths are relative, with '/' separators.
/// </summary>
internal interface ILayoutFiles
{
    /// <summary>What the files are, for messages.</summary>
    string DisplayName { get; }

    /// <summary>The length of the file, or null when there is none.</summary>
    Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken);

    /// <summary>Opens the file, or returns null when there is none.</summary>
    Task<Stream?> TryOpenAsync(string path, CancellationToken cancellationToken);
}

internal sealed class DirectoryLayoutFiles(string root) : ILayoutFiles
{
    public string DisplayName => root;

    public Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(Combine(path));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Task<Stream?> TryOpenAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult<Stream?>(new FileStream(Combine(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    private string Combine(string path) => Path.Combine(root, TarArchiveIndex.NormaliseEntryName(path));
}

/// <summary>
/// The regular files of a tar archive: name to offset and length, read once. Entries are read later through bounded
/// windows of the archive file, so nothing is extracted. Unsafe names (absolute, or with '..') fail with TK2012.
/// </summary>
internal sealed class TarArchiveIndex : ILayoutFiles
{
    private const int MaxLinkDepth = 8;
    private readonly string _archivePath;
    private readonly Dictionary<string, Entry> _entries;

    private TarArchiveIndex(string archivePath, Dictionary<string, Entry> entries)
    {
        _archivePath = archivePath;
        _entries = entries;
    }

    public string DisplayName => _archivePath;

    public IEnumerable<string> Names => _entries.Keys;

    public static async Task<TarArchiveIndex> LoadAsync(string archivePath, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        FileStream file;
        try
        {
            file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ToolkitException(ErrorCodes.ImageNotFound, $"The archive {archivePath} does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.InvalidArchive, $"The archive {archivePath} cannot be read: {e.Message}", e);
        }

        await using (file.ConfigureAwait(false))
        {
            if (await IsCompressedAsync(file, cancellationToken).ConfigureAwait(false))
            {
                throw new ToolkitException(
                    ErrorCodes.InvalidArchive,
                    $"{archivePath} is compressed; image archives are plain tar files. Decompress it first (e.g. gunzip).");
            }

            try
            {
                var reader = new TarReader(file, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        var name = NormaliseEntryName(entry.Name);
                        if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                        {
                            var offset = await FindDataOffsetAsync(file, entry, archivePath, cancellationToken).ConfigureAwait(false);
                            entries[name] = new Entry(offset, entry.Length, null);
                        }
                        else if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                        {
                            var target = entry.EntryType == TarEntryType.HardLink
                                ? NormaliseEntryName(entry.LinkName)
                                : ResolveSymbolicLink(name, entry.LinkName);
                            entries[name] = new Entry(0, 0, target);
                        }
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new ToolkitException(ErrorCodes.InvalidArchive, $"{archivePath} is not a valid tar archive: {e.Message}", e);
            }
        }

        return new TarArchiveIndex(archivePath, entries);
    }

    public Task<long?> GetLengthAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(path) is { } entry ? entry.Length : (long?)null);
    }

    public Task<Stream?> TryOpenAsync(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Find(path) is not { } entry)
        {
            return Task.FromResult<Stream?>(null);
        }

        var file = new FileStream(_archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Task.FromResult<Stream?>(new BoundedReadStream(file, entry.Offset, entry.Length));
    }

    /// <summary>
    /// An entry name as a relative path with '/' separators and no "./" prefix; absolute names and names with a
    /// ".." segment fail with TK2012.
    /// </summary>
    internal static string NormaliseEntryName(string name)
    {
        var unified = name.Replace('\\', '/');
        if (unified.StartsWith('/') || (unified.Length > 1 && unified[1] == ':'))
        {
            throw Unsafe(name, "it is an absolute path");
        }

        var segments = unified.Split('/').Where(s => s.Length > 0 && s != ".").ToArray();
        if (segments.Contains(".."))
        {
            throw Unsafe(name, "it climbs out of the archive with '..'");
        }

        return string.Join('/', segments);
    }

    private static string ResolveSymbolicLink(string name, string linkName)
    {
        if (linkName.StartsWith('/'))
        {
            throw Unsafe($"{name} -> {linkName}", "the link is absolute");
        }

        var parts = new List<string>(name.Split('/')[..^1]);
        foreach (var segment in linkName.Replace('\\', '/').Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (parts.Count == 0)
                {
                    throw Unsafe($"{name} -> {linkName}", "the link points outside the archive");
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(segment);
            }
        }

        return string.Join('/', parts);
    }

    private static ToolkitException Unsafe(string name, string why)
        => new(ErrorCodes.UnsafeArchiveEntry, $"The archive entry '{name}' is unsafe: {why}. The archive was not produced by a trustworthy tool; do not use it.");

    /// <summary>
    /// Where the entry's data starts in the archive. With a seekable archive the reader has moved past the data (and its
    /// padding to 512 bytes) when it returns the entry; the offset this implies is checked against the entry's own data.
    /// </summary>
    private static async Task<long> FindDataOffsetAsync(FileStream file, TarEntry entry, string archivePath, CancellationToken cancellationToken)
    {
        var afterData = file.Position;
        var offset = afterData - ((entry.Length + 511) / 512 * 512);
        if (entry.Length == 0 || entry.DataStream is null)
        {
            return offset;
        }

        var probeLength = (int)Math.Min(entry.Length, 512);
        var expected = new byte[probeLength];
        var actual = new byte[probeLength];
        await entry.DataStream.ReadExactlyAsync(expected, cancellationToken).ConfigureAwait(false);
        file.Position = offset;
        await file.ReadExactlyAsync(actual, cancellationToken).ConfigureAwait(false);
        file.Position = afterData;
        if (offset < 0 || !expected.AsSpan().SequenceEqual(actual))
        {
            throw new ToolkitException(ErrorCodes.InvalidArchive, $"Cannot locate the data of '{entry.Name}' in {archivePath}; the tar layout is not one this reader understands.");
        }

        return offset;
    }

    private static async Task<bool> IsCompressedAsync(FileStream file, CancellationToken cancellationToken)
    {
        var magic = new byte[4];
        var n = await file.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        file.Seek(0, SeekOrigin.Begin);
        return LayerMagic.Detect(magic.AsSpan(0, n)) != Oci.LayerCompression.None;
    }

    private Entry? Find(string path)
    {
        var name = NormaliseEntryName(path);
        for (var depth = 0; depth < MaxLinkDepth; depth++)
        {
            if (!_entries.TryGetValue(name, out var entry))
            {
                return null;
            }

            if (entry.LinkTarget is null)
            {
                return entry;
            }

            name = entry.LinkTarget;
        }

        throw Unsafe(path, $"it is a chain of more than {MaxLinkDepth} links");
    }

    private sealed record Entry(long Offset, long Length, string? LinkTarget);
}

/// <summary>Tells compressed layers from plain tar by their first bytes.</summary>
internal static class LayerMagic
{
    public static Oci.LayerCompression Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return Oci.LayerCompression.Gzip;
        }

        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
        {
            return Oci.LayerCompression.Zstd;
        }

        return Oci.LayerCompression.None;
    }
}
