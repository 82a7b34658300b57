using System.Buffers;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// A write-only stream into a buffer rented from <see cref="ArrayPool{T}"/>, so compressing a block
/// does not allocate a large array each time. The caller takes the buffer and returns it to the pool.
/// </summary>
internal sealed class PooledBufferStream : Stream
{
    private byte[] _buffer;
    private int _length;

    public PooledBufferStream(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Hands over the buffer and the number of bytes written; the stream must not be used after.</summary>
    public (byte[] Buffer, int Length) Detach()
    {
        var result = (_buffer, _length);
        _buffer = [];
        _length = 0;
        return result;
    }

    /// <summary>Forgets bytes written after <paramref name="length"/>.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        _length = length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        buffer.CopyTo(GetSpan(buffer.Length));
        _length += buffer.Length;
    }

    /// <summary>Room for at least <paramref name="sizeHint"/> bytes after what was written.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        if (_length + sizeHint > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + sizeHint));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = larger;
        }

        return _buffer.AsSpan(_length);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_length + count, _buffer.Length);
        _length += count;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        base.Dispose(disposing);
    }
}
