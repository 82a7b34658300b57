using System.Buffers.Binary;
using System.Text;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// An rpm header as the rpm database stores it (the <c>blob</c> of the <c>Packages</c> table): a big-endian count of
/// index entries and the size of the data store, the entries (tag, type, offset, count; 16 bytes each), then the
/// data store. Every offset and count is checked against the blob, so a corrupt or hostile header fails with
/// <see cref="InvalidDataException"/> instead of reading out of bounds.
/// </summary>
internal sealed class RpmHeader
{
    public const int TagName = 1000;
    public const int TagVersion = 1001;
    public const int TagRelease = 1002;
    public const int TagEpoch = 1003;
    public const int TagSummary = 1004;
    public const int TagVendor = 1011;
    public const int TagLicense = 1014;
    public const int TagPackager = 1015;
    public const int TagArch = 1022;
    public const int TagSourceRpm = 1044;
    public const int TagProvideName = 1047;
    public const int TagRequireFlags = 1048;
    public const int TagRequireName = 1049;
    public const int TagDirIndexes = 1116;
    public const int TagBaseNames = 1117;
    public const int TagDirNames = 1118;

    private const int TypeInt32 = 4;
    private const int TypeString = 6;
    private const int TypeStringArray = 8;
    private const int TypeI18nString = 9;

    // rpm's own limits (hdrblob.c): at most 0xffff entries and 256 MiB of data.
    private const int MaxEntries = 0xffff;
    private const int MaxData = 256 << 20;

    private readonly byte[] _blob;
    private readonly Dictionary<int, (int Type, int Offset, int Count)> _entries = [];
    private readonly int _dataStart;
    private readonly int _dataLength;

    public RpmHeader(byte[] blob)
    {
        _blob = blob;
        if (blob.Length < 8)
        {
            throw new InvalidDataException("the rpm header is shorter than its preamble");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(blob);
        _dataLength = BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(4));
        if (count is <= 0 or > MaxEntries || _dataLength is < 0 or > MaxData)
        {
            throw new InvalidDataException($"the rpm header claims {count} entries and {_dataLength} bytes of data");
        }

        _dataStart = 8 + (count * 16);
        if ((long)_dataStart + _dataLength > blob.Length)
        {
            throw new InvalidDataException("the rpm header is larger than its blob");
        }

        for (var i = 0; i < count; i++)
        {
            var entry = blob.AsSpan(8 + (i * 16), 16);
            var tag = BinaryPrimitives.ReadInt32BigEndian(entry);
            var type = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
            var offset = BinaryPrimitives.ReadInt32BigEndian(entry[8..]);
            var items = BinaryPrimitives.ReadInt32BigEndian(entry[12..]);
            if (offset < 0 || offset > _dataLength || items < 0 || items > _dataLength)
            {
                throw new InvalidDataException($"the rpm header entry of tag {tag} points outside the data");
            }

            _entries.TryAdd(tag, (type, offset, items));
        }
    }

    public string? String(int tag)
    {
        if (!_entries.TryGetValue(tag, out var entry) || entry.Type is not (TypeString or TypeI18nString or TypeStringArray) || entry.Count < 1)
        {
            return null;
        }

        return ReadStrings(entry.Offset, 1)[0];
    }

    public IReadOnlyList<string> Strings(int tag)
        => _entries.TryGetValue(tag, out var entry) && entry.Type is TypeStringArray or TypeI18nString or TypeString
            ? ReadStrings(entry.Offset, entry.Type == TypeString ? 1 : entry.Count)
            : [];

    public IReadOnlyList<int> Int32s(int tag)
    {
        if (!_entries.TryGetValue(tag, out var entry) || entry.Type != TypeInt32)
        {
            return [];
        }

        if ((long)entry.Offset + (entry.Count * 4L) > _dataLength)
        {
            throw new InvalidDataException($"the rpm header integers of tag {tag} run past the data");
        }

        var values = new int[entry.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32BigEndian(_blob.AsSpan(_dataStart + entry.Offset + (i * 4)));
        }

        return values;
    }

    private List<string> ReadStrings(int offset, int count)
    {
        // Grown as strings are found: the count is the header's claim, each string takes at least one byte of data.
        var strings = new List<string>();
        var data = _blob.AsSpan(_dataStart, _dataLength);
        for (var i = 0; i < count; i++)
        {
            if (offset >= data.Length)
            {
                throw new InvalidDataException("an rpm header string runs past the data");
            }

            var end = data[offset..].IndexOf((byte)0);
            if (end < 0)
            {
                throw new InvalidDataException("an rpm header string is not terminated");
            }

            strings.Add(Encoding.UTF8.GetString(data.Slice(offset, end)));
            offset += end + 1;
        }

        return strings;
    }
}
