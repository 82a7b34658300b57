using System.Buffers;
using System.Globalization;
using System.Text;

namespace Toolkit.Core.Sbom.Image;

/// <summary>The kind of a tar entry, as far as the image view cares.</summary>
internal enum LayerEntryType
{
    RegularFile,
    HardLink,
    SymbolicLink,
    Directory,

    /// <summary>Devices, FIFOs, sparse files and anything else: they replace what was at their path, and hold nothing to read.</summary>
    Other,
}

/// <summary>One entry header of a layer: its name and link as written (not yet normalised) and its data size.</summary>
internal sealed record LayerEntry(string Name, LayerEntryType Type, long Size, string LinkName);

/// <summary>
/// A forward-only reader of a tar stream (ustar, pax and GNU), written for streams that may be hostile: it never
/// allocates by a size a header claims, except for entry data the caller asks for after checking the size; pax
/// and GNU long-name headers are bounded; the data of entries nobody reads is skipped through one small buffer.
/// Malformed input fails with <see cref="InvalidDataException"/> (a checksum that does not match, a field that is not
/// a number, data cut short), which the caller reports with the layer it came from.
/// </summary>
internal sealed class LayerTarReader
{
    private const int BlockSize = 512;
    private readonly Stream _stream;
    private readonly int _maxNameLength;
    private readonly int _maxExtendedHeaderSize;
    private readonly byte[] _header = new byte[BlockSize];
    private long _unreadData;
    private int _unreadPadding;
    private bool _ended;

    public LayerTarReader(Stream stream, int maxNameLength, int maxExtendedHeaderSize)
    {
        _stream = stream;
        _maxNameLength = maxNameLength;
        _maxExtendedHeaderSize = maxExtendedHeaderSize;
    }

