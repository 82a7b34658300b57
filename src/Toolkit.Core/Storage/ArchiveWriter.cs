using System.Formats.Tar;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Writes an image archive as a stream of tar entries with fixed metadata (mtime at the Unix epoch, owner 0:0, no
/// user or group names, mode 0644 for files and 0755 for folders), so the same content in the same order gives
/// the same bytes. It writes to a temporary file next to the target, renamed into place by <see cref="CompleteAsync"/>;
/// disposing without completing removes it.
/// </summary>
internal sealed class ArchiveWriter : IAsyncDisposable
{
    private const UnixFileMode FileMode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode755 = FileMode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const int UstarNameLimit = 100;

    private readonly string _target;
    private readonly string _temp;
    private readonly FileStream _file;
    private readonly TarWriter _writer;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private bool _completed;
    private bool _broken;

    private ArchiveWriter(string target, string temp, FileStream file)
    {
        _target = target;
        _temp = temp;
        _file = file;
        _writer = new TarWriter(file, TarEntryFormat.Ustar, leaveOpen: true);
    }

    public static DateTimeOffset EntryTime { get; } = DateTimeOffset.UnixEpoch;

    public string Target => _target;

    public static ArchiveWriter Create(string target)
    {
        var full = Path.GetFullPath(target);
        try
        {
            if (Directory.Exists(full))
            {
                throw new ToolkitException(ErrorCodes.OutputNotWritable, $"{full} is a folder; an image archive is written to a file. Give a file name.");
            }

            var folder = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            return new ArchiveWriter(full, temp, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot create {full}: {e.Message}. Check the path and its permissions.", e);
        }
    }

    public bool Contains(string name) => _names.Contains(name);

    public async Task AddDirectoryAsync(string name, CancellationToken cancellationToken)
    {
        var entryName = name.EndsWith('/') ? name : name + "/";
        if (!_names.Add(entryName))
        {
            return;
        }

        var entry = NewEntry(TarEntryType.Directory, entryName);
        entry.Mode = DirectoryMode755;
        await WriteAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a file; <paramref name="content"/> is streamed (the archive is seekable, so its length need not be known).</summary>
    public async Task AddFileAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The archive already has an entry '{name}'.");
        }

        var entry = NewEntry(TarEntryType.RegularFile, name);
        entry.Mode = FileMode644;
        entry.DataStream = content;
        await WriteAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    public async Task AddFileAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream(content.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await AddFileAsync(name, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds a blob as <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c> (with its folders), verified against the descriptor.</summary>
    public async Task AddBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        var path = OciLayoutReader.BlobPath(descriptor.Digest);
        if (Contains(path))
        {
            return;
        }

        await AddDirectoryAsync("blobs/", cancellationToken).ConfigureAwait(false);
        await AddDirectoryAsync($"blobs/{descriptor.Digest.Algorithm}/", cancellationToken).ConfigureAwait(false);
        var verifying = new VerifyingReadStream(new NonDisposingStream(content), descriptor, $"Content written as {descriptor.Digest}");
        await using (verifying.ConfigureAwait(false))
        {
            await AddFileAsync(path, verifying, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_broken)
        {
            throw new InvalidOperationException("An earlier entry failed; the archive cannot be completed.");
        }

        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            await _file.DisposeAsync().ConfigureAwait(false);
            File.Move(_temp, _target, overwrite: true);
            _completed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot write {_target}: {e.Message}. Check free space and permissions.", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_completed)
        {
            return;
        }

        await _writer.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        File.Delete(_temp);
    }

    private static TarEntry NewEntry(TarEntryType type, string name)
    {
        // Ustar keeps headers free of extended records; names that do not fit need PAX (sha512 blobs).
        TarEntry entry = name.Length <= UstarNameLimit
            ? new UstarTarEntry(type, name)
            : new PaxTarEntry(type, name, new Dictionary<string, string> { ["mtime"] = "0" });
        entry.ModificationTime = EntryTime;
        entry.Uid = 0;
        entry.Gid = 0;
        if (entry is PosixTarEntry posix)
        {
            posix.UserName = string.Empty;
            posix.GroupName = string.Empty;
        }

        return entry;
    }

    private async Task WriteAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (_broken)
        {
            throw new InvalidOperationException("An earlier entry failed; the archive cannot be continued.");
        }

        try
        {
            await _writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _broken = true;
            throw;
        }
    }
}
