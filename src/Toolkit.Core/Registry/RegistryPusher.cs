using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Registry;

/// <summary>Options of <see cref="RegistryPusher"/>.</summary>
public sealed record PushOptions
{
    public const int DefaultParallelUploads = 4;
    public const int MaxParallelUploadsLimit = 64;
    public const int MinChunkSize = 1024 * 1024;

    /// <summary>Tags to apply at the destination; none: the destination's own tag (or none when it names a digest).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>How many blobs are uploaded at the same time (1-64); archive destinations always take one at a time.</summary>
    public int MaxParallelUploads { get; init; } = DefaultParallelUploads;

    /// <summary>How blobs are uploaded to a registry (chunk size, monolithic threshold).</summary>
    public BlobUploadOptions Upload { get; init; } = new();

    /// <summary>
    /// The manifest format to write: null keeps the source's bytes (and digests); OCI or Docker converts manifests and
    /// indexes that are in the other format (<see cref="ConvertingImageSource"/>), so their digests change.
    /// </summary>
    public ImageFormat? Format { get; init; }

    /// <summary>
    /// Told where each blob, manifest and index stands (<see cref="BlobProgress"/>). Called on the uploading threads,
    /// several at once when uploads run in parallel, in order for any one item: implementations must be thread-safe and quick.
    /// </summary>
    public IProgress<BlobProgress>? Progress { get; init; }

    /// <summary>A chunk size as people write it: bytes, or a number with K, M or G (binary: 5M is 5 MiB).</summary>
    public static int ParseChunkSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        var multiplier = value.Length == 0 ? 1L : char.ToUpperInvariant(value[^1]) switch
        {
            'K' => 1024L,
            'M' => 1024L * 1024,
            'G' => 1024L * 1024 * 1024,
            _ => 1L,
        };
        var digits = multiplier == 1 ? value : value[..^1];
        if (!long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || number * multiplier is < MinChunkSize or > int.MaxValue)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidParallelism,
                $"'{text}' is not a chunk size from 1M to 2047M; write bytes or a number with K, M or G, e.g. 8M.");
        }

        return (int)(number * multiplier);
    }
}

/// <summary>One image manifest of a pushed image, with the platform it runs on when known.</summary>
public sealed record PushedManifest(Platform? Platform, Descriptor Manifest);

/// <summary>What a push did: the image now at the destination and what it cost.</summary>
public sealed record PushResult
{
    /// <summary>The source, as given.</summary>
    public required string Source { get; init; }

    /// <summary>The destination, as given.</summary>
    public required string Destination { get; init; }

    /// <summary>The manifest or index committed at the destination; its digest is the source's unless <see cref="PushOptions.Format"/> converted it.</summary>
    public required Descriptor Root { get; init; }

    /// <summary>Tags applied at the destination.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Bytes of blobs and manifests sent (tags that only point at a pushed manifest are not counted).</summary>
    public long BytesUploaded { get; init; }

    /// <summary>Blobs the destination already had.</summary>
    public int BlobsSkipped { get; init; }

    /// <summary>Blobs mounted from another repository of the same registry.</summary>
    public int BlobsMounted { get; init; }

    /// <summary>Blobs uploaded.</summary>
    public int BlobsUploaded { get; init; }

    /// <summary>Image manifests written or found, one per platform.</summary>
    public IReadOnlyList<PushedManifest> Manifests { get; init; } = [];
}

/// <summary>
/// Copies an image from any location to any other, and to registries fast: every blob of every platform is uploaded
/// in parallel (bounded), blobs the destination has are skipped and blobs in a sibling repository are mounted; then
/// manifests and indexes go, exactly as read (digests never change) unless a format conversion was asked for,
/// children before parents; tags last.
/// </summary>
public sealed class RegistryPusher
{
    private const int MaxIndexDepth = 8;
    private const int MaxBlobReopens = 3;

    private readonly IRegistryClientFactory? _registryClients;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    public RegistryPusher(IRegistryClientFactory? registryClients = null, ILoggerFactory? loggerFactory = null)
    {
        _registryClients = registryClients;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<RegistryPusher>();
    }