    /// <summary>
    /// The next entry, or null at the end of the archive (two zero blocks, or the end of the stream on a block
    /// boundary, which some writers leave). Whatever is left of the previous entry's data is skipped first.
    /// </summary>
    public async ValueTask<LayerEntry?> NextAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return null;
        }

        await SkipAsync(_unreadData + _unreadPadding, cancellationToken).ConfigureAwait(false);
        _unreadData = 0;
        _unreadPadding = 0;

        string? longName = null;
        string? longLink = null;
        string? paxPath = null;
        string? paxLinkPath = null;
        long? paxSize = null;
        while (true)
        {
            if (!await ReadHeaderAsync(cancellationToken).ConfigureAwait(false))
            {
                _ended = true;
                return null;
            }

            var type = (char)_header[156];
            var size = ParseNumber(_header.AsSpan(124, 12), "size");
            switch (type)
            {
                case 'x':
                {
                    var records = await ReadMetadataAsync(size, _maxExtendedHeaderSize, "pax extended header", cancellationToken).ConfigureAwait(false);
                    ParsePax(records, ref paxPath, ref paxLinkPath, ref paxSize);
                    continue;
                }

                case 'g':
                    // Global pax headers hold defaults such as a comment or mtime; nothing the view needs.
                    await ReadMetadataAsync(size, _maxExtendedHeaderSize, "pax global header", cancellationToken).ConfigureAwait(false);
                    continue;
                case 'L':
                    longName = TrimNul(await ReadMetadataAsync(size, _maxNameLength + 1, "GNU long name", cancellationToken).ConfigureAwait(false));
                    continue;
                case 'K':
                    longLink = TrimNul(await ReadMetadataAsync(size, _maxNameLength + 1, "GNU long link name", cancellationToken).ConfigureAwait(false));
                    continue;
            }

            var dataSize = paxSize ?? size;
            var name = paxPath ?? longName ?? HeaderName();
            var link = paxLinkPath ?? longLink ?? Field(157, 100);
            var entryType = type switch
            {
                '0' or '\0' or '7' => LayerEntryType.RegularFile,
                '1' => LayerEntryType.HardLink,
                '2' => LayerEntryType.SymbolicLink,
                '5' => LayerEntryType.Directory,
                _ => LayerEntryType.Other,
            };

            // Old tar writers mark directories with a trailing slash on a regular-file type.
            if (entryType == LayerEntryType.RegularFile && type == '\0' && name.EndsWith('/'))
            {
                entryType = LayerEntryType.Directory;
            }

            // Links and directories carry no data in the archive whatever their size field says.
            _unreadData = entryType is LayerEntryType.HardLink or LayerEntryType.SymbolicLink or LayerEntryType.Directory ? 0 : dataSize;
            _unreadPadding = Padding(_unreadData);
            return new LayerEntry(name, entryType, _unreadData, link);
        }
    }

    /// <summary>Reads all the data of the current entry; the caller has checked its size against its limits.</summary>
    public async ValueTask<byte[]> ReadDataAsync(CancellationToken cancellationToken)
    {
        var data = GC.AllocateUninitializedArray<byte>(checked((int)_unreadData));
        await ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        _unreadData = 0;
        return data;
    }

    /// <summary>Reads the stream to its end (past the end-of-archive blocks), so a verifying source checks the digest.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Padding(long size) => (int)((BlockSize - (size % BlockSize)) % BlockSize);

    private async ValueTask<bool> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAtLeastAsync(_header, BlockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return false;
        }

        if (read < BlockSize)
        {
            throw new InvalidDataException("the tar stream ends inside an entry header");
        }

        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            // The first of the two end-of-archive blocks; what follows (the second block, padding) is drained later.
            return false;
        }

        VerifyChecksum();
        return true;
    }

    private void VerifyChecksum()
    {
        var expected = ParseNumber(_header.AsSpan(148, 8), "checksum");
        long unsigned = 0;
        long signed = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        if (expected != unsigned && expected != signed)
        {
            throw new InvalidDataException("a tar header checksum does not match (the stream is not a tar archive or is corrupt)");
        }
    }

    private string HeaderName()
    {
        var name = Field(0, 100);
        var magic = _header.AsSpan(257, 6);
        // Only POSIX ustar has the prefix field; GNU tar keeps other data at that offset.
        if (magic.SequenceEqual("ustar\0"u8))
        {
            var prefix = Field(345, 155);
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        return name;
    }

    private string Field(int offset, int length) => TrimNul(_header.AsSpan(offset, length));

    private static string TrimNul(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>An octal number (spaces and NULs around it allowed) or a GNU base-256 number.</summary>
    private static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..^8].ContainsAnyExcept((byte)0))
            {
                throw new InvalidDataException($"the tar {what} field is negative or too large");
            }

            long big = 0;
            foreach (var b in field[^8..])
            {
                big = (big << 8) | b;
            }

            if (big < 0)
            {
                throw new InvalidDataException($"the tar {what} field is too large");
            }

            return big;
        }

        long value = 0;
        var digits = 0;
        foreach (var b in field)
        {
            if (b is (byte)' ' or 0)
            {
                if (digits > 0)
                {
                    break;
                }

                continue;
            }

            if (b is < (byte)'0' or > (byte)'7' || digits >= 21)
            {
                throw new InvalidDataException($"the tar {what} field is not an octal number");
            }

            value = (value << 3) | (long)(b - '0');
            digits++;
        }

        return value;
    }

    private async ValueTask<byte[]> ReadMetadataAsync(long size, int limit, string what, CancellationToken cancellationToken)
    {
        if (size > limit)
        {
            throw new InvalidDataException($"a {what} of {size} bytes is larger than the {limit} bytes allowed");
        }

        var data = new byte[size];
        await ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        await SkipAsync(Padding(size), cancellationToken).ConfigureAwait(false);
        return data;
    }

    private static void ParsePax(byte[] records, ref string? path, ref string? linkPath, ref long? size)
    {
        var rest = records.AsSpan();
        while (rest.Length > 0)
        {
            var space = rest.IndexOf((byte)' ');
            if (space <= 0
                || !int.TryParse(rest[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space + 1
                || length > rest.Length
                || rest[length - 1] != (byte)'\n')
            {
                throw new InvalidDataException("a pax extended header record is malformed");
            }

            var record = rest[(space + 1)..(length - 1)];
            rest = rest[length..];
            var equals = record.IndexOf((byte)'=');
            if (equals < 0)
            {
                throw new InvalidDataException("a pax extended header record has no '='");
            }

            var key = record[..equals];
            var value = record[(equals + 1)..];
            if (key.SequenceEqual("path"u8))
            {
                path = Encoding.UTF8.GetString(value);
            }
            else if (key.SequenceEqual("linkpath"u8))
            {
                linkPath = Encoding.UTF8.GetString(value);
            }
            else if (key.SequenceEqual("size"u8))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    throw new InvalidDataException("a pax size record is not a number");
                }

                size = parsed;
            }
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < buffer.Length)
        {
            throw new InvalidDataException("the tar stream ends inside an entry's data");
        }
    }

    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (count > 0)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException("the tar stream ends inside an entry's data");
                }

                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
