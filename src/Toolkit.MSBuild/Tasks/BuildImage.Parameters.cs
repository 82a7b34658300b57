using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>Builds an OCI image from a publish folder. Parameters: see Toolkit.MSBuild.targets for the properties they come from.</summary>
public sealed partial class BuildImage
{
    /// <summary>The publish output that becomes the app layer.</summary>
    [Required]
    public string PublishDirectory { get; set; } = string.Empty;

    /// <summary>
    /// One publish folder per platform (<c>RuntimeIdentifier</c> metadata), from <c>ContainerRuntimeIdentifiers</c>;
    /// when given, they replace <see cref="PublishDirectory"/> and the image is an index.
    /// </summary>
    public ITaskItem[] PlatformPublishDirectories { get; set; } = [];

    /// <summary>The app's assembly name, for the entrypoint.</summary>
    [Required]
    public string AssemblyName { get; set; } = string.Empty;

    /// <summary>Where the image is written: <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:</c>, <c>docker-archive:</c>.</summary>
    [Required]
    public string Output { get; set; } = string.Empty;

    /// <summary>The base image location; <c>scratch</c> when empty.</summary>
    public string? BaseImage { get; set; }

    /// <summary>Tags applied to the output.</summary>
    public string[] Tags { get; set; } = [];

    /// <summary>Where the app goes in the image and the working directory (default <c>/app/</c>).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Explicit entrypoint (<c>ContainerAppCommand</c> items); computed from the publish folder when empty.</summary>
    public ITaskItem[] Entrypoint { get; set; } = [];

    /// <summary>Default arguments (<c>ContainerDefaultArgs</c> items).</summary>
    public ITaskItem[] DefaultArgs { get; set; } = [];

    /// <summary>Whether the app host may be the entrypoint (<c>UseAppHost</c>).</summary>
    public bool UseAppHost { get; set; } = true;

    public string? User { get; set; }

    /// <summary><c>ContainerEnvironmentVariable</c> items: name in Include, <c>Value</c> metadata.</summary>
    public ITaskItem[] EnvironmentVariables { get; set; } = [];

    /// <summary><c>ContainerLabel</c> items: key in Include, <c>Value</c> metadata.</summary>
    public ITaskItem[] Labels { get; set; } = [];

    /// <summary><c>ToolkitImageAnnotation</c> items: key in Include, <c>Value</c> metadata.</summary>
    public ITaskItem[] Annotations { get; set; } = [];

    /// <summary><c>ContainerPort</c> items: number in Include, optional <c>Type</c> metadata (tcp, udp).</summary>
    public ITaskItem[] Ports { get; set; } = [];

    /// <summary>The runtime identifier whose platform the image is for (e.g. linux-x64).</summary>
    public string? RuntimeIdentifier { get; set; }

    public bool GenerateLabels { get; set; } = true;

    public string? SourceUrl { get; set; }

    public string? Revision { get; set; }

    public string? Version { get; set; }

    public string? BaseName { get; set; }

    /// <summary>gzip (default), zstd or none.</summary>
    public string? Compression { get; set; }

    public int CompressionLevel { get; set; }

    public int Uid { get; set; }

    public int Gid { get; set; }

    /// <summary>Seconds since 1970; else <c>SOURCE_DATE_EPOCH</c>, else the HEAD commit time, else 0.</summary>
    public string? SourceDateEpoch { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP (<c>ToolkitInsecureRegistries</c>).</summary>
    public string[] InsecureRegistries { get; set; } = [];

    /// <summary>A PEM file of extra certificate authorities for registries (<c>ToolkitRegistryCaFile</c>).</summary>
    public string? RegistryCaFile { get; set; }

    /// <summary>Where built layers are remembered (<c>ToolkitLayerCacheDirectory</c>); empty: no cache.</summary>
    public string? LayerCacheDirectory { get; set; }

    /// <summary>The folder whose git HEAD commit time is the timestamp when no epoch is set.</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>The digest of the image (the index when several platforms were built).</summary>
    [Output]
    public string ImageDigest { get; set; } = string.Empty;

    /// <summary>The media type of <see cref="ImageDigest"/>.</summary>
    [Output]
    public string ImageMediaType { get; set; } = string.Empty;
}
