using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Registry;

/// <summary>
/// An image in a registry, read through an <see cref="IRegistryClient"/>. Manifests and indexes come back as the exact
/// bytes the registry sent, after checking them against their digest (and against the reference's digest when the
/// reference names one); blobs are streamed through a check that fails with TK2008 at the end on a mismatch.
/// </summary>
public sealed class RegistryImageSource : IImageSource
{
    /// <summary>Manifests larger than this are refused: the distribution spec lets registries stop at 4 MiB.</summary>
    internal const int MaxManifestSize = 4 * 1024 * 1024;

    /// <summary>Configs (read whole into memory) larger than this are refused.</summary>
    internal const int MaxConfigSize = 16 * 1024 * 1024;

    private readonly IRegistryClient _client;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Digest, byte[]> _manifests = new();

    public RegistryImageSource(IRegistryClient client, ImageReference reference, ILogger<RegistryImageSource>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        _client = client;
        Reference = reference;
        _logger = logger ?? NullLogger<RegistryImageSource>.Instance;
    }

    public string DisplayName => Reference.ToString();

    public ImageReference Reference { get; }

    public async Task<Descriptor> ResolveAsync(CancellationToken cancellationToken)
    {
        var manifest = await _client.GetManifestAsync(Reference.Repository, Reference.Reference, RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(ErrorCodes.ImageNotFound, $"{DisplayName} does not exist: the registry has no manifest at '{Reference.Reference}'. Check the repository and tag.");

        var content = manifest.Content;
        CheckManifestSize(content.Length, manifest.Descriptor.Digest);
        var algorithm = Reference.Digest?.Algorithm ?? manifest.Descriptor.Digest.Algorithm;
        var actual = Digest.Compute(content, algorithm);
        if (Reference.Digest is { } wanted && actual != wanted)
        {
            throw new ToolkitException(
                ErrorCodes.DigestMismatch,
                $"The registry answered {DisplayName} with a manifest whose digest is {actual}, not {wanted}. The registry or something between it and us changed the content; do not use it.");
        }

        if (manifest.Descriptor.Digest.Algorithm == algorithm && manifest.Descriptor.Digest != actual)
        {
            throw new ToolkitException(
                ErrorCodes.DigestMismatch,
                $"The registry says the manifest of {DisplayName} is {manifest.Descriptor.Digest}, but its bytes hash to {actual}. The content was changed on the way; do not use it.");
        }

        var mediaType = OciJson.DetectManifestMediaType(content);
        if (!MediaTypes.IsManifest(mediaType) && !MediaTypes.IsIndex(mediaType))
        {
            throw new ToolkitException(ErrorCodes.UnsupportedMediaType, $"{DisplayName} is a '{mediaType}', not an image manifest or index.");
        }

        var root = new Descriptor(mediaType, actual, content.Length) { ArtifactType = manifest.Descriptor.ArtifactType };
        _manifests.TryAdd(actual, content);
        _logger.LogDebug("Resolved {Reference} to {Digest} ({MediaType})", DisplayName, actual, mediaType);
        return root;
    }

    public async Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (MediaTypes.IsManifest(descriptor.MediaType) || MediaTypes.IsIndex(descriptor.MediaType))
        {
            return await ReadManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
        }

        if (descriptor.Size > MaxConfigSize)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidManifest,
                $"{descriptor.Digest} in {DisplayName} is {descriptor.Size} bytes, more than the {MaxConfigSize} read whole into memory; it is not a config.");
        }

        var stream = await OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream((int)descriptor.Size);
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    public async Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var stream = await _client.GetBlobAsync(Reference.Repository, descriptor, cancellationToken).ConfigureAwait(false);
        return new VerifyingReadStream(stream, descriptor, $"Blob {descriptor.Digest} from {Reference.Name}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        if (_manifests.TryGetValue(descriptor.Digest, out var cached))
        {
            return cached;
        }

        CheckManifestSize(descriptor.Size, descriptor.Digest);
        var manifest = await _client.GetManifestAsync(Reference.Repository, descriptor.Digest.ToString(), RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(
                ErrorCodes.BlobNotFound,
                $"{Reference.Name} has no manifest {descriptor.Digest}, which the image names. The image in the registry is incomplete; push it again.");

        var content = manifest.Content;
        if (content.Length != descriptor.Size || !descriptor.Digest.Matches(content))
        {
            throw new ToolkitException(
                ErrorCodes.DigestMismatch,
                $"The registry answered manifest {descriptor.Digest} of {Reference.Name} with {content.Length} bytes that do not match it ({descriptor.Size} bytes expected). Do not use it.");
        }

        _manifests.TryAdd(descriptor.Digest, content);
        return content;
    }

    private void CheckManifestSize(long size, Digest digest)
    {
        if (size > MaxManifestSize)
        {
            throw new ToolkitException(ErrorCodes.InvalidManifest, $"Manifest {digest} of {DisplayName} is {size} bytes, more than the {MaxManifestSize} a manifest may have.");
        }
    }
}
