using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>Options of <see cref="ImageCopier"/>.</summary>
public sealed record ImageCopyOptions
{
    /// <summary>When the source is an index, copy only the manifest for this platform and make it the image.</summary>
    public Platform? Platform { get; init; }

    /// <summary>
    /// Copy what the source has and leave out blobs it lacks (an incomplete layout, foreign layers) instead of failing.
    /// Manifests and indexes are never left out.
    /// </summary>
    public bool SkipMissingBlobs { get; init; }
}

/// <summary>
/// Copies an image between any two locations without changing a byte: it walks index, manifests, configs and
/// layers, copies the blobs the destination lacks, writes manifests and indexes exactly as read, and commits last.
/// </summary>
public sealed class ImageCopier
{
    private readonly ILogger<ImageCopier> _logger;

    public ImageCopier(ILogger<ImageCopier>? logger = null)
    {
        _logger = logger ?? NullLogger<ImageCopier>.Instance;
    }

    /// <summary>Copies the image and returns the descriptor committed at the destination.</summary>
    public Task<Descriptor> CopyAsync(IImageSource source, IImageDestination destination, IReadOnlyList<string> tags, CancellationToken cancellationToken)
        => CopyAsync(source, destination, tags, new ImageCopyOptions(), cancellationToken);

    public async Task<Descriptor> CopyAsync(
        IImageSource source, IImageDestination destination, IReadOnlyList<string> tags, ImageCopyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(options);

        var root = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (options.Platform is not null && MediaTypes.IsIndex(root.MediaType))
        {
            root = await SelectPlatformAsync(source, root, options.Platform, cancellationToken).ConfigureAwait(false);
        }

        _logger.LogInformation("Copying {Digest} from {Source} to {Destination}", root.Digest, source.DisplayName, destination.DisplayName);
        await CopyNodeAsync(source, destination, root, options, depth: 0, cancellationToken).ConfigureAwait(false);
        await destination.CommitAsync(root, tags, cancellationToken).ConfigureAwait(false);
        return root;
    }

    private async Task CopyNodeAsync(
        IImageSource source, IImageDestination destination, Descriptor descriptor, ImageCopyOptions options, int depth, CancellationToken cancellationToken)
    {
        if (depth > 8)
        {
            throw new ToolkitException(ErrorCodes.InvalidManifest, $"{source.DisplayName} nests indexes more than 8 deep.");
        }

        var content = await source.ReadContentAsync(descriptor, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var index = OciJson.ParseIndex(content);
            foreach (var child in index.Manifests)
            {
                await CopyNodeAsync(source, destination, child, options, depth + 1, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            var manifest = OciJson.ParseManifest(content);
            await CopyBlobAsync(source, destination, manifest.Config, options, cancellationToken).ConfigureAwait(false);
            foreach (var layer in manifest.Layers)
            {
                await CopyBlobAsync(source, destination, layer, options, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            throw new ToolkitException(
                ErrorCodes.UnsupportedMediaType,
                $"{descriptor.Digest} in {source.DisplayName} has media type '{descriptor.MediaType}', which is neither an image manifest nor an index.");
        }

        if (!await destination.HasBlobAsync(descriptor, cancellationToken).ConfigureAwait(false))
        {
            await destination.PutContentAsync(descriptor, content, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CopyBlobAsync(
        IImageSource source, IImageDestination destination, Descriptor blob, ImageCopyOptions options, CancellationToken cancellationToken)
    {
        if (await destination.HasBlobAsync(blob, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogDebug("{Digest} is already at {Destination}", blob.Digest, destination.DisplayName);
            return;
        }

        Stream stream;
        try
        {
            stream = await source.OpenBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException e) when (options.SkipMissingBlobs && e.ErrorCode == ErrorCodes.BlobNotFound)
        {
            _logger.LogWarning("Leaving out {Digest} ({MediaType}): {Source} does not have it", blob.Digest, blob.MediaType, source.DisplayName);
            return;
        }

        await using (stream.ConfigureAwait(false))
        {
            await destination.PutBlobAsync(blob, stream, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Descriptor> SelectPlatformAsync(IImageSource source, Descriptor root, Platform platform, CancellationToken cancellationToken)
    {
        var index = OciJson.ParseIndex(await source.ReadContentAsync(root, cancellationToken).ConfigureAwait(false));
        return index.Manifests.FirstOrDefault(d => MediaTypes.IsManifest(d.MediaType) && d.Platform is not null && d.Platform.Satisfies(platform))
            ?? throw new ToolkitException(
                ErrorCodes.PlatformNotFound,
                $"{source.DisplayName} has no image for {platform}. It has: {string.Join(", ", index.Manifests.Select(d => d.Platform?.ToString() ?? "(no platform)"))}.");
    }
}