    /// <summary>Opens both locations and copies the image; a registry destination in the source's registry mounts from the source's repository.</summary>
    public async Task<PushResult> PushAsync(ImageLocation source, ImageLocation destination, PushOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var locations = new ImageLocations(_loggerFactory, _registryClients);
        var from = await locations.OpenSourceAsync(source, cancellationToken).ConfigureAwait(false);
        await using var fromScope = from.ConfigureAwait(false);
        IImageDestination to;
        if (destination is RegistryLocation registry)
        {
            var mountFrom = source is RegistryLocation s && s.Reference.Registry == registry.Reference.Registry && s.Reference.Repository != registry.Reference.Repository
                ? s.Reference.Repository
                : null;
            to = locations.OpenRegistryDestination(registry, new RegistryDestinationOptions { Upload = options.Upload, MountFrom = mountFrom });
        }
        else
        {
            to = await locations.OpenDestinationAsync(destination, cancellationToken).ConfigureAwait(false);
        }

        await using var toScope = to.ConfigureAwait(false);
        return await CopyAsync(from, to, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the image <paramref name="source"/> resolves to into <paramref name="destination"/> and commits it.</summary>
    public async Task<PushResult> CopyAsync(IImageSource source, IImageDestination destination, PushOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var tags = options.Tags.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).ToArray();
        if (destination is RegistryImageDestination registryDestination)
        {
            foreach (var tag in tags)
            {
                _ = registryDestination.Reference.WithTag(tag); // TK2001 before anything is sent
            }
        }

        if (options.Format is { } format)
        {
            // Owns nothing (the caller disposes the source it gave), so it needs no disposal of its own.
            source = new ConvertingImageSource(source, format, _loggerFactory.CreateLogger<ConvertingImageSource>());
        }

        var progress = options.Progress;
        var root = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var graph = new ImageGraph();
        await graph.WalkAsync(source, root, depth: 0, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation(
            "Pushing {Digest} from {Source} to {Destination}: {Manifests} manifest(s), {Blobs} blob(s)",
            root.Digest, source.DisplayName, destination.DisplayName, graph.Nodes.Count, graph.Blobs.Count);
        if (progress is not null)
        {
            foreach (var item in graph.Blobs.Concat(graph.Nodes.Select(n => n.Descriptor)))
            {
                progress.Report(BlobProgress.Of(item, BlobTransferState.Waiting, 0));
            }
        }

        var skipped = 0;
        var mounted = 0;
        var uploaded = 0;
        long bytes = 0;
        // Archives are written as one tar stream, so only destinations that store each blob on its own take blobs in parallel.
        var concurrent = destination is RegistryImageDestination or OciLayoutDestination;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrent ? options.MaxParallelUploads : 1, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(graph.Blobs.OrderByDescending(b => b.Size), parallel, async (blob, token) =>
        {
            if (await destination.HasBlobAsync(blob, token).ConfigureAwait(false))
            {
                if (destination is RegistryImageDestination registry && registry.WasMounted(blob.Digest))
                {
                    Interlocked.Increment(ref mounted);
                    progress?.Report(BlobProgress.Of(blob, BlobTransferState.Mounted, 0));
                }
                else
                {
                    Interlocked.Increment(ref skipped);
                    progress?.Report(BlobProgress.Of(blob, BlobTransferState.Skipped, 0));
                    _logger.LogDebug("{Digest} is already at {Destination}", blob.Digest, destination.DisplayName);
                }

                return;
            }

            await PutBlobAsync(source, destination, blob, progress, token).ConfigureAwait(false);

            Interlocked.Increment(ref uploaded);
            Interlocked.Add(ref bytes, blob.Size);
            progress?.Report(BlobProgress.Of(blob, BlobTransferState.Done, blob.Size));
            _logger.LogDebug("Sent {Digest} ({Size} bytes) to {Destination}", blob.Digest, blob.Size, destination.DisplayName);
        }).ConfigureAwait(false);

        // A registry destination sends manifests when it commits, so they are reported done after that.
        var sent = new List<Descriptor>();
        foreach (var (descriptor, content) in graph.Nodes)
        {
            if (!await destination.HasBlobAsync(descriptor, cancellationToken).ConfigureAwait(false))
            {
                await destination.PutContentAsync(descriptor, content, cancellationToken).ConfigureAwait(false);
                bytes += content.Length;
                sent.Add(descriptor);
            }
            else
            {
                progress?.Report(BlobProgress.Of(descriptor, BlobTransferState.Skipped, 0));
            }
        }

        await destination.CommitAsync(root, tags, cancellationToken).ConfigureAwait(false);
        foreach (var descriptor in sent)
        {
            progress?.Report(BlobProgress.Of(descriptor, BlobTransferState.Done, descriptor.Size));
        }

        _logger.LogInformation(
            "Pushed {Digest}: {Uploaded} blob(s) uploaded, {Mounted} mounted, {Skipped} already there, {Bytes} bytes sent",
            root.Digest, uploaded, mounted, skipped, bytes);

        return new PushResult
        {
            Source = source.DisplayName,
            Destination = destination.DisplayName,
            Root = root,
            Tags = tags.Length > 0 ? tags : DestinationTags(destination),
            BytesUploaded = bytes,
            BlobsSkipped = skipped,
            BlobsMounted = mounted,
            BlobsUploaded = uploaded,
            Manifests = graph.Images,
        };
    }

    /// <summary>
    /// Sends one blob; when its upload breaks in a way only reading the source again can fix (TK1081), the blob is opened
    /// again and sent anew, a bounded number of times.
    /// </summary>
    private async Task PutBlobAsync(IImageSource source, IImageDestination destination, Descriptor blob, IProgress<BlobProgress>? progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stream = await source.OpenBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            if (progress is not null)
            {
                stream = new ProgressReadStream(stream, blob, progress);
            }

            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await destination.PutBlobAsync(blob, stream, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.BlobUploadInterrupted && attempt < MaxBlobReopens)
                {
                    _logger.LogDebug("Sending {Digest} again from the start: {Message}", blob.Digest, exception.Message);
                }
            }
        }
    }

