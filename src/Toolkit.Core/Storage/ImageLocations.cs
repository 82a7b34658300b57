using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Storage;

/// <summary>Opens the source or destination an <see cref="ImageLocation"/> names.</summary>
public sealed class ImageLocations
{
    private readonly ILoggerFactory _loggerFactory;

    public ImageLocations(ILoggerFactory? loggerFactory = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public async Task<IImageSource> OpenSourceAsync(ImageLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        _loggerFactory.CreateLogger<ImageLocations>().LogDebug("Opening {Location} to read", location);
        return location switch
        {
            OciLayoutLocation oci => await OciLayoutSource.OpenAsync(oci.Path, oci.Reference, cancellationToken).ConfigureAwait(false),
            OciArchiveLocation archive => await OciLayoutSource.OpenArchiveAsync(archive.Path, archive.Reference, cancellationToken).ConfigureAwait(false),
            DockerArchiveLocation docker => await DockerArchiveSource.OpenAsync(docker.Path, docker.Reference, cancellationToken).ConfigureAwait(false),
            ScratchLocation => throw new ToolkitException(
                ErrorCodes.UnsupportedLocation,
                "'scratch' has no content to read; it is only valid as the base of an image build."),
            RegistryLocation registry => throw RegistryNotYet(registry),
            _ => throw new ToolkitException(ErrorCodes.UnsupportedLocation, $"'{location}' cannot be read."),
        };
    }

    public Task<IImageDestination> OpenDestinationAsync(ImageLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        cancellationToken.ThrowIfCancellationRequested();
        IImageDestination destination = location switch
        {
            OciLayoutLocation oci => new OciLayoutDestination(oci.Path, oci.Reference, _loggerFactory.CreateLogger<OciLayoutDestination>()),
            OciArchiveLocation archive => new OciArchiveDestination(archive.Path, archive.Reference, _loggerFactory.CreateLogger<OciArchiveDestination>()),
            DockerArchiveLocation docker => new DockerArchiveDestination(docker.Path, docker.Reference, _loggerFactory.CreateLogger<DockerArchiveDestination>()),
            ScratchLocation => throw new ToolkitException(
                ErrorCodes.UnsupportedLocation,
                "'scratch' cannot be written to; it is only valid as the base of an image build. Use oci:<dir>, oci-archive:<file> or docker-archive:<file>."),
            RegistryLocation registry => throw RegistryNotYet(registry),
            _ => throw new ToolkitException(ErrorCodes.UnsupportedLocation, $"'{location}' cannot be written to."),
        };
        return Task.FromResult(destination);
    }

    private static ToolkitException RegistryNotYet(RegistryLocation registry)
        => new(
            ErrorCodes.UnsupportedLocation,
            $"'{registry.Reference}' is a registry reference; registries come with the registry client and are not supported here yet. "
            + "Use oci:<dir>, oci-archive:<file> or docker-archive:<file> for now.");
}
