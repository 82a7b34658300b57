using System.Text.Json;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Storage;

/// <summary>skopeo and umoci, independent implementations, read what we write and write what we read.</summary>
public class PeerToolTests
{
    [Fact]
    public async Task Skopeo_inspects_a_layout_we_wrote()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await image.WriteLayoutAsync(dir.Combine("layout"), "1.0");

        // When
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", $"oci:{dir.Combine("layout")}:1.0"]);
        var inspect = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"oci:{dir.Combine("layout")}:1.0"]);

        // Then
        Assert.Equal(image.Manifest, System.Text.Encoding.UTF8.GetBytes(raw.StandardOutput.TrimEnd('\n')));
        using var json = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), json.RootElement.GetProperty("Digest").GetString());
        Assert.Equal("amd64", json.RootElement.GetProperty("Architecture").GetString());
    }

    [Fact]
    public async Task Umoci_unpacks_a_layout_we_wrote()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create("unpacked by umoci");
        await image.WriteLayoutAsync(dir.Combine("layout"), "1.0");

        // When
        await ExternalTool.RunCheckedAsync("umoci", ["unpack", "--rootless", "--image", $"{dir.Combine("layout")}:1.0", dir.Combine("bundle")]);

        // Then
        Assert.Equal("unpacked by umoci\n", File.ReadAllText(dir.Combine("bundle", "rootfs", "app", "hello.txt")));
        Assert.True(File.Exists(dir.Combine("bundle", "config.json")));
    }

    [Fact]
    public async Task Skopeo_inspects_our_oci_archive_and_docker_archive()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await using (var oci = new OciArchiveDestination(dir.Combine("oci.tar")))
        {
            await image.WriteToAsync(oci, "1.0");
        }

        await using (var docker = new DockerArchiveDestination(dir.Combine("docker.tar")))
        {
            await image.WriteToAsync(docker, "app:1.0");
        }

        // When
        var fromOci = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", $"oci-archive:{dir.Combine("oci.tar")}:1.0"]);
        var fromDocker = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"docker-archive:{dir.Combine("docker.tar")}"]);
        var dockerConfig = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--config", "--raw", $"docker-archive:{dir.Combine("docker.tar")}:app:1.0"]);

        // Then
        Assert.Equal(image.Manifest, System.Text.Encoding.UTF8.GetBytes(fromOci.StandardOutput.TrimEnd('\n')));
        using var json = JsonDocument.Parse(fromDocker.StandardOutput);
        Assert.Equal("amd64", json.RootElement.GetProperty("Architecture").GetString());
        Assert.Single(json.RootElement.GetProperty("Layers").EnumerateArray());
        Assert.Equal(image.Config, System.Text.Encoding.UTF8.GetBytes(dockerConfig.StandardOutput.TrimEnd('\n')));
    }

    [Fact]
    public async Task A_docker_archive_written_by_skopeo_reads_through_our_source()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await image.WriteLayoutAsync(dir.Combine("layout"), "1.0");
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", $"oci:{dir.Combine("layout")}:1.0", $"docker-archive:{dir.Combine("skopeo.tar")}:example/app:1.0"]);

        // When
        await using var source = await DockerArchiveSource.OpenAsync(dir.Combine("skopeo.tar"), "example/app:1.0", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        var manifest = OciJson.ParseManifest(await source.ReadContentAsync(root, CancellationToken.None));
        var config = await source.ReadContentAsync(manifest.Config, CancellationToken.None);
        var layer = Assert.Single(manifest.Layers);
        await using var layerStream = await source.OpenBlobAsync(layer, CancellationToken.None);
        var layerBytes = new MemoryStream();
        await layerStream.CopyToAsync(layerBytes);

        // Then
        Assert.Equal(image.Config, config);
        var expected = layer.MediaType == MediaTypes.DockerLayerTar ? image.UncompressedLayer : image.Layer;
        Assert.Equal(expected, layerBytes.ToArray());

        // And the image goes on to a layout unchanged. (skopeo would not find it there: its OCI layout reader skips
        // index entries with Docker media types, and this copy does not convert manifests.)
        await using var destination = new OciLayoutDestination(dir.Combine("again"));
        await new ImageCopier().CopyAsync(source, destination, ["1.0"], CancellationToken.None);
        await using var again = await OciLayoutSource.OpenAsync(dir.Combine("again"), "1.0", CancellationToken.None);
        Assert.Equal(root.Digest, (await again.ResolveAsync(CancellationToken.None)).Digest);
    }
}
