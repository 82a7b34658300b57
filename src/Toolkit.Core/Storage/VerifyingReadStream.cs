using System.Security.Cryptography;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// A read-only stream that hashes what passes through and, at the end of the content, fails with TK2008
/// when the size or the digest differs from the descriptor. Reading past the expected size fails at once,
/// so a hostile source cannot make a reader consume unbounded data.
/// </summary>
internal sealed class VerifyingReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly Descriptor _expected;
    private readonly string _what;
    private readonly IncrementalHash _hash;
    private long _read;
    private bool _verified;

    public VerifyingReadStream(Stream inner, Descriptor expected, string what)
    {
        _inner = inner;
        _expected = expected;
        _what = what;
        _hash = expected.Digest.CreateHash();
    }

    public override long Length => _expected.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        var n = _inner.Read(Limit(buffer));
        return Account(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        var n = await _inner.ReadAsync(Limit(buffer), cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    // One byte more than expected is asked for, so content that is too long is noticed.
    private Memory<byte> Limit(Memory<byte> buffer)
        => buffer.Length > _expected.Size - _read + 1 ? buffer[..(int)(_expected.Size - _read + 1)] : buffer;

    private Span<byte> Limit(Span<byte> buffer)
        => buffer.Length > _expected.Size - _read + 1 ? buffer[..(int)(_expected.Size - _read + 1)] : buffer;

    private int Account(ReadOnlySpan<byte> data)
    {
        _read += data.Length;
        if (_read > _expected.Size)
        {
            throw Mismatch($"it is longer than the {_expected.Size} bytes its descriptor says");
        }

        if (data.Length > 0)
        {
            _hash.AppendData(data);
            return data.Length;
        }

        if (!_verified)
        {
            if (_read != _expected.Size)
            {
                throw Mismatch($"it has {_read} bytes, not the {_expected.Size} its descriptor says");
            }

            var actual = Digest.FromHash(_expected.Digest.Algorithm, _hash.GetHashAndReset());
            if (actual != _expected.Digest)
            {
                throw Mismatch($"its digest is {actual}");
            }

            _verified = true;
        }

        return 0;
    }

    private ToolkitException Mismatch(string why)
        => new(ErrorCodes.DigestMismatch, $"{_what} does not match {_expected.Digest}: {why}. The content is corrupt or was changed; fetch or rebuild it.");
}

/// <summary>A read-only window of <c>length</c> bytes of a seekable stream it owns, from <c>offset</c>.</summary>
internal sealed class BoundedReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _length;
    private long _position;

    public BoundedReadStream(Stream inner, long offset, long length)
    {
        _inner = inner;
        _length = length;
        _inner.Seek(offset, SeekOrigin.Begin);
    }

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer[..Remaining(buffer.Length)]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer[..Remaining(buffer.Length)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

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

    private int Remaining(int wanted) => (int)Math.Min(wanted, _length - _position);
}
