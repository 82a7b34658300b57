namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Bounds of a walk over an image's layers. Layers are streamed and never extracted; only the files the filter asks
/// for are kept in memory, so these limits bound memory and time whatever the layers claim.
/// </summary>
public sealed record ImageWalkOptions
{
    /// <summary>The largest file kept (a larger one is skipped with a TK5044 note). Default 64 MiB.</summary>
    public long MaxFileSize { get; init; } = 64L << 20;

    /// <summary>All kept files and link targets together (beyond it, files are skipped with a TK5044 note). Default 512 MiB.</summary>
    public long MaxKeptBytes { get; init; } = 512L << 20;

    /// <summary>The most a layer may decompress to (TK5041 beyond): the bound on a compression bomb. Default 64 GiB.</summary>
    public long MaxLayerSize { get; init; } = 64L << 30;

    /// <summary>The most tar entries in all layers together (TK5042 beyond). Default 5 million.</summary>
    public long MaxEntries { get; init; } = 5_000_000;

    /// <summary>The longest entry path or link target, in UTF-8 bytes (longer ones are skipped with a TK5043 note). Default 4096.</summary>
    public int MaxPathLength { get; init; } = 4096;

    /// <summary>The largest pax extended header accepted (TK5040 beyond). Default 1 MiB.</summary>
    public int MaxExtendedHeaderSize { get; init; } = 1 << 20;
}
