using System.Formats.Tar;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Storage;

public class ArchiveTests
{
    [Fact]
    public async Task An_oci_archive_written_reads_back_in_place_with_the_same_bytes()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        var archive = dir.Combine("image.tar");
        await using (var destination = new OciArchiveDestination(archive))
        {
            await image.WriteToAsync(destination, "1.0");
        }

        // When
        await using var source = await OciLayoutSource.OpenArchiveAsync(archive, "1.0", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        await using var layer = await source.OpenBlobAsync(image.LayerDescriptor, CancellationToken.None);
        var layerBytes = new MemoryStream();
        await layer.CopyToAsync(layerBytes);

        // Then
        Assert.Equal(image.ManifestDescriptor.Digest, root.Digest);
        Assert.Equal(image.Manifest, await source.ReadContentAsync(root, CancellationToken.None));
        Assert.Equal(image.Config, await source.ReadContentAsync(image.ConfigDescriptor, CancellationToken.None));
        Assert.Equal(image.Layer, layerBytes.ToArray());
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
    }

    [Fact]
    public async Task An_oci_archive_has_fixed_entry_metadata_and_the_same_bytes_every_time()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();

        // When
        foreach (var name in new[] { "a.tar", "b.tar" })
        {
            await using var destination = new OciArchiveDestination(dir.Combine(name));
            await image.WriteToAsync(destination, "1.0");
        }

