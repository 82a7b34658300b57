namespace Toolkit.Core.Oci;

/// <summary>Media types of the OCI image spec and the Docker image manifest v2 schema 2.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerForeignGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public const string DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

    /// <summary>An uncompressed foreign layer: not in Docker's schema 2 document, but what containers/image (skopeo) writes for one.</summary>
    public const string DockerLayerForeignTar = "application/vnd.docker.image.rootfs.foreign.diff.tar";

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsConfig(string? mediaType) => mediaType is OciConfig or DockerConfig;

    public static bool IsDocker(string? mediaType)
        => mediaType is not null && mediaType.StartsWith("application/vnd.docker.", StringComparison.Ordinal);

    /// <summary>How a layer blob is compressed, from its media type.</summary>
    public static LayerCompression LayerCompressionOf(string mediaType) => mediaType switch
    {
        OciLayer or OciLayerNondistributable or DockerLayerTar or DockerLayerForeignTar => LayerCompression.None,
        OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerLayerForeignGzip => LayerCompression.Gzip,
        OciLayerZstd or OciLayerNondistributableZstd => LayerCompression.Zstd,
        _ => throw new Diagnostics.ToolkitException(
            Diagnostics.ErrorCodes.UnsupportedMediaType,
            $"Layer media type '{mediaType}' is not supported; expected an OCI or Docker tar layer (uncompressed, gzip or zstd)."),
    };

    /// <summary>The OCI layer media type for a compression.</summary>
    public static string OciLayerFor(LayerCompression compression) => compression switch
    {
        LayerCompression.None => OciLayer,
        LayerCompression.Gzip => OciLayerGzip,
        LayerCompression.Zstd => OciLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    /// <summary>The Docker layer media type for a compression (Docker has no zstd type).</summary>
    public static string DockerLayerFor(LayerCompression compression) => compression switch
    {
        LayerCompression.None => DockerLayerTar,
        LayerCompression.Gzip => DockerLayerGzip,
        _ => throw new Diagnostics.ToolkitException(
            Diagnostics.ErrorCodes.UnsupportedMediaType,
            "Docker image manifests have no zstd layer type; use gzip or build an OCI image."),
    };
}

/// <summary>Compression of a layer blob.</summary>
public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}