    private static IReadOnlyList<string> DestinationTags(IImageDestination destination)
        => destination is RegistryImageDestination { Reference.TagOrDefault: { } tag } ? [tag] : [];

    private static void Validate(PushOptions options)
    {
        if (options.MaxParallelUploads is < 1 or > PushOptions.MaxParallelUploadsLimit)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidParallelism,
                $"Parallel uploads must be between 1 and {PushOptions.MaxParallelUploadsLimit}, not {options.MaxParallelUploads}.");
        }

        if (options.Upload.ChunkSize < PushOptions.MinChunkSize)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidParallelism,
                $"The upload chunk size must be at least {PushOptions.MinChunkSize} bytes (1 MiB), not {options.Upload.ChunkSize}.");
        }
    }

    /// <summary>The manifests and indexes of an image (children before parents) and the blobs they name, each once.</summary>
    private sealed class ImageGraph
    {
        private readonly HashSet<Digest> _seenNodes = [];
        private readonly HashSet<Digest> _seenBlobs = [];

        public List<(Descriptor Descriptor, byte[] Content)> Nodes { get; } = [];

        public List<Descriptor> Blobs { get; } = [];

        public List<PushedManifest> Images { get; } = [];

        public async Task WalkAsync(IImageSource source, Descriptor descriptor, int depth, CancellationToken cancellationToken)
        {
            if (depth > MaxIndexDepth)
            {
                throw new ToolkitException(ErrorCodes.InvalidManifest, $"{source.DisplayName} nests indexes more than {MaxIndexDepth} deep.");
            }

            if (!_seenNodes.Add(descriptor.Digest))
            {
                return;
            }

            var content = await source.ReadContentAsync(descriptor, cancellationToken).ConfigureAwait(false);
            if (MediaTypes.IsIndex(descriptor.MediaType))
            {
                foreach (var child in OciJson.ParseIndex(content).Manifests)
                {
                    await WalkAsync(source, child, depth + 1, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (MediaTypes.IsManifest(descriptor.MediaType))
            {
                var manifest = OciJson.ParseManifest(content);
                foreach (var blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
                {
                    if (blob.Urls is not { Count: > 0 } && _seenBlobs.Add(blob.Digest))
                    {
                        Blobs.Add(blob);
                    }
                }

                Images.Add(new PushedManifest(descriptor.Platform, descriptor with { Platform = null }));
            }
            else
            {
                throw new ToolkitException(
                    ErrorCodes.UnsupportedMediaType,
                    $"{descriptor.Digest} in {source.DisplayName} has media type '{descriptor.MediaType}', which is neither an image manifest nor an index.");
            }

            Nodes.Add((descriptor, content));
        }
    }
}
