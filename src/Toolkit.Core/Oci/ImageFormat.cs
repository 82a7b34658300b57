using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>The manifest format an image is written in.</summary>
public enum ImageFormat
{
    /// <summary>OCI image manifest v1 and OCI image index.</summary>
    Oci,

    /// <summary>Docker image manifest v2 schema 2 and Docker manifest list.</summary>
    Docker,
}

/// <summary>Names of <see cref="ImageFormat"/> as people write them.</summary>
public static class ImageFormats
{
    /// <summary>The accepted names, for messages and help.</summary>
    public const string Names = "oci or docker";

    /// <summary>
    /// <c>oci</c> or <c>docker</c>, in any case (the .NET SDK's <c>ContainerImageFormat</c> writes <c>OCI</c> and
    /// <c>Docker</c>); null or blank means none (keep the source's format).
    /// </summary>
    public static ImageFormat? Parse(string? text, string optionName = "--format")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return text.Trim().ToUpperInvariant() switch
        {
            "OCI" => ImageFormat.Oci,
            "DOCKER" => ImageFormat.Docker,
            _ => throw new ToolkitException(ErrorCodes.InvalidOption, $"{optionName} '{text}' is not an image format; use {Names}."),
        };
    }

    /// <summary>The manifest media type of a format.</summary>
    public static string ManifestMediaType(this ImageFormat format) => format == ImageFormat.Docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;

    /// <summary>The index media type of a format (a Docker manifest list for Docker).</summary>
    public static string IndexMediaType(this ImageFormat format) => format == ImageFormat.Docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;

    /// <summary>How the format is named in messages.</summary>
    public static string DisplayName(this ImageFormat format) => format == ImageFormat.Docker ? "Docker schema 2" : "OCI";
}
