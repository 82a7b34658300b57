using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Build;

/// <summary>Reads what an image is without changing it: root, platforms, configs and layers.</summary>
public sealed class ImageInspector(ILoggerFactory? loggerFactory = null, IRegistryClientFactory? registryClients = null)
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;

    public async Task<ImageInspection> InspectAsync(ImageLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location is ScratchLocation)
        {
            throw new ToolkitException(ErrorCodes.UnsupportedLocation, "'scratch' is an empty base, not an image to inspect.");
        }

        var source = await new ImageLocations(_loggerFactory, registryClients).OpenSourceAsync(location, cancellationToken).ConfigureAwait(false);
        await using var sourceScope = source.ConfigureAwait(false);
        var root = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var rootBytes = await source.ReadContentAsync(root, cancellationToken).ConfigureAwait(false);
        var platforms = new List<PlatformInspection>();
        IReadOnlyDictionary<string, string> annotations;
        if (MediaTypes.IsIndex(root.MediaType))
        {
            var index = OciJson.ParseIndex(rootBytes);
            annotations = index.Annotations ?? [];
            foreach (var entry in index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType)))
            {
                var manifestBytes = await source.ReadContentAsync(entry, cancellationToken).ConfigureAwait(false);
                platforms.Add(await InspectManifestAsync(source, entry, manifestBytes, cancellationToken).ConfigureAwait(false));
            }
        }
        else
        {
            var platform = await InspectManifestAsync(source, root, rootBytes, cancellationToken).ConfigureAwait(false);
            annotations = platform.Annotations;
            platforms.Add(platform);
        }

        return new ImageInspection(location.ToString(), root, annotations, platforms);
    }

    private static async Task<PlatformInspection> InspectManifestAsync(IImageSource source, Descriptor descriptor, byte[] bytes, CancellationToken cancellationToken)
    {
        var manifest = OciJson.ParseManifest(bytes);
        var config = MediaTypes.IsConfig(manifest.Config.MediaType)
            ? OciJson.ParseConfig(await source.ReadContentAsync(manifest.Config, cancellationToken).ConfigureAwait(false))
            : new ImageConfig { Os = "unknown", Architecture = "unknown" };
        return new PlatformInspection(
            descriptor.Platform ?? config.Platform,
            descriptor,
            manifest.Config,
            config,
            manifest.Layers,
            manifest.Annotations ?? []);
    }
}
