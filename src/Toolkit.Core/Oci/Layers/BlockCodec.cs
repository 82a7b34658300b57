using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.IO.Hashing;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// A compression format cut into blocks that compress independently: the bytes of a block depend only
/// on the block, so blocks can be compressed in any order on any number of threads and the blob is
/// the same.
/// </summary>
internal abstract class BlockCodec : IDisposable
{
    /// <summary>True when the blob is the input itself.</summary>
    public virtual bool IsIdentity => false;

    /// <summary>Bytes before the first block.</summary>
    public virtual ReadOnlySpan<byte> Header => [];

    /// <summary>Sees every uncompressed block, in order, before it is compressed.</summary>
    public virtual void Observe(ReadOnlySpan<byte> block)
    {
    }

    /// <summary>Compresses one block; safe to call from several threads at once.</summary>
    public abstract PooledBufferStream Compress(ReadOnlySpan<byte> block);

    /// <summary>Bytes after the last block.</summary>
    public virtual byte[] Trailer() => [];

    public static BlockCodec For(LayerCompression compression, int level) => compression switch
    {
        LayerCompression.None => new IdentityCodec(),
        LayerCompression.Gzip => new GzipBlockCodec(level),
        LayerCompression.Zstd => new ZstdBlockCodec(level),
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class IdentityCodec : BlockCodec
    {
        public override bool IsIdentity => true;

        public override PooledBufferStream Compress(ReadOnlySpan<byte> block) => throw new NotSupportedException();
    }
}

/// <summary>
/// gzip the way pigz does it: each block is raw deflate ended with a sync flush (byte-aligned, not
/// final), the blocks are concatenated, an empty final block closes the deflate stream, and a fixed
/// header and the CRC-32/ISIZE trailer wrap it. Blocks do not share a dictionary, which costs a little
/// ratio (well under 1% with 1 MiB blocks) and keeps them independent.
/// </summary>
internal sealed class GzipBlockCodec : BlockCodec
{
    // An empty fixed-Huffman block with BFINAL set: bits 1, 01, then the 7-bit end-of-block code.
    private static readonly byte[] FinalEmptyBlock = [0x03, 0x00];

    private readonly ZLibCompressionOptions _options;
    private readonly byte[] _header;
    private readonly Crc32 _crc = new();
    private long _length;

    public GzipBlockCodec(int level)
    {
        _options = new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.Default };

        // ID1 ID2 CM=deflate FLG=0, MTIME=0 (no time, no name: reproducible), XFL as gzip sets it for
        // the level, OS=255 "unknown" so the bytes do not depend on the building host.
        var extraFlags = level switch
        {
            9 => (byte)2,
            1 => (byte)4,
            _ => (byte)0,
        };
        _header = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, extraFlags, 0xFF];
    }

    public override ReadOnlySpan<byte> Header => _header;

    public override void Observe(ReadOnlySpan<byte> block)
    {
        _crc.Append(block);
        _length += block.Length;
    }

    public override PooledBufferStream Compress(ReadOnlySpan<byte> block)
    {
        var output = new PooledBufferStream(block.Length + (block.Length >> 4) + 1024);
        try
        {
            int flushedLength;
            using (var deflate = new DeflateStream(output, _options, leaveOpen: true))
            {
                deflate.Write(block);

                // Flush is a Z_SYNC_FLUSH: everything so far, ending on a byte boundary, no final bit.
                deflate.Flush();
                flushedLength = (int)output.Length;
            }

            // Disposing wrote a final block; the stream's real end comes after the last block.
            output.Truncate(flushedLength);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    public override byte[] Trailer()
    {
        var trailer = new byte[FinalEmptyBlock.Length + 8];
        FinalEmptyBlock.CopyTo(trailer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(2), _crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(6), unchecked((uint)_length));
        return trailer;
    }
}

/// <summary>
/// zstd as a sequence of independent frames, one per block, each with a content checksum. Any zstd
/// decoder reads concatenated frames as one stream; zstd's own multithreading is not used because its
/// output would depend on whether workers are used.
/// </summary>
internal sealed class ZstdBlockCodec : BlockCodec
{
    private readonly int _level;
    private readonly ConcurrentBag<Compressor> _compressors = [];

    public ZstdBlockCodec(int level)
    {
        _level = level;
    }

    public override PooledBufferStream Compress(ReadOnlySpan<byte> block)
    {
        if (!_compressors.TryTake(out var compressor))
        {
            compressor = new Compressor(_level);
            compressor.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            compressor.SetParameter(ZSTD_cParameter.ZSTD_c_contentSizeFlag, 1);
        }

        var bound = Compressor.GetCompressBound(block.Length);
        var output = new PooledBufferStream(bound);
        try
        {
            var written = compressor.Wrap(block, output.GetSpan(bound));
            output.Advance(written);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            _compressors.Add(compressor);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            while (_compressors.TryTake(out var compressor))
            {
                compressor.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
