using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Core.Storage;

namespace Toolkit.Cake;

public static partial class ToolkitAliases
{
    /// <summary>
    /// Writes one SBOM (CycloneDX 1.6 JSON by default; 1.5, 1.7 or SPDX 2.3) of an image (its OS packages, .NET apps
    /// and runtime, read from its layers) and/or a project's NuGet packages, and optionally attaches it to the image.
    /// </summary>
    /// <example>
    /// <code>
    /// var sbom = ToolkitGenerateSbom(new ToolkitGenerateSbomSettings
    /// {
    ///     Image = "oci:artifacts/image:latest",
    ///     Project = "src/App/App.csproj",
    ///     Output = "artifacts/sbom.cdx.json",
    ///     Attach = true,
    /// });
    /// Information("SBOM with {0} components, attached as {1}", sbom.Components, sbom.Referrer);
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">What to describe and where to write it.</param>
    /// <returns>What was written and attached.</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("Sbom")]
    [CakeNamespaceImport("Toolkit.Cake")]
    public static ToolkitSbomResult ToolkitGenerateSbom(this ICakeContext context, ToolkitGenerateSbomSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitGenerateSbomSettings();
        return Run(context, settings.InsecureRegistries, settings.CaFile, (loggerFactory, registries) =>
        {
            var root = context.Environment.WorkingDirectory;
            var image = string.IsNullOrWhiteSpace(settings.Image) ? null : ImageLocation.Parse(ToolkitBuildImageSettings.RebaseLocation(settings.Image, root));
            var format = SbomFormat.Parse(settings.Format);
            var platform = settings.Platform is { Length: > 0 } p ? Platform.Parse(p) : null;
            if (settings.Attach && image is null)
            {
                throw new ToolkitException(ErrorCodes.InvalidOption, "ToolkitGenerateSbomSettings.Attach needs an Image: an SBOM is attached to the image it describes.");
            }

            var request = new SbomRequest
            {
                Image = image,
                Project = settings.Project?.MakeAbsolute(root).FullPath,
                Format = format,
                Platform = platform,
                ProjectOptions = new NuGetCatalogOptions { ExcludeDevelopmentDependencies = settings.ExcludeDevelopmentDependencies },
            };
            var generator = new SbomGenerator(registries, loggerFactory, new CakeEnvironmentVariables(context.Environment));
            var result = generator.GenerateAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            string? output = null;
            if (settings.Output is { } file)
            {
                output = result.WriteFileAsync(file.MakeAbsolute(root).FullPath, CancellationToken.None).GetAwaiter().GetResult();
            }

            var referrer = settings.Attach
                ? generator.AttachAsync(image!, result.Content, format, platform, CancellationToken.None).GetAwaiter().GetResult().Referrer.Digest.ToString()
                : null;
            return new ToolkitSbomResult(result, output, referrer);
        });
    }
}

/// <summary>Settings of <see cref="ToolkitAliases.ToolkitGenerateSbom"/>. Local paths are relative to the Cake working directory.</summary>
public sealed class ToolkitGenerateSbomSettings
{
    /// <summary>The image to describe (<c>oci:&lt;dir&gt;[:tag]</c>, an archive or a registry reference); null for a project-only SBOM.</summary>
    public string? Image { get; set; }

    /// <summary>A project, solution or folder whose restored NuGet packages to describe (with an image: added to its contents).</summary>
    public FilePath? Project { get; set; }

    /// <summary><c>cyclonedx-json</c> (1.6, the default), <c>cyclonedx-json@1.5</c>, <c>cyclonedx-json@1.7</c> or <c>spdx-json</c>.</summary>
    public string Format { get; set; } = "cyclonedx-json";

    /// <summary>The file to write; null writes none (e.g. when only attaching).</summary>
    public FilePath? Output { get; set; }

    /// <summary>Attach the SBOM to the image as a referrer of the manifest it describes.</summary>
    public bool Attach { get; set; }

    /// <summary>The platform to describe when the image is an index of several (<c>os/arch[/variant]</c>).</summary>
    public string? Platform { get; set; }

    /// <summary>Leave out development-only packages instead of marking them excluded.</summary>
    public bool ExcludeDevelopmentDependencies { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP.</summary>
    public ICollection<string> InsecureRegistries { get; } = [];

    /// <summary>A PEM file of extra certificate authorities to trust for registries.</summary>
    public FilePath? CaFile { get; set; }
}

/// <summary>The result of <see cref="ToolkitAliases.ToolkitGenerateSbom"/>.</summary>
public sealed class ToolkitSbomResult
{
    internal ToolkitSbomResult(SbomResult result, string? output, string? referrer)
    {
        Format = result.Format.ToString();
        SerialNumber = "urn:uuid:" + result.Document.SerialNumber.ToString("D");
        Components = result.Document.Components.Count;
        ImageManifest = result.ImageManifest?.Digest.ToString();
        Output = output;
        Referrer = referrer;
    }

    /// <summary>The format written, e.g. <c>cyclonedx-json@1.6</c>.</summary>
    public string Format { get; }

    public string SerialNumber { get; }

    /// <summary>How many components the document lists (the subject aside).</summary>
    public int Components { get; }

    /// <summary>The digest of the image manifest described, when an image was.</summary>
    public string? ImageManifest { get; }

    /// <summary>The file written, when one was.</summary>
    public string? Output { get; }

    /// <summary>The digest of the referrer manifest, when the SBOM was attached.</summary>
    public string? Referrer { get; }
}
