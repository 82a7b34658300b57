using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Storage;

/// <summary>
/// Opens the source or destination an <see cref="ImageLocation"/> names. Registries are reached through the
/// <see cref="IRegistryClientFactory"/> the front-end composed; without one, a registry location is refused (TK2015).
/// </summary>
public sealed class ImageLocations
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly IRegistryClientFactory? _registryClients;

    public ImageLocations(ILoggerFactory? loggerFactory = null, IRegistryClientFactory? registryClients = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _registryClients = registryClients;
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
            RegistryLocation registry => new RegistryImageSource(ClientFor(registry), registry.Reference, _loggerFactory.CreateLogger<RegistryImageSource>()),
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
            RegistryLocation registry => OpenRegistryDestination(registry, options: null),
            _ => throw new ToolkitException(ErrorCodes.UnsupportedLocation, $"'{location}' cannot be written to."),
        };
        return Task.FromResult(destination);
    }

    /// <summary>A registry destination with upload and mount options (see <see cref="RegistryDestinationOptions"/>).</summary>
    public IImageDestination OpenRegistryDestination(RegistryLocation location, RegistryDestinationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new RegistryImageDestination(ClientFor(location), location.Reference, options, _loggerFactory.CreateLogger<RegistryImageDestination>());
    }

    private IRegistryClient ClientFor(RegistryLocation location)
        => _registryClients?.Create(location.Reference.Registry) ?? throw RegistryNotYet(location);

    private static ToolkitException RegistryNotYet(RegistryLocation registry)
        => new(
            ErrorCodes.UnsupportedLocation,
            $"'{registry.Reference}' is a registry reference; registries come with the registry client and are not supported here yet. "
            + "Use oci:<dir>, oci-archive:<file> or docker-archive:<file> for now.");
}
