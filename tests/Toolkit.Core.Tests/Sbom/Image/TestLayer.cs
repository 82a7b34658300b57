using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using ZstdSharp;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// A layer written with System.Formats.Tar (pax), entry by entry, for the image catalogers' tests; <see cref="Raw"/>
/// appends hand-made blocks for hostile layers a well-behaved writer cannot produce.
/// </summary>
internal sealed class TestLayer
{
    private readonly MemoryStream _tar = new();
    private readonly TarWriter _writer;
    private bool _finished;

    public TestLayer()
    {
        _writer = new TarWriter(_tar, TarEntryFormat.Pax, leaveOpen: true);
    }

    public TestLayer File(string path, string text) => File(path, Encoding.UTF8.GetBytes(text));

    public TestLayer File(string path, byte[] content)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path)
        {
            DataStream = new MemoryStream(content),
            Mode = (UnixFileMode)0x1A4,
            ModificationTime = DateTimeOffset.UnixEpoch,
        });
        return this;
    }

    public TestLayer Directory(string path)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path) { Mode = (UnixFileMode)0x1ED, ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    public TestLayer Symlink(string path, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    public TestLayer HardLink(string path, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, path) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });
        return this;
    }

    /// <summary>An OCI whiteout: <c>.wh.&lt;name&gt;</c> next to the deleted path.</summary>
    public TestLayer Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        return File(slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..], []);
    }

    /// <summary>An OCI opaque whiteout: the directory's content in lower layers is gone.</summary>
    public TestLayer Opaque(string directory) => File(directory.TrimEnd('/') + "/.wh..wh..opq", []);

    /// <summary>Appends raw bytes (whole 512-byte blocks, normally) after what was written so far.</summary>
    public TestLayer Raw(byte[] blocks)
    {
        _tar.Write(blocks);
        return this;
    }

    /// <summary>The tar stream; unless <paramref name="endBlocks"/> is false it ends with the two zero blocks.</summary>
    public byte[] Tar(bool endBlocks = true)
    {
        if (!_finished)
        {
            _finished = true;
            if (endBlocks)
            {
                _writer.Dispose();
            }
        }

        return _tar.ToArray();
    }

    public byte[] Gzip() => Compress(Tar(), LayerCompression.Gzip);

    public byte[] Zstd() => Compress(Tar(), LayerCompression.Zstd);

    public static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        var output = new MemoryStream();
        using (Stream compressor = compression switch
        {
            LayerCompression.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            LayerCompression.Zstd => new CompressionStream(output, 3, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        })
        {
            compressor.Write(tar);
        }

        return output.ToArray();
    }

    /// <summary>
    /// One ustar header block written by hand: any name, any type, any size (GNU base-256 above 8 GiB), a valid
    /// checksum. What System.Formats.Tar would refuse or normalise is exactly what hostile layers contain.
    /// </summary>
    public static byte[] Header(string name, char type, long size, string linkName = "")
    {
        var block = new byte[512];
        Encoding.UTF8.GetBytes(name).AsSpan(0, Math.Min(100, Encoding.UTF8.GetByteCount(name))).CopyTo(block);
        Octal(block.AsSpan(100, 8), 0x1A4);
        Octal(block.AsSpan(108, 8), 0);
        Octal(block.AsSpan(116, 8), 0);
        if (size < 0x1FFFFFFFF)
        {
            Octal(block.AsSpan(124, 12), size);
        }
        else
        {
            block[124] = 0x80;
            for (var i = 0; i < 8; i++)
            {
                block[135 - i] = (byte)(size >> (8 * i));
            }
        }

        Octal(block.AsSpan(136, 12), 0);
        block[156] = (byte)type;
        Encoding.UTF8.GetBytes(linkName).CopyTo(block.AsSpan(157, 100));
        "ustar\0"u8.CopyTo(block.AsSpan(257));
        "00"u8.CopyTo(block.AsSpan(263));
        block.AsSpan(148, 8).Fill((byte)' ');
        var sum = block.Sum(b => (long)b);
        Octal(block.AsSpan(148, 7), sum);
        block[155] = (byte)' ';
        return block;
    }

    private static void Octal(Span<byte> field, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(field);
        field[^1] = 0;
    }
}

/// <summary>Writes layers as an image into an OCI layout (blobs, config with diff_ids, manifest, tag) and opens it.</summary>
internal static class TestImages
{
    public static async Task<(OciLayoutSource Source, Descriptor Manifest)> WriteLayoutAsync(string directory, params (byte[] Blob, string MediaType, byte[] Tar)[] layers)
    {
        var layerDescriptors = layers.Select(l => Descriptor.For(l.MediaType, l.Blob)).ToList();
        var config = OciJson.Serialize(new ImageConfig
        {
            RootFs = new RootFs { DiffIds = [.. layers.Select(l => Digest.Compute(l.Tar))] },
        });
        var configDescriptor = Descriptor.For(MediaTypes.OciConfig, config);
        var manifest = OciJson.Serialize(new ImageManifest { Config = configDescriptor, Layers = layerDescriptors });
        var manifestDescriptor = Descriptor.For(MediaTypes.OciManifest, manifest);
        await using (var destination = new OciLayoutDestination(directory))
        {
            for (var i = 0; i < layers.Length; i++)
            {
                await destination.PutBlobAsync(layerDescriptors[i], new MemoryStream(layers[i].Blob), CancellationToken.None);
            }

            await destination.PutContentAsync(configDescriptor, config, CancellationToken.None);
            await destination.PutContentAsync(manifestDescriptor, manifest, CancellationToken.None);
            await destination.CommitAsync(manifestDescriptor, ["1.0"], CancellationToken.None);
        }

        var source = await OciLayoutSource.OpenAsync(directory, "1.0", CancellationToken.None);
        return (source, manifestDescriptor);
    }

    public static (byte[] Blob, string MediaType, byte[] Tar) Gzip(TestLayer layer)
    {
        var tar = layer.Tar();
        return (TestLayer.Compress(tar, LayerCompression.Gzip), MediaTypes.OciLayerGzip, tar);
    }

    public static (byte[] Blob, string MediaType, byte[] Tar) Zstd(TestLayer layer)
    {
        var tar = layer.Tar();
        return (TestLayer.Compress(tar, LayerCompression.Zstd), MediaTypes.OciLayerZstd, tar);
    }

    public static (byte[] Blob, string MediaType, byte[] Tar) Plain(TestLayer layer)
    {
        var tar = layer.Tar();
        return (tar, MediaTypes.OciLayer, tar);
    }

    /// <summary>Walks layers given as (tar bytes, compression) without an image around them.</summary>
    public static Task<Toolkit.Core.Sbom.Image.ImageFiles> WalkAsync(Toolkit.Core.Sbom.Image.ImageWalkOptions? options, params (byte[] Blob, LayerCompression Compression)[] layers)
        => Toolkit.Core.Sbom.Image.ImageLayerWalker.WalkStreamsAsync(
            [.. layers.Select(l => ((Stream)new MemoryStream(l.Blob), l.Compression, Digest.Compute(l.Blob)))],
            Toolkit.Core.Sbom.Image.ImageFileFilter.Catalogers,
            options,
            CancellationToken.None);
}
