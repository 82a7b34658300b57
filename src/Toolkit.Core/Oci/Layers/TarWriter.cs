using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Writes a POSIX (ustar + pax) tar stream with nothing that depends on the host: numeric owners only,
/// empty user and group names, one time for every entry, no access or change times. Paths longer than
/// the 100-byte name field use the ustar prefix when they can be split, a pax <c>path</c> record
/// otherwise (and for non-ASCII names); sizes above 8 GiB use a pax <c>size</c> record.
/// The uncompressed stream is hashed (the diff_id) as it passes.
/// </summary>
internal sealed class TarWriter : IDisposable
{
    public const int BlockSize = 512;

    private const byte RegularType = (byte)'0';
    private const byte SymbolicLinkType = (byte)'2';
    private const byte DirectoryType = (byte)'5';
    private const byte PaxHeaderType = (byte)'x';
    private const long MaxOctal11 = 0x1FFFFFFFF; // 8 GiB - 1

    private readonly BlockCompressionPipeline _output;
    private readonly int _uid;
    private readonly int _gid;
    private readonly long _mtime;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _header = new byte[BlockSize];

    public TarWriter(BlockCompressionPipeline output, int uid, int gid, DateTimeOffset timestamp)
    {
        _output = output;
        _uid = uid;
        _gid = gid;
        _mtime = timestamp.ToUnixTimeSeconds();
    }

    public long Length { get; private set; }

    public int EntryCount { get; private set; }

    public ValueTask WriteDirectoryAsync(string path, CancellationToken cancellationToken)
        => WriteHeaderAsync(path + "/", DirectoryType, 0x1ED /* 0755 */, 0, null, cancellationToken);

    public ValueTask WriteSymbolicLinkAsync(string path, string target, CancellationToken cancellationToken)
        => WriteHeaderAsync(path, SymbolicLinkType, 0x1FF /* 0777 */, 0, target, cancellationToken);

    public ValueTask WriteFileHeaderAsync(string path, int mode, long size, CancellationToken cancellationToken)
        => WriteHeaderAsync(path, RegularType, mode, size, null, cancellationToken);

    /// <summary>Content of the file whose header was written last; the caller writes exactly its size.</summary>
    public ValueTask WriteContentAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        => EmitAsync(content, cancellationToken);

    /// <summary>Pads the content written after a header to a whole block.</summary>
    public ValueTask PadContentAsync(long size, CancellationToken cancellationToken)
    {
        var remainder = (int)(size % BlockSize);
        return remainder == 0 ? ValueTask.CompletedTask : EmitZerosAsync(BlockSize - remainder, cancellationToken);
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks) and returns the diff_id.</summary>
    public async ValueTask<Digest> FinishAsync(CancellationToken cancellationToken)
    {
        await EmitZerosAsync(2 * BlockSize, cancellationToken).ConfigureAwait(false);
        return Digest.FromHash(Digest.Sha256, _hash.GetHashAndReset());
    }

    public void Dispose() => _hash.Dispose();

    private async ValueTask WriteHeaderAsync(
        string path, byte type, int mode, long size, string? linkTarget, CancellationToken cancellationToken)
    {
        var pathBytes = Encoding.UTF8.GetBytes(path);
        var records = new List<(string Key, byte[] Value)>();

        byte[] name;
        byte[] prefix = [];
        if (Ascii.IsValid(pathBytes) && pathBytes.Length <= 100)
        {
            name = pathBytes;
        }
        else if (Ascii.IsValid(pathBytes) && TrySplit(pathBytes, out var splitPrefix, out var splitName))
        {
            prefix = splitPrefix;
            name = splitName;
        }
        else
        {
            records.Add(("path", pathBytes));
            name = Placeholder(pathBytes, 100);
        }

        byte[] link = [];
        if (linkTarget is not null)
        {
            var linkBytes = Encoding.UTF8.GetBytes(linkTarget);
            if (Ascii.IsValid(linkBytes) && linkBytes.Length <= 100)
            {
                link = linkBytes;
            }
            else
            {
                records.Add(("linkpath", linkBytes));
                link = Placeholder(linkBytes, 100);
            }
        }

        var sizeField = size;
        if (size > MaxOctal11)
        {
            records.Add(("size", Encoding.ASCII.GetBytes(size.ToString(CultureInfo.InvariantCulture))));
            sizeField = 0;
        }

        if (records.Count > 0)
        {
            await WritePaxHeaderAsync(pathBytes, records, cancellationToken).ConfigureAwait(false);
        }

        FillHeader(name, prefix, mode, sizeField, type, link);
        await EmitAsync(_header, cancellationToken).ConfigureAwait(false);
        EntryCount++;
    }

