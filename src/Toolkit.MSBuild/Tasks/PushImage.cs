using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Task = Microsoft.Build.Utilities.Task;

namespace Toolkit.MSBuild.Tasks;

[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "MSBuild may call Cancel from another thread at any time, even after Execute returned; the source is left to the GC.")]
public sealed partial class PushImage : Task, ICancelableTask
{
    // Not disposed: MSBuild may call Cancel from another thread at any time, even after Execute returned.
    private readonly CancellationTokenSource _cancellation = new();

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        try
        {
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (ToolkitException e)
        {
            Log.LogError(null, e.Code, null, null, 0, 0, 0, 0, e.Message);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogWarning("The image push was cancelled.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogError(null, ErrorCodes.ImageNotFound.Code, null, null, 0, 0, 0, 0, $"{e.Message} Check that the built image at '{Source}' exists and that the build may read it.");
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }
#pragma warning disable CA1031 // The task boundary: a defect becomes one coded error, with the details at low importance.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.LogError(null, ErrorCodes.Unexpected.Code, null, null, 0, 0, 0, 0, $"Unexpected failure ({e.GetType().Name}: {e.Message}). Build again with -v:diag for details, and report it.");
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }

        return !Log.HasLoggedErrors;
    }

    private async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
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

        using var registries = RegistryClientFactory.ForConnection(
            new RegistryConnectionOptions { InsecureRegistries = InsecureRegistries, CaFile = string.IsNullOrWhiteSpace(RegistryCaFile) ? null : RegistryCaFile },
            ProcessEnvironmentVariables.Instance,
            loggerFactory);
        var result = await new RegistryPusher(registries, loggerFactory)
            .PushAsync(source, destination, new PushOptions { Tags = tags }, cancellationToken)
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
