using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// A content-addressed store in a directory, laid out as <c>blobs/&lt;algorithm&gt;/&lt;hex&gt;</c> (so an OCI
/// image layout directory is one). Content becomes visible only after it has been verified: it is written to a
/// temporary file next to its final place, hashed on the way, and renamed into place when it matches.
/// Reads are verified too: the stream fails with TK2008 at its end when the bytes do not match.
/// </summary>
public sealed class ContentStore
{
    /// <summary>The largest manifest, index or config read into memory.</summary>
    public const long MaxContentSize = 16 * 1024 * 1024;

    private const int BufferSize = 1 << 16;
    private readonly ILogger<ContentStore> _logger;

    public ContentStore(string root, ILogger<ContentStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        _logger = logger ?? NullLogger<ContentStore>.Instance;
    }

    /// <summary>The directory that holds <c>blobs/</c>.</summary>
    public string Root { get; }

    /// <summary>Where the blob with this digest lives (whether or not it is there).</summary>
    public string GetBlobPath(Digest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return Path.Combine(Root, "blobs", digest.Algorithm, digest.Encoded);
    }

    /// <summary>The size of the stored blob, or null when it is not stored.</summary>
    public Task<long?> GetSizeAsync(Digest digest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(GetBlobPath(digest));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    /// <summary>True when the blob is stored with the size the descriptor says.</summary>
    public async Task<bool> ContainsAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return await GetSizeAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false) == descriptor.Size;
    }

    /// <summary>Opens a stored blob; the stream fails with TK2008 at its end if the bytes do not match.</summary>
    public Task<Stream> OpenReadAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        cancellationToken.ThrowIfCancellationRequested();
        var path = GetBlobPath(descriptor.Digest);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ToolkitException(
                ErrorCodes.BlobNotFound,
                $"Blob {descriptor.Digest} ({descriptor.MediaType}) is not in {Root}. The layout is incomplete; copy the image again from its source.",
                e);
        }

        return Task.FromResult<Stream>(new VerifyingReadStream(file, descriptor, $"Blob {path}"));
    }

    /// <summary>Reads a small stored blob (manifest, index, config) whole, verified.</summary>
    public async Task<byte[]> ReadAllBytesAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var stream = await OpenReadAsync(descriptor, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadVerifiedAsync(stream, descriptor, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores <paramref name="content"/> under the descriptor's digest after checking it; does nothing (and does not
    /// read the content) when the blob is already stored.
    /// </summary>
    public async Task WriteAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        if (await ContainsAsync(descriptor, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogDebug("Blob {Digest} is already stored in {Root}", descriptor.Digest, Root);
            return;
        }

        var verifying = new VerifyingReadStream(new NonDisposingStream(content), descriptor, $"Content written as {descriptor.Digest}");
        await using (verifying.ConfigureAwait(false))
        {
            await WriteCoreAsync(descriptor.Digest.Algorithm, verifying, _ => descriptor.Digest, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores bytes under the descriptor's digest after checking them.</summary>
    public async Task WriteAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var stream = new MemoryStream(content.ToArray(), writable: false);
        await using (stream.ConfigureAwait(false))
        {
            await WriteAsync(descriptor, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stores content whose digest is not known in advance, under the digest computed while writing, and returns its
    /// descriptor.
    /// </summary>
    public Task<Descriptor> WriteAsync(string mediaType, Stream content, CancellationToken cancellationToken)
        => WriteAsync(mediaType, content, Digest.Sha256, cancellationToken);

    /// <summary>As <see cref="WriteAsync(string, Stream, CancellationToken)"/>, with the digest algorithm to use.</summary>
    public async Task<Descriptor> WriteAsync(string mediaType, Stream content, string algorithm, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        ArgumentNullException.ThrowIfNull(content);
        using var hash = Digest.CreateHash(algorithm);
        var counting = new HashingReadStream(content, hash);
        var written = await WriteCoreAsync(algorithm, counting, h => Digest.FromHash(algorithm, hash.GetHashAndReset()), cancellationToken).ConfigureAwait(false);
        return new Descriptor(mediaType, written.Digest, written.Size);
    }

    /// <summary>
    /// Starts writing content whose producer computes the digest itself (the layer builder hashes what it
    /// writes): write to <see cref="ContentWriter.Content"/>, then <see cref="ContentWriter.CommitAsync"/>
    /// with the descriptor. Nothing becomes visible unless committed.
    /// </summary>
    public ContentWriter BeginWrite(string algorithm = Digest.Sha256)
    {
        var folder = Path.Combine(Root, "blobs", algorithm);
        try
        {
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $".tmp-{Guid.NewGuid():N}");
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            return new ContentWriter(this, temp, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot write a blob in {folder}: {e.Message}. Check free space and permissions.", e);
        }
    }

    internal void CommitWritten(string temp, Descriptor descriptor)
    {
        var size = new FileInfo(temp).Length;
        if (size != descriptor.Size)
        {
            throw new ToolkitException(ErrorCodes.DigestMismatch, $"Content written as {descriptor.Digest} is {size} bytes, not the {descriptor.Size} its descriptor says.");
        }

        var target = GetBlobPath(descriptor.Digest);
        try
        {
            File.Move(temp, target, overwrite: false);
            _logger.LogDebug("Stored blob {Digest} ({Size} bytes) in {Root}", descriptor.Digest, size, Root);
        }
        catch (IOException) when (File.Exists(target))
        {
            // The same content was already stored; content addressing makes it as good as ours.
            File.Delete(temp);
        }
    }

    internal static async Task<byte[]> ReadVerifiedAsync(Stream verifyingStream, Descriptor descriptor, CancellationToken cancellationToken)
    {
        if (descriptor.Size > MaxContentSize)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidManifest,
                $"{descriptor.MediaType} {descriptor.Digest} is {descriptor.Size} bytes; manifests, indexes and configs larger than {MaxContentSize} bytes are refused.");
        }

        var buffer = new byte[descriptor.Size];
        await verifyingStream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);

        // Reading once more reaches the end of the content, where the digest is checked.
        if (await verifyingStream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new InvalidOperationException("A verifying stream returned more bytes than its descriptor says.");
        }

        return buffer;
    }

    private async Task<(Digest Digest, long Size)> WriteCoreAsync(
        string algorithm, Stream content, Func<Stream, Digest> finalDigest, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Root, "blobs", algorithm);
        string temp;
        try
        {
            Directory.CreateDirectory(folder);
            temp = Path.Combine(folder, $".tmp-{Guid.NewGuid():N}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot create {folder}: {e.Message}. Check the path and its permissions.", e);
        }

        try
        {
            long size;
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, BufferSize, cancellationToken).ConfigureAwait(false);
                size = file.Length;
            }

            var digest = finalDigest(content);
            var target = GetBlobPath(digest);
            try
            {
                File.Move(temp, target, overwrite: false);
                _logger.LogDebug("Stored blob {Digest} ({Size} bytes) in {Root}", digest, size, Root);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Someone stored the same content meanwhile; content addressing makes theirs as good as ours.
            }

            return (digest, size);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot write a blob in {folder}: {e.Message}. Check free space and permissions.", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Hashes what is read through it.</summary>
    private sealed class HashingReadStream(Stream inner, System.Security.Cryptography.IncrementalHash hash) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            hash.AppendData(buffer[..n]);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer.Span[..n]);
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Passes reads through and leaves the inner stream open, for streams the caller owns.</summary>
internal sealed class NonDisposingStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => inner.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A blob being written into a <see cref="ContentStore"/>; see <see cref="ContentStore.BeginWrite"/>.</summary>
public sealed class ContentWriter : IAsyncDisposable
{
    private readonly ContentStore _store;
    private readonly string _temp;
    private bool _committed;

    internal ContentWriter(ContentStore store, string temp, FileStream content)
    {
        _store = store;
        _temp = temp;
        Content = content;
    }

    /// <summary>Where the content goes.</summary>
    public Stream Content { get; }

    /// <summary>Makes the written bytes the blob <paramref name="descriptor"/> describes (size checked).</summary>
    public async Task CommitAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        await Content.FlushAsync(cancellationToken).ConfigureAwait(false);
        await Content.DisposeAsync().ConfigureAwait(false);
        _store.CommitWritten(_temp, descriptor);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        if (!_committed && File.Exists(_temp))
        {
            File.Delete(_temp);
        }
    }
}
