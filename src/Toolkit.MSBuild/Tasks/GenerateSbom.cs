using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Core.Storage;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class GenerateSbom : ToolkitRegistryTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.OutputNotWritable, "Check that the image, the project's obj folder and the SBOM's folder exist and that the build may read and write them.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        var image = SbomInputs.Image(Image, ImageTags);
        var format = SbomFormat.Parse(string.IsNullOrWhiteSpace(Format) ? "cyclonedx-json" : Format.Trim());
        var platform = SbomInputs.Platform(Platform, PlatformRuntimeIdentifier);
        var timestamp = await new Core.Oci.Build.SourceDateEpoch(ProcessEnvironmentVariables.Instance, ProcessRunner.Instance, loggerFactory.CreateLogger(nameof(GenerateSbom)))
            .ResolveAsync(SourceDateEpoch, "ToolkitSourceDateEpoch", SbomInputs.NullIfEmpty(ProjectDirectory), cancellationToken).ConfigureAwait(false);
        var request = new SbomRequest
        {
            Image = image,
            ImageName = SbomInputs.NullIfEmpty(ImageName),
            Project = SbomInputs.NullIfEmpty(Project),
            Format = format,
            Platform = platform,
            ProjectOptions = new NuGetCatalogOptions
            {
                ExcludeDevelopmentDependencies = ExcludeDevelopmentDependencies,
                TargetFramework = SbomInputs.NullIfEmpty(TargetFramework),
                RuntimeIdentifier = SbomInputs.NullIfEmpty(RuntimeIdentifier),
                BaseIntermediateOutputPath = SbomInputs.NullIfEmpty(ProjectExtensionsPath),
            },

            // Nothing to go by but the constant: leave the time to the image's creation time, else the clock.
            Document = new SbomDocumentOptions { Timestamp = timestamp.Source == TimestampSource.Constant ? null : timestamp.Value },
        };

        using var registries = Registries(InsecureRegistries, RegistryCaFile, loggerFactory);
        var generator = new SbomGenerator(registries, loggerFactory);
        var result = await generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        WrittenFormat = result.Format.ToString();
        SerialNumber = "urn:uuid:" + result.Document.SerialNumber.ToString("D");
        ComponentCount = result.Document.Components.Count;
        ImageManifestDigest = result.ImageManifest?.Digest.ToString() ?? string.Empty;

        if (SbomInputs.NullIfEmpty(Output) is { } output)
        {
            OutputFile = await result.WriteFileAsync(output, cancellationToken).ConfigureAwait(false);
            Log.LogMessage(MessageImportance.High, "Wrote SBOM {0} ({1}, {2} components, {3})", OutputFile, WrittenFormat, ComponentCount, SerialNumber);
        }

        if (!Attach)
        {
            return;
        }

        if (image is null)
        {
            Log.LogMessage(MessageImportance.Normal, "The SBOM describes a project, not an image: there is no image to attach it to.");
        }
        else if (image is OciLayoutLocation or RegistryLocation)
        {
            var attached = await generator.AttachAsync(image, result.Content, format, platform, cancellationToken).ConfigureAwait(false);
            ReferrerDigest = attached.Referrer.Digest.ToString();
            Log.LogMessage(MessageImportance.High, "Attached SBOM {0} to {1} at {2}", ReferrerDigest, attached.Subject.Digest, image);
        }
        else
        {
            Log.LogMessage(MessageImportance.High, "The SBOM is not attached to {0}: an archive holds no referrers. It is attached to the image pushed to ContainerRegistry, or attach it with 'dotnet toolkit sbom attach'.", image);
        }
    }
}
