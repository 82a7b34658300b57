using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class PushImage : ToolkitRegistryTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.ImageNotFound, $"Check that the built image at '{Source}' exists and that the build may read it.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        var tags = Tags.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (tags.Length == 0)
        {
            throw new ToolkitException(ErrorCodes.InvalidOption, "No tag to push; set ContainerImageTag or ContainerImageTags.");
        }

        ImageLocation source = ImageLocation.Parse(Source) switch
        {
            // A layout the build tagged with every tag: any of them names the image.
            OciLayoutLocation { Reference: null } layout => layout with { Reference = tags[0] },
            OciLayoutLocation layout => layout,
            OciArchiveLocation archive => archive,
            DockerArchiveLocation archive => archive,
            var other => throw new ToolkitException(
                ErrorCodes.UnsupportedLocation,
                $"ToolkitImageOutput '{other}' cannot be pushed; with ContainerRegistry set, write the image to an oci:, oci-archive: or docker-archive: location."),
        };
        var destination = ImageLocation.Parse($"{Registry.Trim().TrimEnd('/')}/{Repository.Trim()}:{tags[0]}");
        var format = ImageFormats.Parse(Format, "ToolkitPushFormat");

        using var registries = Registries(InsecureRegistries, RegistryCaFile, loggerFactory);
        var result = await new RegistryPusher(registries, loggerFactory)
            .PushAsync(source, destination, new PushOptions { Tags = tags, Format = format }, cancellationToken)
            .ConfigureAwait(false);
        PushedDigest = result.Root.Digest.ToString();
        PushedReferences = [.. result.Tags.Select(t => $"{Registry.Trim().TrimEnd('/')}/{Repository.Trim()}:{t}")];
        Log.LogMessage(
            MessageImportance.High,
            "Pushed image {0} to {1} ({2} bytes uploaded, {3} blobs already there)",
            PushedDigest,
            string.Join(", ", PushedReferences),
            result.BytesUploaded,
            result.BlobsSkipped);
    }
}
