using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// How a layer is written. Everything that reaches the bytes is here, so the same folder and the same
/// options give the same blob on any machine and with any number of cores.
/// </summary>
public sealed record LayerOptions
{
    /// <summary>The default size of the blocks compressed independently and in parallel (1 MiB).</summary>
    public const int DefaultCompressionBlockSize = 1 << 20;

    /// <summary>Largest uid or gid a ustar header holds (7 octal digits).</summary>
    public const int MaxOwnerId = 0x1FFFFF;

    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>
    /// Compression level; null picks the default of the compression (6 for gzip, 3 for zstd). gzip takes
    /// 1 to 9, zstd 1 to 22. Ignored when uncompressed.
    /// </summary>
    public int? CompressionLevel { get; init; }

    /// <summary>
    /// The modification time of every entry, in whole seconds (the fraction is dropped). The caller
    /// resolves it, e.g. from <c>SOURCE_DATE_EPOCH</c> or the commit time. Defaults to the Unix epoch.
    /// </summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Owner of every entry (numeric; user and group names are always left empty).</summary>
    public int Uid { get; init; }

    /// <summary>Group of every entry.</summary>
    public int Gid { get; init; }

    private const long MaxOctal11 = 0x1FFFFFFFF;

    /// <summary>How many blocks are compressed at once; null uses every core. Never changes the bytes.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>
    /// Size of the uncompressed blocks that are compressed independently. It changes the bytes of the
    /// blob (not the diff_id), so keep the default unless you know why.
    /// </summary>
    public int CompressionBlockSize { get; init; } = DefaultCompressionBlockSize;

    /// <summary>The level that applies: <see cref="CompressionLevel"/> or the compression's default.</summary>
    public int EffectiveCompressionLevel => CompressionLevel ?? Compression switch
    {
        LayerCompression.Zstd => 3,
        _ => 6,
    };

    /// <summary>The degree of parallelism that applies.</summary>
    public int EffectiveMaxDegreeOfParallelism => MaxDegreeOfParallelism ?? Environment.ProcessorCount;

    internal void Validate()
    {
        if (!Enum.IsDefined(Compression))
        {
            throw Invalid($"Layer compression '{Compression}' is not supported; use none, gzip or zstd.");
        }

        var level = EffectiveCompressionLevel;
        if (Compression == LayerCompression.Gzip && level is < 1 or > 9)
        {
            throw Invalid($"gzip compression level {level} is out of range; use 1 (fastest) to 9 (smallest).");
        }

        if (Compression == LayerCompression.Zstd && level is < 1 or > 22)
        {
            throw Invalid($"zstd compression level {level} is out of range; use 1 (fastest) to 22 (smallest).");
        }

        if (Uid is < 0 or > MaxOwnerId || Gid is < 0 or > MaxOwnerId)
        {
            throw Invalid($"Layer owner {Uid}:{Gid} is out of range; uid and gid must be between 0 and {MaxOwnerId}.");
        }

        if (Timestamp < DateTimeOffset.UnixEpoch)
        {
            throw Invalid($"Layer timestamp {Timestamp:O} is before 1970-01-01; use SOURCE_DATE_EPOCH or a later time.");
        }

        if (Timestamp.ToUnixTimeSeconds() > MaxOctal11)
        {
            throw Invalid($"Layer timestamp {Timestamp:O} is too far in the future for a tar header.");
        }

        if (MaxDegreeOfParallelism is < 1)
        {
            throw Invalid($"Degree of parallelism {MaxDegreeOfParallelism} must be at least 1.");
        }

        if (CompressionBlockSize is < 64 * 1024 or > 64 * 1024 * 1024)
        {
            throw Invalid($"Compression block size {CompressionBlockSize} must be between 64 KiB and 64 MiB.");
        }
    }

    private static ToolkitException Invalid(string message) => new(ErrorCodes.InvalidOption, message);
}
