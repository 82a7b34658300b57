using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Tests.Storage;

/// <summary>A tiny single-layer image built in memory: a gzip layer made with System.Formats.Tar, a config, a manifest.</summary>
internal sealed class TestImage
{
    private TestImage(byte[] layer, byte[] uncompressedLayer, byte[] config, byte[] manifest, string manifestMediaType, string layerMediaType, string configMediaType)
    {
        Layer = layer;
        UncompressedLayer = uncompressedLayer;
        Config = config;
        Manifest = manifest;
        LayerDescriptor = Descriptor.For(layerMediaType, layer);
        ConfigDescriptor = Descriptor.For(configMediaType, config);
        ManifestDescriptor = Descriptor.For(manifestMediaType, manifest);
    }

    public byte[] Layer { get; }

    public byte[] UncompressedLayer { get; }

    public byte[] Config { get; }

    public byte[] Manifest { get; }

    public Descriptor LayerDescriptor { get; }

    public Descriptor ConfigDescriptor { get; }

    public Descriptor ManifestDescriptor { get; }

    public static TestImage Create(string message = "hello from the toolkit", bool docker = false)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var folder = new PaxTarEntry(TarEntryType.Directory, "app/") { ModificationTime = DateTimeOffset.UnixEpoch, Mode = (UnixFileMode)0b111_101_101 };
            writer.WriteEntry(folder);
            var file = new PaxTarEntry(TarEntryType.RegularFile, "app/hello.txt")
            {
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = (UnixFileMode)0b110_100_100,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(message + "\n")),
            };
            writer.WriteEntry(file);
        }

        var uncompressed = tar.ToArray();
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(uncompressed);
        }

        var layer = gz.ToArray();
        // Written by hand: the shape is fixed here so the bytes (and digests) of the test image are stable.
        var config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]},"
            + $"\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{Digest.Compute(uncompressed)}\"]}}}}");
        var layerType = docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip;
        var configType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        var manifestType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = OciJson.Serialize(new ImageManifest
        {
            MediaType = manifestType,
            Config = Descriptor.For(configType, config),
            Layers = [Descriptor.For(layerType, layer)],
        });
        return new TestImage(layer, uncompressed, config, manifest, manifestType, layerType, configType);
    }

    /// <summary>Writes the image through a destination and commits it with the tags.</summary>
    public async Task WriteToAsync(IImageDestination destination, params string[] tags)
    {
        await destination.PutBlobAsync(LayerDescriptor, new MemoryStream(Layer), CancellationToken.None);
        await destination.PutContentAsync(ConfigDescriptor, Config, CancellationToken.None);
        await destination.PutContentAsync(ManifestDescriptor, Manifest, CancellationToken.None);
        await destination.CommitAsync(ManifestDescriptor, tags, CancellationToken.None);
    }

    public async Task<string> WriteLayoutAsync(string directory, params string[] tags)
    {
        await using var destination = new OciLayoutDestination(directory);
        await WriteToAsync(destination, tags);
        return directory;
    }
}
