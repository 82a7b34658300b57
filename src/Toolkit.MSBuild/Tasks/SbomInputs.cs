using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.MSBuild.Tasks;

/// <summary>How the SBOM tasks read the inputs they share.</summary>
internal static class SbomInputs
{
    /// <summary>An explicit <c>os/arch[/variant]</c> wins; else the platform of a runtime identifier; else none (the generator's default).</summary>
    public static Platform? Platform(string? platform, string? runtimeIdentifier)
        => !string.IsNullOrWhiteSpace(platform) ? Core.Oci.Platform.Parse(platform.Trim())
            : !string.IsNullOrWhiteSpace(runtimeIdentifier) ? Core.Oci.Platform.FromRuntimeIdentifier(runtimeIdentifier.Trim())
            : null;

    /// <summary>
    /// The image location; a layout or OCI archive the build tagged with several tags (without a tag in the location) is named by
    /// the first, as <see cref="PushImage"/> does, since more than one entry would otherwise name it.
    /// </summary>
    public static ImageLocation? Image(string? image, string[] tags)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            return null;
        }

        var first = tags.Select(t => t.Trim()).FirstOrDefault(t => t.Length > 0);
        return ImageLocation.Parse(image.Trim()) switch
        {
            OciLayoutLocation { Reference: null } layout when first is not null => layout with { Reference = first },
            OciArchiveLocation { Reference: null } archive when first is not null => archive with { Reference = first },
            var other => other,
        };
    }

    public static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
