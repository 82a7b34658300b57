using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Storage;

/// <summary>
/// The real .NET SDK writes <c>ContainerArchiveOutputPath</c> on top of a base image served by a real distribution
/// registry, and our docker-archive source reads it. For a Docker base the SDK writes <c>&lt;hex&gt;/layer.tar</c>
/// (gzip despite the name), <c>&lt;hex&gt;.json</c> and <c>manifest.json</c>; for an OCI base it writes an OCI layout
/// (no manifest.json) whose index names the image <c>docker.io/library/repo:tag</c>, with an empty platform object.
/// </summary>
public class SdkContainerArchiveTests : IClassFixture<DistributionRegistryFixture>
{
    private readonly DistributionRegistryFixture _registry;

    public SdkContainerArchiveTests(DistributionRegistryFixture registry) => _registry = registry;

    [Theory]
    [InlineData("oci")]
    [InlineData("v2s2")]
    public async Task An_archive_the_sdk_wrote_reads_as_an_image_with_the_base_layer_and_the_app_layer(string baseFormat)
    {
        // Given a base image in the registry, in either manifest format
        using var dir = new TemporaryDirectory();
        var baseImage = TestImage.Create("base layer");
        await baseImage.WriteLayoutAsync(dir.Combine("base"), "1");
        var baseReference = $"{_registry.HostPort}/base-{baseFormat}:1";
        await ExternalTool.RunCheckedAsync(
            "skopeo", ["copy", "--format", baseFormat, "--dest-tls-verify=false", $"oci:{dir.Combine("base")}:1", $"docker://{baseReference}"]);
        Directory.CreateDirectory(dir.Combine("app"));
        File.WriteAllText(dir.Combine("app", "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <EnableSdkContainerSupport>true</EnableSdkContainerSupport>
                <UseAppHost>false</UseAppHost>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(dir.Combine("app", "Program.cs"), "System.Console.WriteLine(\"hello\");\n");
        var archive = dir.Combine("out", "app.tar.gz");

        // When the SDK publishes the app as a container archive
        await ExternalTool.RunCheckedAsync(
            "dotnet", ["publish", dir.Combine("app", "app.csproj"), "-t:PublishContainer", $"-p:ContainerBaseImage={baseReference}",
             $"-p:ContainerArchiveOutputPath={archive}", "-p:ContainerRepository=app", "-p:ContainerImageTag=1.0", "-nodeReuse:false"],
            environment: new Dictionary<string, string> { ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = _registry.HostPort, ["MSBUILDNOINPROCNODE"] = "1" },
            workingDirectory: dir.Combine("app"),
            timeout: TimeSpan.FromMinutes(5));

        // Then our source reads it by its repo:tag, and every blob verifies
        await using var source = await DockerArchiveSource.OpenAsync(archive, "app:1.0", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        var manifest = OciJson.ParseManifest(await source.ReadContentAsync(root, CancellationToken.None));
        Assert.Equal(baseFormat == "oci" ? MediaTypes.OciManifest : MediaTypes.DockerManifest, root.MediaType);
        Assert.Equal(2, manifest.Layers.Count);
        Assert.Equal(baseImage.LayerDescriptor.Digest, manifest.Layers[0].Digest);
        Assert.All(manifest.Layers, l => Assert.Equal(LayerCompression.Gzip, MediaTypes.LayerCompressionOf(l.MediaType)));
        await source.ReadContentAsync(manifest.Config, CancellationToken.None);
        foreach (var layer in manifest.Layers)
        {
            await using var stream = await source.OpenBlobAsync(layer, CancellationToken.None);
            await stream.CopyToAsync(Stream.Null);
        }

        // And it copies on to a layout unchanged, which umoci unpacks when the manifest is OCI (umoci, like skopeo's
        // layout reader, does not take Docker manifests from an OCI layout, and this copy does not convert them)
        await using var destination = new OciLayoutDestination(dir.Combine("layout"));
        var copied = await new ImageCopier().CopyAsync(source, destination, ["1.0"], CancellationToken.None);
        Assert.Equal(root.Digest, copied.Digest);
        if (baseFormat != "oci")
        {
            return;
        }

        await ExternalTool.RunCheckedAsync("umoci", ["unpack", "--rootless", "--image", $"{dir.Combine("layout")}:1.0", dir.Combine("bundle")]);
        Assert.True(File.Exists(dir.Combine("bundle", "rootfs", "app", "app.dll")));
    }
}
