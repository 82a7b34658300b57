using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Tests.Registry;

/// <summary>
/// An image held in memory and readable as an <see cref="IImageSource"/>: one manifest per platform (random layers,
/// a real config) and, for several platforms, an index. Manifests are written with spaces and newlines on purpose,
/// so any re-serialisation on the way would change their digests.
/// </summary>
internal sealed class MemoryImage : IImageSource
{
    private readonly Dictionary<Digest, byte[]> _content = [];

    private MemoryImage()
    {
    }

    public Descriptor Root { get; private set; } = null!;

    public List<Descriptor> Manifests { get; } = [];

    public List<Descriptor> Blobs { get; } = [];

    public string DisplayName => "memory:image";

    public byte[] this[Digest digest] => _content[digest];

    public static MemoryImage Create(int layers = 3, int layerSize = 4096, string seed = "a", params Platform[] platforms)
        => CreateWithLayerType(MediaTypes.OciLayerGzip, layers, layerSize, seed, platforms);

    /// <summary>As <see cref="Create"/>, with layers of another media type (the bytes stay random).</summary>
    public static MemoryImage CreateWithLayerType(string layerMediaType, int layers = 3, int layerSize = 4096, string seed = "a", params Platform[] platforms)
    {
        var image = new MemoryImage();
        var targets = platforms.Length == 0 ? [Platform.LinuxAmd64] : platforms;
        var random = new Random(seed.GetHashCode(StringComparison.Ordinal));
        foreach (var platform in targets)
        {
            var layerDescriptors = new List<Descriptor>();
            for (var i = 0; i < layers; i++)
            {
                var bytes = new byte[layerSize + i];
                random.NextBytes(bytes);
                layerDescriptors.Add(image.Add(layerMediaType, bytes));
            }

            var config = OciJson.Serialize(new ImageConfig
            {
                Os = platform.Os,
                Architecture = platform.Architecture,
                Variant = platform.Variant,
                RootFs = new RootFs { DiffIds = [.. layerDescriptors.Select(l => l.Digest)] },
            });
            var configDescriptor = image.Add(MediaTypes.OciConfig, config);
            var manifest = Loose(OciJson.Serialize(new ImageManifest { Config = configDescriptor, Layers = layerDescriptors }));
            var manifestDescriptor = Descriptor.For(MediaTypes.OciManifest, manifest);
            image._content[manifestDescriptor.Digest] = manifest;
            image.Manifests.Add(manifestDescriptor with { Platform = platform });
        }

        if (targets.Length == 1)
        {
            image.Root = image.Manifests[0] with { Platform = null };
        }
        else
        {
            var index = Loose(OciJson.Serialize(new ImageIndex { Manifests = image.Manifests }));
            image.Root = Descriptor.For(MediaTypes.OciIndex, index);
            image._content[image.Root.Digest] = index;
        }

        return image;
    }

    public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult(Root);

    public Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => _content.TryGetValue(descriptor.Digest, out var bytes)
            ? Task.FromResult(bytes)
            : throw new ToolkitException(ErrorCodes.BlobNotFound, $"memory has no {descriptor.Digest}");

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => _content.TryGetValue(descriptor.Digest, out var bytes)
            ? Task.FromResult<Stream>(new YieldingStream(bytes))
            : throw new ToolkitException(ErrorCodes.BlobNotFound, $"memory has no {descriptor.Digest}");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Descriptor Add(string mediaType, byte[] bytes)
    {
        var descriptor = Descriptor.For(mediaType, bytes);
        _content[descriptor.Digest] = bytes;
        Blobs.Add(descriptor);
        return descriptor;
    }

    private static byte[] Loose(byte[] canonical)
        => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(canonical).Replace(",\"", ",\n  \"", StringComparison.Ordinal) + "\n");
}

/// <summary>A memory stream whose async reads complete later and in small pieces, as network and file reads do, so concurrent writers interleave.</summary>
internal sealed class YieldingStream(byte[] content) : MemoryStream(content, writable: false)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 1024)], cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
