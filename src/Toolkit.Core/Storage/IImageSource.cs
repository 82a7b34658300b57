using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Somewhere images are read from: an OCI layout, an OCI or docker archive (and a registry, later).
/// Everything read is verified against its digest; manifests come back as the exact bytes stored.
/// </summary>
public interface IImageSource : IAsyncDisposable
{
    /// <summary>A human-readable name of the location, for messages (never contains credentials).</summary>
    string DisplayName { get; }

    /// <summary>The descriptor of the manifest or index the location's reference (tag or digest) names.</summary>
    Task<Descriptor> ResolveAsync(CancellationToken cancellationToken);

    /// <summary>The exact bytes of a manifest, index or config, verified against the descriptor.</summary>
    Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken);

    /// <summary>A stream of a blob that fails with TK2008 at the end if the bytes do not match the descriptor.</summary>
    Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken);
}

/// <summary>Somewhere images are written to. Blobs first, then manifests, then <see cref="CommitAsync"/>.</summary>
public interface IImageDestination : IAsyncDisposable
{
    string DisplayName { get; }

    Task<bool> HasBlobAsync(Descriptor descriptor, CancellationToken cancellationToken);

    /// <summary>Stores a blob; the content is verified against the descriptor before it becomes visible.</summary>
    Task PutBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken);

    /// <summary>Stores a manifest, index or config, exactly as given.</summary>
    Task PutContentAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="root"/> the image of the location, with the given tags, and finishes writing.</summary>
    Task CommitAsync(Descriptor root, IReadOnlyList<string> tags, CancellationToken cancellationToken);
}
