using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Registry;

/// <summary>Options of <see cref="RegistryImageDestination"/>.</summary>
public sealed record RegistryDestinationOptions
{
    /// <summary>How blobs are uploaded.</summary>
    public BlobUploadOptions Upload { get; init; } = new();

    /// <summary>
    /// Another repository of the same registry that may hold the blobs (the source of a copy): a blob the destination
    /// lacks is mounted from there before it is uploaded.
    /// </summary>
    public string? MountFrom { get; init; }

    /// <summary>
    /// How often a manifest PUT refused with <c>MANIFEST_BLOB_UNKNOWN</c> or <c>BLOB_UNKNOWN</c> is sent again, when a
    /// <c>HEAD</c> shows every blob it names is there (default 4). A registry can refuse a manifest while it still commits the
    /// same blobs for another pusher; the PUT is idempotent.
    /// </summary>
    public int ManifestBlobUnknownRetries { get; init; } = 4;

    /// <summary>The first wait before such a retry (default 100 ms); it doubles with each retry.</summary>
    public TimeSpan ManifestBlobUnknownDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The clock the retry waits run on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Writes an image to a registry repository. Blobs are uploaded as they come (after a <c>HEAD</c>, and a mount when
/// <see cref="RegistryDestinationOptions.MountFrom"/> names a repository); manifests and indexes are remembered and
/// pushed by digest on <see cref="CommitAsync"/> in dependency order: a manifest only once every blob it names is
/// confirmed at the registry, an index only once its children are; tags are applied last. So a push that fails half
/// way never leaves a manifest whose content is missing.
/// </summary>
public sealed class RegistryImageDestination : IImageDestination
{
    private readonly IRegistryClient _client;
    private readonly RegistryDestinationOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Digest, bool> _confirmed = new();
    private readonly ConcurrentDictionary<Digest, bool> _mounted = new();
    private readonly ConcurrentDictionary<Digest, byte[]> _manifestContent = new();
    private readonly List<Descriptor> _pending = [];
    private readonly Lock _pendingLock = new();

    public RegistryImageDestination(IRegistryClient client, ImageReference reference, RegistryDestinationOptions? options = null, ILogger<RegistryImageDestination>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        _client = client;
        Reference = reference;
        _options = options ?? new RegistryDestinationOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.ManifestBlobUnknownRetries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ManifestBlobUnknownDelay, TimeSpan.Zero, nameof(options));
        _logger = logger ?? NullLogger<RegistryImageDestination>.Instance;
    }

    public string DisplayName => Reference.ToString();

    public ImageReference Reference { get; }

    private string Repository => Reference.Repository;

    /// <summary>Whether <paramref name="digest"/> came to the repository by a cross-repository mount during this push.</summary>
    public bool WasMounted(Digest digest) => _mounted.ContainsKey(digest);

    public async Task<bool> HasBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_confirmed.ContainsKey(descriptor.Digest))
        {
            return true;
        }

        if (ManifestPut.IsManifestOrIndex(descriptor.MediaType))
        {
            lock (_pendingLock)
            {
                if (_pending.Any(d => d.Digest == descriptor.Digest))
                {
                    return true;
                }
            }

            if (await _client.HeadManifestAsync(Repository, descriptor.Digest.ToString(), RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false) is not null)
            {
                _confirmed.TryAdd(descriptor.Digest, true);
                return true;
            }

            return false;
        }

        if (await _client.HeadBlobAsync(Repository, descriptor.Digest, cancellationToken).ConfigureAwait(false) is not null)
        {
            _confirmed.TryAdd(descriptor.Digest, true);
            return true;
        }

        if (_options.MountFrom is { } from && from != Repository
            && await _client.TryMountBlobAsync(Repository, descriptor.Digest, from, cancellationToken).ConfigureAwait(false))
        {
            _logger.LogDebug("Mounted {Digest} into {Repository} from {From}", descriptor.Digest, Repository, from);
            _mounted.TryAdd(descriptor.Digest, true);
            _confirmed.TryAdd(descriptor.Digest, true);
            return true;
        }

