using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Reads an image from another source as if it were written in another manifest format (<see cref="ImageFormat"/>):
/// manifests and indexes come back converted by <see cref="ImageFormatConverter"/> (an index naming its children's new
/// digests), configs and layers come back unchanged. Anything a copy can do with a source, it can do with this one.
/// </summary>
/// <remarks>
/// <see cref="ResolveAsync"/> converts the whole image first, children before parents, so a conversion that is
/// refused fails before anything is written anywhere. Warnings about what was left out are logged once per document
/// with code TK2103. The inner source is not disposed: whoever opened it does that.
/// </remarks>
public sealed class ConvertingImageSource : IImageSource
{
    private const int MaxIndexDepth = 8;

    private readonly IImageSource _inner;
    private readonly ImageFormat _target;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Digest, byte[]> _converted = new();
    private readonly ConcurrentDictionary<Digest, Descriptor> _byOriginal = new();
    private readonly ConcurrentDictionary<Digest, Descriptor> _blobs = new();
    private Task<Descriptor>? _root;

    public ConvertingImageSource(IImageSource inner, ImageFormat target, ILogger<ConvertingImageSource>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _target = target;
        _logger = logger ?? NullLogger<ConvertingImageSource>.Instance;
    }

    public string DisplayName => _inner.DisplayName;

    /// <summary>The format everything read from here is in.</summary>
    public ImageFormat Format => _target;

    /// <summary>The root as the inner source has it, before conversion (set once <see cref="ResolveAsync"/> ran).</summary>
    public Descriptor? OriginalRoot { get; private set; }

    public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken)
        => _root ??= ConvertImageAsync(cancellationToken);

    public async Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        await ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (_converted.TryGetValue(descriptor.Digest, out var content))
        {
            if (content.Length != descriptor.Size)
            {
                throw new ToolkitException(
                    ErrorCodes.DigestMismatch, $"{descriptor.Digest} is {content.Length} bytes after conversion, not the {descriptor.Size} its descriptor says.");
            }

            return (byte[])content.Clone();
        }

        return await _inner.ReadContentAsync(Original(descriptor), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        await ResolveAsync(cancellationToken).ConfigureAwait(false);
        if (_converted.TryGetValue(descriptor.Digest, out var content))
        {
            return new MemoryStream(content, writable: false);
        }

        return await _inner.OpenBlobAsync(Original(descriptor), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Blobs are asked of the inner source as its manifests describe them (their media types there).</summary>
    private Descriptor Original(Descriptor descriptor) => _blobs.TryGetValue(descriptor.Digest, out var original) ? original : descriptor;

    private async Task<Descriptor> ConvertImageAsync(CancellationToken cancellationToken)
    {
        var root = await _inner.ResolveAsync(cancellationToken).ConfigureAwait(false);
        OriginalRoot = root;
        var converted = await ConvertAsync(root, depth: 0, cancellationToken).ConfigureAwait(false);
        if (converted.Digest != root.Digest)
        {
            _logger.LogInformation(
                "Converted {Source} to {Format}: {Digest} is now {Converted}", _inner.DisplayName, _target.DisplayName(), root.Digest, converted.Digest);
        }

        return converted;
    }

    private async Task<Descriptor> ConvertAsync(Descriptor descriptor, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxIndexDepth)
        {
            throw new ToolkitException(ErrorCodes.InvalidManifest, $"{_inner.DisplayName} nests indexes more than {MaxIndexDepth} deep.");
        }

        if (_byOriginal.TryGetValue(descriptor.Digest, out var done))
        {
            return descriptor with { MediaType = done.MediaType, Digest = done.Digest, Size = done.Size };
        }

        var content = await _inner.ReadContentAsync(descriptor, cancellationToken).ConfigureAwait(false);
        ConvertedDocument result;
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var children = new Dictionary<Digest, Descriptor>();
            foreach (var child in OciJson.ParseIndex(content).Manifests)
            {
                if (!ImageFormatConverter.IsLeftOut(child, _target) && !children.ContainsKey(child.Digest))
                {
                    children[child.Digest] = await ConvertAsync(child, depth + 1, cancellationToken).ConfigureAwait(false);
                }
            }

            result = ImageFormatConverter.ConvertIndex(descriptor, content, _target, children);
        }
        else if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            var manifest = OciJson.ParseManifest(content);
            foreach (var blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
            {
                _blobs.TryAdd(blob.Digest, blob);
            }

            result = ImageFormatConverter.ConvertManifest(descriptor, content, _target);
        }
        else
        {
            throw new ToolkitException(
                ErrorCodes.UnsupportedMediaType,
                $"{descriptor.Digest} in {_inner.DisplayName} has media type '{descriptor.MediaType}', which is neither an image manifest nor an index.");
        }

        if (result.LeftOut.Count > 0)
        {
            _logger.LogWarning(
                new EventId(2103, ErrorCodes.ConversionLeftOut.Code),
                "{Digest} converted to {Format} leaves out what that format cannot hold: {LeftOut}",
                descriptor.Digest,
                _target.DisplayName(),
                string.Join("; ", result.LeftOut));
        }

        _converted[result.Descriptor.Digest] = result.Content;
        _byOriginal[descriptor.Digest] = result.Descriptor;
        return result.Descriptor;
    }
}
