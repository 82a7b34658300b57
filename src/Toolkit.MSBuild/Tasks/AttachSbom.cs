using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Storage;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class AttachSbom : ToolkitRegistryTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.ArtifactFileNotFound, $"Check that the SBOM file '{File}' exists and that the build may read it.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        var format = SbomFormat.Parse(string.IsNullOrWhiteSpace(Format) ? "cyclonedx-json" : Format.Trim());
        var image = ImageLocation.Parse(Image.Trim());
        var platform = SbomInputs.Platform(Platform, PlatformRuntimeIdentifier);
        byte[] content;
        try
        {
            content = await System.IO.File.ReadAllBytesAsync(File, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"The SBOM file {File} cannot be read ({exception.GetType().Name}): check ToolkitSbomOutput.", exception);
        }

        using var registries = Registries(InsecureRegistries, RegistryCaFile, loggerFactory);
        var attached = await new SbomGenerator(registries, loggerFactory)
            .AttachAsync(image, content, format, platform, cancellationToken)
            .ConfigureAwait(false);
        ReferrerDigest = attached.Referrer.Digest.ToString();
        Log.LogMessage(MessageImportance.High, "Attached SBOM {0} to {1} at {2}", ReferrerDigest, attached.Subject.Digest, image);
    }
}
