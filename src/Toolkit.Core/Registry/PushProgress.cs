using Toolkit.Core.Oci;

using Toolkit.Core.Storage;

namespace Toolkit.Core.Registry;

/// <summary>Where one blob, manifest or index of a push stands.</summary>
public enum BlobTransferState
{
    /// <summary>Part of the image, not handled yet (every item is reported so once, before any transfer starts).</summary>
    Waiting,

    /// <summary>The destination already had it; nothing was sent.</summary>
    Skipped,

    /// <summary>Mounted from another repository of the same registry; nothing was sent.</summary>
    Mounted,

    /// <summary>Being sent; <see cref="BlobProgress.BytesDone"/> says how far (bytes read from the source).</summary>
    Uploading,

    /// <summary>Sent; its bytes count in <see cref="PushResult.BytesUploaded"/>.</summary>
    Done,
}

/// <summary>
/// One step of a push, for progress displays: per item, <see cref="BlobTransferState.Waiting"/> first, then either
/// <see cref="BlobTransferState.Skipped"/>, <see cref="BlobTransferState.Mounted"/>, or
/// <see cref="BlobTransferState.Uploading"/> (one or more, with growing <see cref="BytesDone"/>) and
/// <see cref="BlobTransferState.Done"/>. Manifests and indexes come after the blobs, are never mounted, and are
/// <see cref="BlobTransferState.Done"/> once the destination committed them.
/// </summary>
public sealed record BlobProgress(Digest Digest, string MediaType, long Size, BlobTransferState State, long BytesDone)
{
    /// <summary>A manifest or index rather than a config or layer blob (<see cref="PushResult"/> counts only blobs).</summary>
    public bool IsManifest => MediaTypes.IsManifest(MediaType) || MediaTypes.IsIndex(MediaType);

    internal static BlobProgress Of(Descriptor descriptor, BlobTransferState state, long bytesDone)
        => new(descriptor.Digest, descriptor.MediaType, descriptor.Size, state, bytesDone);
}

/// <summary>
/// A read-only stream that reports how much of a blob has been read through it: at the start, then at most about a
/// hundred times (every 1 % of the blob, at least every 64 KiB), and at the end.
/// </summary>
internal sealed class ProgressReadStream : ReadOnlyStream
{
    private const long MinimumStep = 64 * 1024;

    private readonly Stream _inner;
    private readonly Descriptor _blob;
    private readonly IProgress<BlobProgress> _progress;
    private readonly long _step;
    private long _read;
    private long _reported;

    public ProgressReadStream(Stream inner, Descriptor blob, IProgress<BlobProgress> progress)
    {
        _inner = inner;
        _blob = blob;
        _progress = progress;
        _step = Math.Max(MinimumStep, blob.Size / 100);
        progress.Report(BlobProgress.Of(blob, BlobTransferState.Uploading, 0));
    }

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer) => Count(_inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Count(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Count(int read)
    {
        _read += read;
        if (_read - _reported >= _step || (read == 0 && _read > _reported) || (_read >= _blob.Size && _read > _reported))
        {
            _reported = _read;
            _progress.Report(BlobProgress.Of(_blob, BlobTransferState.Uploading, Math.Min(_read, _blob.Size)));
        }

        return read;
    }
}
