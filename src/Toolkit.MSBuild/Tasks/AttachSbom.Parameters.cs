using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// Attaches an SBOM file to an image (e.g. the image just pushed to <c>ContainerRegistry</c>) as a referrer of the manifest it
/// describes. Parameters: see Toolkit.MSBuild.targets for the properties they come from.
/// </summary>
public sealed partial class AttachSbom
{
    /// <summary>The SBOM file, as <see cref="GenerateSbom"/> wrote it.</summary>
    [Required]
    public string File { get; set; } = string.Empty;

    /// <summary>The image: a registry reference or <c>oci:&lt;dir&gt;[:tag]</c>.</summary>
    [Required]
    public string Image { get; set; } = string.Empty;

    /// <summary>The format the file was written in (its artifact type follows from it); <c>cyclonedx-json</c> when empty.</summary>
    public string? Format { get; set; }

    /// <summary>When the image is an index: the platform manifest to attach to (<c>os/arch[/variant]</c>).</summary>
    public string? Platform { get; set; }

    /// <summary>The runtime identifier whose platform manifest to attach to when the image is an index and <see cref="Platform"/> is empty.</summary>
    public string? PlatformRuntimeIdentifier { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP (<c>ToolkitInsecureRegistries</c>).</summary>
    public string[] InsecureRegistries { get; set; } = [];

    /// <summary>A PEM file of extra certificate authorities for registries (<c>ToolkitRegistryCaFile</c>).</summary>
    public string? RegistryCaFile { get; set; }

    /// <summary>The digest of the referrer manifest.</summary>
    [Output]
    public string ReferrerDigest { get; set; } = string.Empty;
}