    private async ValueTask WritePaxHeaderAsync(
        byte[] pathBytes, List<(string Key, byte[] Value)> records, CancellationToken cancellationToken)
    {
        // Records in key order, so the header does not depend on the order they were found in.
        records.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        using var data = new MemoryStream();
        foreach (var (key, value) in records)
        {
            // "<length> <key>=<value>\n", where length counts the whole record including its own digits.
            var rest = 1 + Encoding.ASCII.GetByteCount(key) + 1 + value.Length + 1;
            var digits = 1;
            while ((rest + digits).ToString(CultureInfo.InvariantCulture).Length != digits)
            {
                digits++;
            }

            data.Write(Encoding.ASCII.GetBytes((rest + digits).ToString(CultureInfo.InvariantCulture)));
            data.WriteByte((byte)' ');
            data.Write(Encoding.ASCII.GetBytes(key));
            data.WriteByte((byte)'=');
            data.Write(value);
            data.WriteByte((byte)'\n');
        }

        var baseName = pathBytes.AsSpan().TrimEnd((byte)'/');
        var slash = baseName.LastIndexOf((byte)'/');
        var paxName = Encoding.ASCII.GetBytes("PaxHeaders/").Concat(Placeholder(baseName[(slash + 1)..].ToArray(), 89)).ToArray();

        FillHeader(paxName, [], 0x1A4 /* 0644 */, data.Length, PaxHeaderType, []);
        await EmitAsync(_header, cancellationToken).ConfigureAwait(false);
        await EmitAsync(data.GetBuffer().AsMemory(0, (int)data.Length), cancellationToken).ConfigureAwait(false);
        await PadContentAsync(data.Length, cancellationToken).ConfigureAwait(false);
    }

    private void FillHeader(byte[] name, byte[] prefix, int mode, long size, byte type, byte[] link)
    {
        var header = _header.AsSpan();
        header.Clear();
        name.CopyTo(header[..100]);
        WriteOctal(header.Slice(100, 8), mode);
        WriteOctal(header.Slice(108, 8), _uid);
        WriteOctal(header.Slice(116, 8), _gid);
        WriteOctal(header.Slice(124, 12), size);
        WriteOctal(header.Slice(136, 12), _mtime);
        header[156] = type;
        link.CopyTo(header.Slice(157, 100));
        "ustar\0"u8.CopyTo(header.Slice(257, 6));
        "00"u8.CopyTo(header.Slice(263, 2));

        // uname (265) and gname (297) stay empty: host user names never go into a layer.
        WriteOctal(header.Slice(329, 8), 0);
        WriteOctal(header.Slice(337, 8), 0);
        prefix.CopyTo(header.Slice(345, 155));

        // The checksum is computed with its own field as eight spaces, and written as six octal
        // digits, a NUL and a space.
        "        "u8.CopyTo(header.Slice(148, 8));
        var checksum = 0;
        foreach (var b in header)
        {
            checksum += b;
        }

        WriteOctal(header.Slice(148, 7), checksum);
        header[155] = (byte)' ';
    }

    /// <summary>Zero-padded octal digits filling the field but its last byte, which is NUL.</summary>
    private static void WriteOctal(Span<byte> field, long value)
    {
        field[^1] = 0;
        for (var i = field.Length - 2; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        if (value != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The value does not fit the tar header field.");
        }
    }

    /// <summary>Splits a path at a slash so the part before fits the prefix (155) and the rest the name (100).</summary>
    private static bool TrySplit(byte[] path, out byte[] prefix, out byte[] name)
    {
        prefix = [];
        name = [];
        if (path.Length > 256)
        {
            return false;
        }

        // The leftmost slash that leaves at most 100 bytes for the name gives the longest name; the
        // slash itself is implied between prefix and name.
        for (var i = 0; i < path.Length - 1 && i <= 155; i++)
        {
            if (path[i] == (byte)'/' && path.Length - i - 1 <= 100 && i > 0)
            {
                prefix = path[..i];
                name = path[(i + 1)..];
                return true;
            }
        }

        return false;
    }

    /// <summary>An ASCII stand-in for a field a pax record overrides (readers use the record).</summary>
    private static byte[] Placeholder(byte[] value, int maxLength)
    {
        var result = new byte[Math.Min(value.Length, maxLength)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = value[i] is >= 0x20 and < 0x7F ? value[i] : (byte)'_';
        }

        return result;
    }

    private async ValueTask EmitZerosAsync(int count, CancellationToken cancellationToken)
    {
        Array.Clear(_header);
        while (count > 0)
        {
            var chunk = Math.Min(count, BlockSize);
            await EmitAsync(_header.AsMemory(0, chunk), cancellationToken).ConfigureAwait(false);
            count -= chunk;
        }
    }

    private ValueTask EmitAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _hash.AppendData(bytes.Span);
        Length += bytes.Length;
        return _output.WriteAsync(bytes, cancellationToken);
    }
}
