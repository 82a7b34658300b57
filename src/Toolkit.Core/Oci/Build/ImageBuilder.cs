using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci.Layers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Oci.Build;

/// <summary>
/// Builds an image: base + new layers + config edits, one manifest per platform (an OCI index for
/// several), written to an OCI layout or an archive. No daemon; the same request always gives the
/// same digest, because every byte written derives from the inputs and the request's timestamp.
/// </summary>
public sealed class ImageBuilder(ILoggerFactory? loggerFactory = null, IRegistryClientFactory? registryClients = null)
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ImageBuilder>();

    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateLayerSources(request);
        if (request.Output is ScratchLocation or RegistryLocation)
        {
            throw new ToolkitException(
                ErrorCodes.UnsupportedLocation,
                $"'{request.Output}' cannot be an output of 'image build'; write to oci:<dir>[:<tag>], oci-archive:<file> or docker-archive:<file>, then copy to a registry with 'image push'.");
        }

        var baseImage = await BaseImage.OpenAsync(request.BaseImage, _loggerFactory, registryClients, cancellationToken).ConfigureAwait(false);
        await using var baseImageScope = baseImage.ConfigureAwait(false);
        var targets = ChooseTargets(request, baseImage);

        using var workspace = BuildWorkspace.For(request.Output, _loggerFactory);
        var store = workspace.Store;
        var sharedLayers = new Dictionary<LayerSpec, BuiltLayer>();
        var platforms = new List<BuiltPlatformImage>();
        foreach (var (platform, baseManifest, platformLayers) in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            platforms.Add(await BuildPlatformAsync(request, baseImage, store, platform, baseManifest, platformLayers, sharedLayers, cancellationToken).ConfigureAwait(false));
        }

        var annotations = ManifestAnnotations(request, baseImage.RootDescriptor, baseImage.Name);
        Descriptor root;
        if (platforms.Count == 1)
        {
            root = platforms[0].Manifest;
        }
        else
        {
            var index = new ImageIndex
            {
                Manifests = [.. platforms.Select(p => p.Manifest with { Platform = p.Platform })],
                Annotations = annotations.Count == 0 ? null : annotations,
            };
            var bytes = OciJson.Serialize(index);
            root = Descriptor.For(MediaTypes.OciIndex, bytes);
            await store.WriteAsync(root, bytes, cancellationToken).ConfigureAwait(false);
        }

        var tags = request.Tags.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).ToArray();
        await WriteOutputAsync(request.Output, store, root, platforms, tags, _loggerFactory, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Wrote {Output} {Digest}", request.Output, root.Digest);
        return new BuiltImage(root, platforms, request.Output, tags, request.Timestamp);
    }

    private async Task<BuiltPlatformImage> BuildPlatformAsync(
        ImageBuildRequest request,
        BaseImage baseImage,
        ContentStore store,
        Platform platform,
        BasePlatformImage? baseManifest,
        IReadOnlyList<LayerSpec> platformLayers,
        Dictionary<LayerSpec, BuiltLayer> sharedLayers,
        CancellationToken cancellationToken)
    {
        // Base layers keep their bytes; Docker media types become their OCI equal, as an OCI manifest may not mix them.
        var baseLayers = new List<Descriptor>();
        foreach (var layer in baseManifest?.Manifest.Layers ?? [])
        {
            if (!await store.ContainsAsync(layer, cancellationToken).ConfigureAwait(false))
            {
                var content = await baseImage.Source!.OpenBlobAsync(layer, cancellationToken).ConfigureAwait(false);
                await using (content.ConfigureAwait(false))
                {
                    await store.WriteAsync(layer, content, cancellationToken).ConfigureAwait(false);
                }
            }

            baseLayers.Add(ToOciLayer(layer));
        }

        var newLayers = new List<BuiltLayer>();
        var history = new List<(Digest, string)>();
        foreach (var spec in request.Layers.Concat(platformLayers))
        {
            if (!sharedLayers.TryGetValue(spec, out var built))
            {
                built = await BuildLayerAsync(request, store, spec, cancellationToken).ConfigureAwait(false);
                if (request.Layers.Contains(spec))
                {
                    sharedLayers[spec] = built; // a layer common to all platforms is built once
                }
            }

            newLayers.Add(built);
            history.Add((built.DiffId, $"dotnet-toolkit: add {string.Join(' ', spec.Sources.Select(s => s.PathInImage))}"));
        }

        var baseConfig = baseManifest?.Config ?? new ImageConfig
        {
            Os = platform.Os,
            Architecture = platform.Architecture,
            Variant = platform.Variant,
            OsVersion = platform.OsVersion,
        };

        var labels = MetadataLabels(request, baseManifest?.Descriptor, baseImage.Name);
        foreach (var (key, value) in request.Config.Labels)
        {
            labels[key] = value;
        }

        var config = ImageConfigEditor.Apply(
            baseConfig,
            request.Config,
            labels,
            history,
            request.Timestamp.Rfc3339);
        var configBytes = OciJson.Serialize(config);
        var configDescriptor = Descriptor.For(MediaTypes.OciConfig, configBytes);
        await store.WriteAsync(configDescriptor, configBytes, cancellationToken).ConfigureAwait(false);

        var annotations = ManifestAnnotations(request, baseManifest?.Descriptor, baseImage.Name);
        var manifest = new ImageManifest
        {
            Config = configDescriptor,
            Layers = [.. baseLayers, .. newLayers.Select(l => l.Descriptor)],
            Annotations = annotations.Count == 0 ? null : annotations,
        };
        var manifestBytes = OciJson.Serialize(manifest);
        var manifestDescriptor = Descriptor.For(MediaTypes.OciManifest, manifestBytes);
        await store.WriteAsync(manifestDescriptor, manifestBytes, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("{Platform}: manifest {Digest}, {Count} layers ({New} new)", platform, manifestDescriptor.Digest, manifest.Layers.Count, newLayers.Count);
        return new BuiltPlatformImage(platform, manifestDescriptor, configDescriptor, manifest.Layers, newLayers);
    }

    private async Task<BuiltLayer> BuildLayerAsync(ImageBuildRequest request, ContentStore store, LayerSpec spec, CancellationToken cancellationToken)
    {
        var options = new LayerOptions
        {
            Compression = request.Compression,
            CompressionLevel = request.CompressionLevel,
            Timestamp = request.Timestamp.Value,
            Uid = request.Uid,
            Gid = request.Gid,
            MaxDegreeOfParallelism = request.MaxDegreeOfParallelism,
        };
        var builder = new LayerBuilder(_loggerFactory.CreateLogger<LayerBuilder>());
        var plan = builder.Plan(spec.Sources, options, cancellationToken);
        var cache = request.LayerCacheDirectory is { Length: > 0 } directory ? new LayerCache(directory, _loggerFactory.CreateLogger<LayerCache>()) : null;
        var key = cache is null ? null : await cache.KeyOfAsync(plan, cancellationToken).ConfigureAwait(false);
        if (cache is not null && key is not null
            && await cache.TryRestoreAsync(key, store, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            _logger.LogInformation(
                "Layer {Digest} from {Sources}: unchanged, reused ({Entries} entries)",
                cached.Descriptor.Digest, string.Join(", ", spec.Sources.Select(s => s.PathInImage)), cached.EntryCount);
            return cached;
        }

        var writer = store.BeginWrite();
        await using var writerScope = writer.ConfigureAwait(false);
        var built = await builder.WriteAsync(plan, writer.Content, cancellationToken).ConfigureAwait(false);
        await writer.CommitAsync(built.Descriptor, cancellationToken).ConfigureAwait(false);
        if (cache is not null && key is not null)
        {
            await cache.SetAsync(key, built, store, cancellationToken).ConfigureAwait(false);
        }

        _logger.LogInformation(
            "Layer {Digest} from {Sources}: {Entries} entries, {Size} bytes ({Uncompressed} uncompressed)",
            built.Descriptor.Digest, string.Join(", ", spec.Sources.Select(s => s.PathInImage)), built.EntryCount, built.Descriptor.Size, built.UncompressedSize);
        return built;
    }

    private static async Task WriteOutputAsync(
        ImageLocation output,
        ContentStore store,
        Descriptor root,
        List<BuiltPlatformImage> platforms,
        IReadOnlyList<string> tags,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var destination = await new ImageLocations(loggerFactory).OpenDestinationAsync(output, cancellationToken).ConfigureAwait(false);
        await using var destinationScope = destination.ConfigureAwait(false);
        foreach (var platform in platforms)
        {
            foreach (var blob in platform.Layers.Append(platform.Config))
            {
                if (!await destination.HasBlobAsync(blob, cancellationToken).ConfigureAwait(false))
                {
                    var content = await store.OpenReadAsync(blob, cancellationToken).ConfigureAwait(false);
                    await using (content.ConfigureAwait(false))
                    {
                        await destination.PutBlobAsync(blob, content, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await destination.PutContentAsync(platform.Manifest, await store.ReadAllBytesAsync(platform.Manifest, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        if (platforms.Count > 1)
        {
            await destination.PutContentAsync(root, await store.ReadAllBytesAsync(root, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        await destination.CommitAsync(root, tags, cancellationToken).ConfigureAwait(false);
    }

    private static List<(Platform Platform, BasePlatformImage? Base, IReadOnlyList<LayerSpec> Layers)> ChooseTargets(ImageBuildRequest request, BaseImage baseImage)
    {
        var wanted = request.Platforms.Count > 0
            ? request.Platforms
            : baseImage.Platforms.Count == 1 && !baseImage.IsIndex
                ? [new PlatformLayers(baseImage.Platforms[0].Platform, [])]
                : [new PlatformLayers(HostPlatform(), [])];

        var targets = new List<(Platform, BasePlatformImage?, IReadOnlyList<LayerSpec>)>();
        foreach (var target in wanted)
        {
            if (baseImage.IsScratch)
            {
                targets.Add((target.Platform, null, target.Layers));
                continue;
            }

            var match = baseImage.Platforms.FirstOrDefault(p => p.Platform == target.Platform)
                ?? baseImage.Platforms.FirstOrDefault(p => p.Platform.Satisfies(target.Platform))
                ?? throw new ToolkitException(
                    ErrorCodes.PlatformNotFound,
                    $"The base image {baseImage.Name ?? request.BaseImage.ToString()} has no {target.Platform} image; it has {string.Join(", ", baseImage.Platforms.Select(p => p.Platform))}. Choose one of those with --platform.");
            targets.Add((match.Platform, match, target.Layers));
        }

        return targets;
    }

    private static Platform HostPlatform() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => Platform.LinuxArm64,
        Architecture.Arm => new Platform("linux", "arm") { Variant = "v7" },
        _ => Platform.LinuxAmd64,
    };

    private static void ValidateLayerSources(ImageBuildRequest request)
    {
        foreach (var source in request.Layers.Concat(request.Platforms.SelectMany(p => p.Layers)).SelectMany(l => l.Sources))
        {
            if (!Directory.Exists(source.SourceDirectory))
            {
                throw new ToolkitException(
                    ErrorCodes.LayerSourceMissing,
                    $"The layer folder '{source.SourceDirectory}' does not exist. Publish the app first (dotnet publish -o <dir>) or correct the path.");
            }
        }
    }

    private static SortedDictionary<string, string> MetadataLabels(ImageBuildRequest request, Descriptor? baseDescriptor, string? baseName)
    {
        var metadata = request.Metadata;
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (metadata.IncludeCreated)
        {
            labels[AnnotationKeys.Created] = request.Timestamp.Rfc3339;
        }

        AddIfSet(labels, AnnotationKeys.Source, metadata.Source);
        AddIfSet(labels, AnnotationKeys.Revision, metadata.Revision);
        AddIfSet(labels, AnnotationKeys.Version, metadata.Version);
        AddIfSet(labels, AnnotationKeys.BaseName, metadata.BaseName ?? baseName);
        AddIfSet(labels, AnnotationKeys.BaseDigest, baseDescriptor?.Digest.ToString());
        return labels;
    }

    private static SortedDictionary<string, string> ManifestAnnotations(ImageBuildRequest request, Descriptor? baseDescriptor, string? baseName)
    {
        var annotations = MetadataLabels(request, baseDescriptor, baseName);
        foreach (var (key, value) in request.Metadata.Annotations)
        {
            annotations[key] = value;
        }

        return annotations;
    }

    private static void AddIfSet(SortedDictionary<string, string> map, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            map[key] = value;
        }
    }

    private static Descriptor ToOciLayer(Descriptor layer) => layer.MediaType switch
    {
        MediaTypes.DockerLayerGzip => layer with { MediaType = MediaTypes.OciLayerGzip },
        MediaTypes.DockerLayerTar => layer with { MediaType = MediaTypes.OciLayer },
        MediaTypes.DockerLayerForeignGzip => layer with { MediaType = MediaTypes.OciLayerNondistributableGzip },
        _ => layer,
    };
}
