using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Build;

/// <summary>One platform's image in the base: its manifest descriptor, manifest and config.</summary>
internal sealed record BasePlatformImage(Platform Platform, Descriptor Descriptor, ImageManifest Manifest, ImageConfig Config);

/// <summary>The base image of a build, read once: root, and each platform's manifest and config.</summary>
internal sealed class BaseImage : IAsyncDisposable
{
    private BaseImage(IImageSource? source, Descriptor? root, bool isIndex, string? name, IReadOnlyList<BasePlatformImage> platforms)
    {
        Source = source;
        RootDescriptor = root;
        IsIndex = isIndex;
        Name = name;
        Platforms = platforms;
    }

    public IImageSource? Source { get; }

    public Descriptor? RootDescriptor { get; }

    public bool IsIndex { get; }

    public bool IsScratch => Source is null;

    /// <summary>The base's fully qualified reference when it came from a registry.</summary>
    public string? Name { get; }

    public IReadOnlyList<BasePlatformImage> Platforms { get; }

    public static async Task<BaseImage> OpenAsync(
        ImageLocation location, ILoggerFactory loggerFactory, IRegistryClientFactory? registryClients, CancellationToken cancellationToken)
    {
        if (location is ScratchLocation)
        {
            return new BaseImage(null, null, false, null, []);
        }

        var source = await new ImageLocations(loggerFactory, registryClients).OpenSourceAsync(location, cancellationToken).ConfigureAwait(false);
        try
        {
            var root = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
            var rootBytes = await source.ReadContentAsync(root, cancellationToken).ConfigureAwait(false);
            var platforms = new List<BasePlatformImage>();
            var isIndex = MediaTypes.IsIndex(root.MediaType);
            if (isIndex)
            {
                foreach (var entry in OciJson.ParseIndex(rootBytes).Manifests)
                {
                    if (!MediaTypes.IsManifest(entry.MediaType) || entry.Platform is null || entry.Platform.Os == "unknown")
                    {
                        continue; // attestations and other artifacts are not runnable images
                    }

                    platforms.Add(await ReadPlatformAsync(source, entry, await source.ReadContentAsync(entry, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));
                }
            }
            else if (MediaTypes.IsManifest(root.MediaType))
            {
                platforms.Add(await ReadPlatformAsync(source, root, rootBytes, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                throw new ToolkitException(ErrorCodes.UnsupportedMediaType, $"The base {source.DisplayName} is a '{root.MediaType}', not an image manifest or index.");
            }

            if (platforms.Count == 0)
            {
                throw new ToolkitException(ErrorCodes.BaseImageUnreadable, $"The base {source.DisplayName} is an index with no platform images.");
            }

            var name = location is RegistryLocation registry ? registry.Reference.ToString() : null;
            return new BaseImage(source, root, isIndex, name, platforms);
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<BasePlatformImage> ReadPlatformAsync(IImageSource source, Descriptor descriptor, byte[] manifestBytes, CancellationToken cancellationToken)
    {
        var manifest = OciJson.ParseManifest(manifestBytes);
        if (!MediaTypes.IsConfig(manifest.Config.MediaType))
        {
            throw new ToolkitException(ErrorCodes.UnsupportedMediaType, $"The base {source.DisplayName} manifest {descriptor.Digest} is an artifact ('{manifest.Config.MediaType}'), not a container image.");
        }

        var config = OciJson.ParseConfig(await source.ReadContentAsync(manifest.Config, cancellationToken).ConfigureAwait(false));
        return new BasePlatformImage(descriptor.Platform ?? config.Platform, descriptor with { Platform = null }, manifest, config);
    }

    public async ValueTask DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Where a build puts its blobs: the output layout itself when the output is <c>oci:</c> (so nothing
/// is copied twice), else a temporary store removed afterwards.
/// </summary>
internal sealed class BuildWorkspace : IDisposable
{
    private readonly string? _temporaryDirectory;

    private BuildWorkspace(ContentStore store, string? temporaryDirectory)
    {
        Store = store;
        _temporaryDirectory = temporaryDirectory;
    }

    public ContentStore Store { get; }

    public static BuildWorkspace For(ImageLocation output, ILoggerFactory loggerFactory)
    {
        if (output is OciLayoutLocation layout)
        {
            Directory.CreateDirectory(layout.Path);
            return new BuildWorkspace(new ContentStore(layout.Path, loggerFactory.CreateLogger<ContentStore>()), null);
        }

        var temporary = Path.Combine(Path.GetTempPath(), $"toolkit-build-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        return new BuildWorkspace(new ContentStore(temporary, loggerFactory.CreateLogger<ContentStore>()), temporary);
    }

    public void Dispose()
    {
        if (_temporaryDirectory is not null && Directory.Exists(_temporaryDirectory))
        {
            Directory.Delete(_temporaryDirectory, recursive: true);
        }
    }
}