        // Then
        Assert.Equal(File.ReadAllBytes(dir.Combine("a.tar")), File.ReadAllBytes(dir.Combine("b.tar")));
        var entries = ReadEntries(dir.Combine("a.tar"));
        Assert.Equal(
            ["oci-layout", "blobs/", "blobs/sha256/", $"blobs/sha256/{image.LayerDescriptor.Digest.Encoded}",
             $"blobs/sha256/{image.ConfigDescriptor.Digest.Encoded}", $"blobs/sha256/{image.ManifestDescriptor.Digest.Encoded}", "index.json"],
            entries.Select(e => e.Name));
        Assert.All(entries, e =>
        {
            Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime);
            Assert.Equal((0, 0), (e.Uid, e.Gid));
            Assert.Equal(e.EntryType == TarEntryType.Directory ? "755" : "644", Convert.ToString((int)e.Mode, 8));
        });
    }

    [Fact]
    public async Task An_archive_not_committed_leaves_no_file()
    {
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();

        await using (var destination = new OciArchiveDestination(dir.Combine("x.tar")))
        {
            await destination.PutBlobAsync(image.LayerDescriptor, new MemoryStream(image.Layer), CancellationToken.None);
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_docker_archive_written_reads_back_with_the_exact_manifest()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create(docker: true);
        var archive = dir.Combine("image.tar");
        await using (var destination = new DockerArchiveDestination(archive))
        {
            await image.WriteToAsync(destination, "example.com/app:1.0");
        }

        // When
        await using var source = await DockerArchiveSource.OpenAsync(archive, "example.com/app:1.0", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);

        // Then
        Assert.Equal(image.ManifestDescriptor.Digest, root.Digest);
        Assert.Equal(image.Manifest, await source.ReadContentAsync(root, CancellationToken.None));
        var manifestJson = ReadEntryText(archive, "manifest.json");
        Assert.Equal(
            $"[{{\"Config\":\"blobs/sha256/{image.ConfigDescriptor.Digest.Encoded}\",\"RepoTags\":[\"example.com/app:1.0\"],\"Layers\":[\"blobs/sha256/{image.LayerDescriptor.Digest.Encoded}\"]}}]",
            manifestJson);
    }

    [Fact]
    public async Task An_archive_in_the_sdk_docker_format_reads_as_a_docker_v2_image()
    {
        // Given: what the SDK's DockerCli.WriteDockerImageToStreamAsync writes for ContainerArchiveOutputPath: PAX entries
        // "<layer hex>/layer.tar" (the registry's gzip blob, despite the name), "<config hex>.json", then manifest.json.
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create(docker: true);
        var archive = dir.Combine("app.tar.gz");
        var layerName = $"{image.LayerDescriptor.Digest.Encoded}/layer.tar";
        var configName = $"{image.ConfigDescriptor.Digest.Encoded}.json";
        WriteTar(archive, TarEntryFormat.Pax,
            (layerName, image.Layer),
            (configName, image.Config),
            ("manifest.json", Encoding.UTF8.GetBytes($"[{{\"Config\":\"{configName}\",\"RepoTags\":[\"app:1.0\",\"app:latest\"],\"Layers\":[\"{layerName}\"]}}]")));

        // When
        await using var source = await DockerArchiveSource.OpenAsync(archive, "app:latest", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        var manifest = OciJson.ParseManifest(await source.ReadContentAsync(root, CancellationToken.None));

        // Then
        Assert.Equal(MediaTypes.DockerManifest, root.MediaType);
        Assert.Equal(new Descriptor(MediaTypes.DockerConfig, image.ConfigDescriptor.Digest, image.Config.Length), manifest.Config);
        Assert.Equal([new Descriptor(MediaTypes.DockerLayerGzip, image.LayerDescriptor.Digest, image.Layer.Length)], manifest.Layers);
        Assert.Equal(image.Config, await source.ReadContentAsync(manifest.Config, CancellationToken.None));
        Assert.Equal("linux/amd64", root.Platform?.ToString());
    }

    [Fact]
    public async Task Uncompressed_layers_of_a_docker_archive_are_described_as_plain_tar()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create(docker: true);
        var archive = dir.Combine("plain.tar");
        WriteTar(archive, TarEntryFormat.Ustar,
            ("abc/layer.tar", image.UncompressedLayer),
            ("config.json", image.Config),
            ("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":null,\"Layers\":[\"abc/layer.tar\"]}]"u8.ToArray()));

        // When
        await using var source = await DockerArchiveSource.OpenAsync(archive, null, CancellationToken.None);
        var manifest = OciJson.ParseManifest(await source.ReadContentAsync(await source.ResolveAsync(CancellationToken.None), CancellationToken.None));

        // Then
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.DockerLayerTar, layer.MediaType);
        Assert.Equal(Digest.Compute(image.UncompressedLayer), layer.Digest);
        await using var stream = await source.OpenBlobAsync(layer, CancellationToken.None);
        await stream.CopyToAsync(Stream.Null);
    }

    [Fact]
    public async Task An_archive_in_the_sdk_oci_format_reads_by_its_repo_and_tag()
    {
        // Given: the SDK's OCI variant: oci-layout, blobs, and index.json whose ref name is "repo:tag"; no manifest.json.
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        var archive = dir.Combine("app.tar.gz");
        var index = $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{image.ManifestDescriptor.Digest}\",\"size\":{image.Manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"app:1.0\"}}}}]}}";
        WriteTar(archive, TarEntryFormat.Pax,
            ("oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}"u8.ToArray()),
            ($"blobs/sha256/{image.LayerDescriptor.Digest.Encoded}", image.Layer),
            ($"blobs/sha256/{image.ConfigDescriptor.Digest.Encoded}", image.Config),
            ($"blobs/sha256/{image.ManifestDescriptor.Digest.Encoded}", image.Manifest),
            ("index.json", Encoding.UTF8.GetBytes(index)));

        // When
        await using var docker = await DockerArchiveSource.OpenAsync(archive, "app:1.0", CancellationToken.None);
        await using var oci = await OciLayoutSource.OpenArchiveAsync(archive, "app:1.0", CancellationToken.None);

        // Then
        Assert.Equal(image.ManifestDescriptor.Digest, (await docker.ResolveAsync(CancellationToken.None)).Digest);
        Assert.Equal(image.Manifest, await docker.ReadContentAsync(image.ManifestDescriptor, CancellationToken.None));
        Assert.Equal(image.ManifestDescriptor.Digest, (await oci.ResolveAsync(CancellationToken.None)).Digest);
    }

    [Fact]
    public async Task A_docker_archive_with_several_images_and_no_reference_is_a_coded_error()
    {
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create(docker: true);
        var archive = dir.Combine("two.tar");
        WriteTar(archive, TarEntryFormat.Ustar,
            ("l.tar", image.Layer),
            ("c.json", image.Config),
            ("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"l.tar\"]},{\"Config\":\"c.json\",\"RepoTags\":[\"b:1\"],\"Layers\":[\"l.tar\"]}]"u8.ToArray()));

        var error = await Assert.ThrowsAsync<ToolkitException>(() => DockerArchiveSource.OpenAsync(archive, null, CancellationToken.None));
        await using var second = await DockerArchiveSource.OpenAsync(archive, "@1", CancellationToken.None);

        Assert.Equal(ErrorCodes.AmbiguousImage.Code, error.Code);
        Assert.Contains("a:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("b:1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("blobs/../../evil")]
    [InlineData("/etc/passwd")]
    public async Task Archive_entries_that_climb_out_are_refused(string name)
    {
        // Given
        using var dir = new TemporaryDirectory();
        var archive = dir.Combine("evil.tar");
        WriteTar(archive, TarEntryFormat.Pax, ("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()), (name, "x"u8.ToArray()));

        // When
        var oci = await Assert.ThrowsAsync<ToolkitException>(() => OciLayoutSource.OpenArchiveAsync(archive, null, CancellationToken.None));
        var docker = await Assert.ThrowsAsync<ToolkitException>(() => DockerArchiveSource.OpenAsync(archive, null, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.UnsafeArchiveEntry.Code, oci.Code);
        Assert.Equal(ErrorCodes.UnsafeArchiveEntry.Code, docker.Code);
    }

    [Fact]
    public async Task A_symbolic_link_pointing_outside_the_archive_is_refused()
    {
        using var dir = new TemporaryDirectory();
        var archive = dir.Combine("link.tar");
        using (var stream = File.Create(archive))
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "manifest.json") { LinkName = "../../outside.json" });
        }

        var error = await Assert.ThrowsAsync<ToolkitException>(() => DockerArchiveSource.OpenAsync(archive, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.UnsafeArchiveEntry.Code, error.Code);
    }

    [Fact]
    public async Task A_compressed_archive_is_refused_with_advice()
    {
        using var dir = new TemporaryDirectory();
        var archive = dir.Combine("image.tar.gz");
        File.WriteAllBytes(archive, TestImage.Create().Layer);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => DockerArchiveSource.OpenAsync(archive, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidArchive.Code, error.Code);
    }

    [Fact]
    public async Task A_corrupt_blob_in_an_archive_fails_with_digest_mismatch()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        var archive = dir.Combine("image.tar");
        var corrupt = (byte[])image.Config.Clone();
        corrupt[^2] ^= 0x20;
        var index = $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{image.ManifestDescriptor.Digest}\",\"size\":{image.Manifest.Length}}}]}}";
        WriteTar(archive, TarEntryFormat.Ustar,
            ("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()),
            ($"blobs/sha256/{image.ConfigDescriptor.Digest.Encoded}", corrupt),
            ($"blobs/sha256/{image.ManifestDescriptor.Digest.Encoded}", image.Manifest),
            ("index.json", Encoding.UTF8.GetBytes(index)));
        await using var source = await OciLayoutSource.OpenArchiveAsync(archive, null, CancellationToken.None);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ReadContentAsync(image.ConfigDescriptor, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
    }

    [Fact]
    public async Task Copying_between_all_local_forms_keeps_the_manifest_digest()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await image.WriteLayoutAsync(dir.Combine("layout"), "1");
        var locations = new ImageLocations();
        var copier = new ImageCopier();
        var hops = new[] { "oci:{0}/layout:1", "oci-archive:{0}/a.tar:1", "docker-archive:{0}/d.tar:app:1", "oci:{0}/back:1" };

        // When
        for (var i = 0; i + 1 < hops.Length; i++)
        {
            await using var source = await locations.OpenSourceAsync(ImageLocation.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, hops[i], dir.Path)), CancellationToken.None);
            await using var destination = await locations.OpenDestinationAsync(ImageLocation.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, hops[i + 1], dir.Path)), CancellationToken.None);
            await copier.CopyAsync(source, destination, [], CancellationToken.None);
        }

        // Then
        await using var back = await OciLayoutSource.OpenAsync(dir.Combine("back"), "1", CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, (await back.ResolveAsync(CancellationToken.None)).Digest);
        Assert.Equal(image.Layer, File.ReadAllBytes(dir.Combine("back", "blobs", "sha256", image.LayerDescriptor.Digest.Encoded)));
    }

    [Fact]
    public async Task Registry_and_scratch_locations_cannot_be_opened_here()
    {
        var locations = new ImageLocations();

        var registry = await Assert.ThrowsAsync<ToolkitException>(() => locations.OpenSourceAsync(ImageLocation.Parse("example.com/app:1"), CancellationToken.None));
        var scratch = await Assert.ThrowsAsync<ToolkitException>(() => locations.OpenDestinationAsync(ImageLocation.Parse("scratch"), CancellationToken.None));

        Assert.Equal(ErrorCodes.UnsupportedLocation.Code, registry.Code);
        Assert.Contains("registry client", registry.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.UnsupportedLocation.Code, scratch.Code);
    }

    internal static void WriteTar(string path, TarEntryFormat format, params (string Name, byte[] Content)[] files)
    {
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream, format);
        foreach (var (name, content) in files)
        {
            TarEntry entry = format == TarEntryFormat.Pax ? new PaxTarEntry(TarEntryType.RegularFile, name) : new UstarTarEntry(TarEntryType.RegularFile, name);
            entry.DataStream = new MemoryStream(content);
            writer.WriteEntry(entry);
        }
    }

    private static List<TarEntry> ReadEntries(string archive)
    {
        using var stream = File.OpenRead(archive);
        using var reader = new TarReader(stream);
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static string ReadEntryText(string archive, string name)
    {
        using var stream = File.OpenRead(archive);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.Name == name)
            {
                return new StreamReader(entry.DataStream!).ReadToEnd();
            }
        }

        throw new InvalidOperationException($"{name} not in {archive}");
    }
}
