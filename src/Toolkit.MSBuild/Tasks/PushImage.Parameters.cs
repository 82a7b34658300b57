using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>Pushes a built image to a registry. Parameters: see Toolkit.MSBuild.targets for the properties they come from.</summary>
public sealed partial class PushImage
{
    /// <summary>The built image: <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:</c> or <c>docker-archive:</c> (<c>ToolkitImageOutput</c>).</summary>
    [Required]
    public string Source { get; set; } = string.Empty;

    /// <summary>The registry host (and port), <c>ContainerRegistry</c>.</summary>
    [Required]
    public string Registry { get; set; } = string.Empty;

    /// <summary>The repository in the registry, <c>ContainerRepository</c>.</summary>
    [Required]
    public string Repository { get; set; } = string.Empty;

    /// <summary>Tags to apply in the registry (<c>ContainerImageTags</c>); the first also picks the image in an <c>oci:</c> layout without a tag.</summary>
    [Required]
    public string[] Tags { get; set; } = [];

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP (<c>ToolkitInsecureRegistries</c>).</summary>
    public string[] InsecureRegistries { get; set; } = [];

    /// <summary>A PEM file of extra certificate authorities for registries (<c>ToolkitRegistryCaFile</c>).</summary>
    public string? RegistryCaFile { get; set; }

    /// <summary><c>oci</c> or <c>docker</c> (any case): the manifest format to push, converting if needed; empty keeps the built one (<c>ToolkitPushFormat</c>).</summary>
    public string? Format { get; set; }

    /// <summary>The digest of the manifest or index now in the registry.</summary>
    [Output]
    public string PushedDigest { get; set; } = string.Empty;

    /// <summary>Every reference pushed (<c>registry/repository:tag</c>).</summary>
    [Output]
    public string[] PushedReferences { get; set; } = [];
}