        return false;
    }

    public async Task PutBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        await _client.PushBlobAsync(Repository, descriptor, content, _options.Upload, progress: null, cancellationToken).ConfigureAwait(false);
        _confirmed.TryAdd(descriptor.Digest, true);
        _logger.LogDebug("Uploaded {Digest} ({Size} bytes) to {Repository}", descriptor.Digest, descriptor.Size, Repository);
    }

    public async Task PutContentAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (content.Length != descriptor.Size || !descriptor.Digest.Matches(content.Span))
        {
            throw new ToolkitException(
                ErrorCodes.DigestMismatch,
                $"The content given for {descriptor.Digest} ({content.Length} bytes) does not match it ({descriptor.Size} bytes expected); it is not pushed to {DisplayName}.");
        }

        if (!ManifestPut.IsManifestOrIndex(descriptor.MediaType))
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            await PutBlobAsync(descriptor, stream, cancellationToken).ConfigureAwait(false);
            return;
        }

        _ = ManifestPut.Children(descriptor, content.Span); // a manifest that does not parse is refused now, not at commit
        if (_manifestContent.TryAdd(descriptor.Digest, content.ToArray()))
        {
            lock (_pendingLock)
            {
                _pending.Add(descriptor);
            }
        }
    }

    public async Task CommitAsync(Descriptor root, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tags);
        if (Reference.Digest is { } wanted && wanted != root.Digest)
        {
            throw new ToolkitException(
                ErrorCodes.PushDigestMismatch,
                $"The image is {root.Digest}, but the destination {DisplayName} names {wanted}. Push to a tag, or name the image's own digest.");
        }

        await PushPendingAsync(cancellationToken).ConfigureAwait(false);
        if (!_confirmed.ContainsKey(root.Digest)
            && await _client.HeadManifestAsync(Repository, root.Digest.ToString(), RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ToolkitException(ErrorCodes.ManifestContentMissing, $"Cannot tag {root.Digest} in {Reference.Name}: it was neither given nor found at the registry.");
        }

        var effectiveTags = tags.Count > 0 ? tags.Distinct(StringComparer.Ordinal).ToArray() : Reference.TagOrDefault is { } tag ? [tag] : [];
        foreach (var name in effectiveTags)
        {
            var current = await _client.HeadManifestAsync(Repository, name, RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false);
            if (current?.Digest == root.Digest)
            {
                _logger.LogDebug("{Repository}:{Tag} is already {Digest}", Repository, name, root.Digest);
                continue;
            }

            var content = await RootContentAsync(root, cancellationToken).ConfigureAwait(false);
            await PutManifestAsync(name, root, content, cancellationToken).ConfigureAwait(false);
        }

        _logger.LogInformation(
            "Pushed {Digest} to {Repository} as {Tags}", root.Digest, Reference.Name, effectiveTags.Length == 0 ? "(untagged)" : string.Join(", ", effectiveTags));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Pushes remembered manifests and indexes by digest, each once everything it names is at the registry.</summary>
    private async Task PushPendingAsync(CancellationToken cancellationToken)
    {
        List<Descriptor> remaining;
        lock (_pendingLock)
        {
            remaining = [.. _pending];
        }

        while (remaining.Count > 0)
        {
            var waiting = remaining.Select(d => d.Digest).ToHashSet();
            var ready = remaining
                .Where(d => ManifestPut.Children(d, _manifestContent[d.Digest]).All(c => !waiting.Contains(c.Digest)))
                .ToList();
            if (ready.Count == 0)
            {
                throw new ToolkitException(ErrorCodes.InvalidManifest, $"The indexes given for {DisplayName} name each other in a cycle; they cannot be pushed.");
            }

            foreach (var descriptor in ready)
            {
                await PushManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
                remaining.Remove(descriptor);
            }
        }

        lock (_pendingLock)
        {
            _pending.Clear();
        }
    }

    private async Task PushManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var content = _manifestContent[descriptor.Digest];
        foreach (var child in ManifestPut.Children(descriptor, content))
        {
            if (child.Urls is { Count: > 0 } || await HasBlobAsync(child, cancellationToken).ConfigureAwait(false))
            {
                continue; // foreign layers live at their URLs, not in the registry
            }

            throw new ToolkitException(
                ErrorCodes.ManifestContentMissing,
                $"{descriptor.Digest} names {child.Digest} ({child.MediaType}), which {Reference.Name} does not have, so it was not pushed. "
                + "Push again once the source has all its content; what is already at the registry is skipped.");
        }

        await PutManifestAsync(descriptor.Digest.ToString(), descriptor, content, cancellationToken).ConfigureAwait(false);
        _confirmed.TryAdd(descriptor.Digest, true);
        _logger.LogDebug("Pushed manifest {Digest} ({MediaType}) to {Repository}", descriptor.Digest, descriptor.MediaType, Repository);
    }

    private Task<ManifestPutResult> PutManifestAsync(string reference, Descriptor descriptor, byte[] content, CancellationToken cancellationToken)
        => ManifestPut.PutConfirmingChildrenAsync(
            _client,
            Repository,
            Reference.Name,
            reference,
            descriptor,
            content,
            new ManifestPut.Retry(_options.ManifestBlobUnknownRetries, _options.ManifestBlobUnknownDelay, _options.TimeProvider),
            _logger,
            cancellationToken);

    private async Task<byte[]> RootContentAsync(Descriptor root, CancellationToken cancellationToken)
    {
        if (_manifestContent.TryGetValue(root.Digest, out var content))
        {
            return content;
        }

        var manifest = await _client.GetManifestAsync(Repository, root.Digest.ToString(), RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false);
        if (manifest is null || manifest.Content.Length != root.Size || !root.Digest.Matches(manifest.Content))
        {
            throw new ToolkitException(ErrorCodes.DigestMismatch, $"The registry did not return {root.Digest} of {Reference.Name} intact, so it cannot be tagged.");
        }

        _manifestContent.TryAdd(root.Digest, manifest.Content);
        return manifest.Content;
    }
}
