using Toolkit.Core.Oci.Layers;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Build;

/// <summary>A layer to add: one or more folders, each placed at a path in the image.</summary>
public sealed record LayerSpec(IReadOnlyList<LayerSource> Sources)
{
    public LayerSpec(string sourceDirectory, string pathInImage)
        : this([new LayerSource(sourceDirectory, pathInImage)])
    {
    }
}

/// <summary>Layers added only to one platform's image (e.g. a RID-specific publish folder).</summary>
public sealed record PlatformLayers(Platform Platform, IReadOnlyList<LayerSpec> Layers);

/// <summary>Everything the image builder needs. One options model shared by every front-end.</summary>
public sealed record ImageBuildRequest
{
    /// <summary>The base: <c>scratch</c>, <c>oci:</c>, <c>oci-archive:</c>, <c>docker-archive:</c> or a registry reference (with a registry client).</summary>
    public required ImageLocation BaseImage { get; init; }

    /// <summary>Where the image goes: <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:</c> or <c>docker-archive:</c>.</summary>
    public required ImageLocation Output { get; init; }

    /// <summary>Extra tags for the output (the output location's own tag is always applied).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Layers added to every platform's image, after the base layers.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; init; } = [];

    /// <summary>
    /// Platforms to build, with their own layers (added after <see cref="Layers"/>). Empty: the base's
    /// platform for a single-platform base; the host's platform for a multi-platform base or scratch.
    /// </summary>
    public IReadOnlyList<PlatformLayers> Platforms { get; init; } = [];

    public ImageConfigEdits Config { get; init; } = new();

    public ImageMetadata Metadata { get; init; } = new();

    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>Compression level; null for the default of the compression (gzip 6, zstd 3).</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>Owner of every file in the new layers (root by default).</summary>
    public int Uid { get; init; }

    public int Gid { get; init; }

    /// <summary>The one timestamp for files, config and history; see <see cref="SourceDateEpoch"/>.</summary>
    public required BuildTimestamp Timestamp { get; init; }

    /// <summary>
    /// A folder where the builder remembers the layers it wrote (see <see cref="LayerCache"/>); an unchanged
    /// folder then costs no tar or compression, when its blob is still in the output. Null: no cache.
    /// </summary>
    public string? LayerCacheDirectory { get; init; }

    /// <summary>How many cores layer compression may use (null: all).</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}

/// <summary>The image of one platform in a build.</summary>
public sealed record BuiltPlatformImage(
    Platform Platform,
    Descriptor Manifest,
    Descriptor Config,
    IReadOnlyList<Descriptor> Layers,
    IReadOnlyList<BuiltLayer> NewLayers);

/// <summary>The result of a build: the root (a manifest, or an index for several platforms) and where it was written.</summary>
public sealed record BuiltImage(
    Descriptor Root,
    IReadOnlyList<BuiltPlatformImage> Platforms,
    ImageLocation Output,
    IReadOnlyList<string> Tags,
    BuildTimestamp Timestamp);
