using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// Writes one SBOM of an image and/or a project, and attaches it to the image. Parameters: see Toolkit.MSBuild.targets for
/// the properties they come from.
/// </summary>
public sealed partial class GenerateSbom
{
    /// <summary>The image to describe (<c>oci:&lt;dir&gt;[:tag]</c>, an archive or a registry reference); empty for a project-only SBOM.</summary>
    public string? Image { get; set; }

    /// <summary>The name the image goes by (<c>[registry/]repository[:tag]</c>) when <see cref="Image"/> is a local location.</summary>
    public string? ImageName { get; set; }

    /// <summary>The tags the build gave the image; the first names the image in an <c>oci:</c> or <c>oci-archive:</c> location without a tag.</summary>
    public string[] ImageTags { get; set; } = [];

    /// <summary>The project, solution or folder whose restored NuGet packages to describe; empty for an image-only SBOM.</summary>
    public string? Project { get; set; }

    /// <summary>Where the project's assets file is when it is not in <c>obj/</c> (<c>MSBuildProjectExtensionsPath</c>).</summary>
    public string? ProjectExtensionsPath { get; set; }

    /// <summary><c>cyclonedx-json</c> (1.6, the default), <c>cyclonedx-json@1.5</c>, <c>cyclonedx-json@1.7</c> or <c>spdx-json</c>.</summary>
    public string? Format { get; set; }

    /// <summary>The file to write; empty writes none.</summary>
    public string? Output { get; set; }

    /// <summary>Attach the SBOM to <see cref="Image"/> as a referrer of the manifest it describes, when the location can hold referrers.</summary>
    public bool Attach { get; set; }

    /// <summary>The platform to describe when the image is an index (<c>os/arch[/variant]</c>).</summary>
    public string? Platform { get; set; }

    /// <summary>The runtime identifier whose platform to describe when the image is an index and <see cref="Platform"/> is empty.</summary>
    public string? PlatformRuntimeIdentifier { get; set; }

    /// <summary>Leave development-only packages out instead of listing them with scope excluded.</summary>
    public bool ExcludeDevelopmentDependencies { get; set; }

    /// <summary>Only the project's packages of this target framework (the current build's).</summary>
    public string? TargetFramework { get; set; }

    /// <summary>Only the project's packages of this runtime identifier (the current build's).</summary>
    public string? RuntimeIdentifier { get; set; }

    /// <summary>Seconds since 1970 for the document's timestamp; else <c>SOURCE_DATE_EPOCH</c>, else the HEAD commit time, else the image's creation time or the clock.</summary>
    public string? SourceDateEpoch { get; set; }

    /// <summary>The folder whose git HEAD commit time is the timestamp when no epoch is set.</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP (<c>ToolkitInsecureRegistries</c>).</summary>
    public string[] InsecureRegistries { get; set; } = [];

    /// <summary>A PEM file of extra certificate authorities for registries (<c>ToolkitRegistryCaFile</c>).</summary>
    public string? RegistryCaFile { get; set; }

    /// <summary>The full path of the file written; empty when none was.</summary>
    [Output]
    public string OutputFile { get; set; } = string.Empty;

    /// <summary>The format written, e.g. <c>cyclonedx-json@1.6</c>.</summary>
    [Output]
    public string WrittenFormat { get; set; } = string.Empty;

    /// <summary>The document's serial number, <c>urn:uuid:&lt;uuid&gt;</c>.</summary>
    [Output]
    public string SerialNumber { get; set; } = string.Empty;

    /// <summary>How many components the document lists (the subject aside).</summary>
    [Output]
    public int ComponentCount { get; set; }

    /// <summary>The digest of the image manifest described; empty for a project-only SBOM.</summary>
    [Output]
    public string ImageManifestDigest { get; set; } = string.Empty;

    /// <summary>The digest of the referrer manifest when the SBOM was attached; empty otherwise.</summary>
    [Output]
    public string ReferrerDigest { get; set; } = string.Empty;
}
