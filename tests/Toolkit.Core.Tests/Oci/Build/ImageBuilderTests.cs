using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Oci.Build;

public sealed class ImageBuilderTests : IDisposable
{
    private static readonly BuildTimestamp s_timestamp = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit);
    private readonly TemporaryDirectory _temp = new("tk-builder");

    public void Dispose() => _temp.Dispose();

    private string AppFolder(string name = "app", string content = "hello")
    {
        var folder = _temp.Combine(name);
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "app.dll"), content);
        File.WriteAllText(Path.Combine(folder, "sub", "data.json"), "{}");
        return folder;
    }

    private static async Task<(byte[] Manifest, ImageManifest Parsed, byte[] Config, ImageConfig ParsedConfig)> ReadSingleAsync(OciLayoutLocation location)
    {
        await using var source = await new ImageLocations().OpenSourceAsync(location, CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        var manifestBytes = await source.ReadContentAsync(root, CancellationToken.None);
        var manifest = OciJson.ParseManifest(manifestBytes);
        var configBytes = await source.ReadContentAsync(manifest.Config, CancellationToken.None);
        return (manifestBytes, manifest, configBytes, OciJson.ParseConfig(configBytes));
    }

    [Fact]
    public async Task A_scratch_image_carries_the_layer_config_edits_and_oci_metadata()
    {
        // Given
        var output = new OciLayoutLocation(_temp.Combine("out"), "1.0");
        var request = new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = output,
            Layers = [new LayerSpec(AppFolder(), "/app")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits
            {
                Entrypoint = ["/app/app"],
                Cmd = ["--serve"],
                Environment = new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production" },
                WorkingDirectory = "/app",
                User = "1000:1000",
                Labels = new Dictionary<string, string> { ["team"] = "payments" },
                Ports = ["8080", "53/udp"],
                StopSignal = "SIGTERM",
            },
            Metadata = new ImageMetadata
            {
                Source = "https://example.invalid/repo",
                Revision = "0123456789abcdef",
                Version = "1.2.3",
                Annotations = new Dictionary<string, string> { ["com.example.ticket"] = "CHG-1" },
            },
            Timestamp = s_timestamp,
        };

        // When
        var built = await new ImageBuilder().BuildAsync(request, CancellationToken.None);

        // Then
        var (manifestBytes, manifest, configBytes, config) = await ReadSingleAsync(output);
        OciSchemas.AssertValidManifest(manifestBytes);
        OciSchemas.AssertValidConfig(configBytes);
        Assert.Equal(built.Root.Digest, Digest.Compute(manifestBytes));
        Assert.Equal(MediaTypes.OciManifest, built.Root.MediaType);
        Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.OciLayerGzip, manifest.Layers[0].MediaType);
        Assert.Equal(["/app/app"], config.Config!.Entrypoint);
        Assert.Equal(["--serve"], config.Config.Cmd);
        Assert.Equal(["DOTNET_ENVIRONMENT=Production"], config.Config.Env);
        Assert.Equal("/app", config.Config.WorkingDir);
        Assert.Equal("1000:1000", config.Config.User);
        Assert.Equal("SIGTERM", config.Config.StopSignal);
        Assert.Equal(["53/udp", "8080/tcp"], config.Config.ExposedPorts!.Keys);
        Assert.Equal("payments", config.Config.Labels!["team"]);
        Assert.Equal("2023-11-14T22:13:20Z", config.Created);
        Assert.Equal("2023-11-14T22:13:20Z", config.Config.Labels[AnnotationKeys.Created]);
        Assert.Equal("https://example.invalid/repo", config.Config.Labels[AnnotationKeys.Source]);
        Assert.Equal("0123456789abcdef", manifest.Annotations![AnnotationKeys.Revision]);
        Assert.Equal("1.2.3", manifest.Annotations[AnnotationKeys.Version]);
        Assert.Equal("CHG-1", manifest.Annotations["com.example.ticket"]);
        Assert.False(manifest.Annotations.ContainsKey(AnnotationKeys.BaseDigest));
        Assert.Equal([built.Platforms[0].NewLayers[0].DiffId], config.RootFs.DiffIds);
        var history = Assert.Single(config.History!);
        Assert.Equal("2023-11-14T22:13:20Z", history.Created);
        Assert.DoesNotContain(_temp.Path, history.CreatedBy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_platforms_make_an_index_that_shares_the_common_layer()
    {
        // Given
        var output = new OciLayoutLocation(_temp.Combine("out"), "multi");
        var request = new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = output,
            Layers = [new LayerSpec(AppFolder("common"), "/app")],
            Platforms =
            [
                new PlatformLayers(Platform.LinuxAmd64, [new LayerSpec(AppFolder("amd64", "x64 native"), "/app/native")]),
                new PlatformLayers(Platform.LinuxArm64, [new LayerSpec(AppFolder("arm64", "arm64 native"), "/app/native")]),
            ],
            Timestamp = s_timestamp,
        };

        // When
        var built = await new ImageBuilder().BuildAsync(request, CancellationToken.None);

        // Then
        Assert.Equal(MediaTypes.OciIndex, built.Root.MediaType);
        await using var source = await new ImageLocations().OpenSourceAsync(output, CancellationToken.None);
        var indexBytes = await source.ReadContentAsync(await source.ResolveAsync(CancellationToken.None), CancellationToken.None);
        OciSchemas.AssertValidIndex(indexBytes);
        var index = OciJson.ParseIndex(indexBytes);
        Assert.Equal(["linux/amd64", "linux/arm64/v8"], index.Manifests.Select(m => m.Platform!.ToString()));
        Assert.Equal(built.Platforms[0].Layers[0], built.Platforms[1].Layers[0]);
        Assert.NotEqual(built.Platforms[0].Layers[1].Digest, built.Platforms[1].Layers[1].Digest);
        foreach (var entry in index.Manifests)
        {
            var manifest = OciJson.ParseManifest(await source.ReadContentAsync(entry, CancellationToken.None));
            var config = OciJson.ParseConfig(await source.ReadContentAsync(manifest.Config, CancellationToken.None));
            Assert.Equal(entry.Platform!.Architecture, config.Architecture);
            Assert.Equal(2, config.RootFs.DiffIds.Count);
        }
    }

    [Fact]
    public async Task An_image_on_a_layout_base_keeps_its_layers_and_records_the_base_digest()
    {
        // Given a base with an environment and a command
        var baseLocation = new OciLayoutLocation(_temp.Combine("base"), "base");
        var baseImage = await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = baseLocation,
            Layers = [new LayerSpec(AppFolder("rootfs", "base"), "/")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits { Cmd = ["/bin/sh"], Environment = new Dictionary<string, string> { ["PATH"] = "/bin" } },
            Timestamp = s_timestamp,
        }, CancellationToken.None);

        // When
        var output = new OciLayoutLocation(_temp.Combine("out"), "app");
        var built = await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = baseLocation,
            Output = output,
            Layers = [new LayerSpec(AppFolder(), "/app")],
            Config = new ImageConfigEdits { Entrypoint = ["/app/app"], Environment = new Dictionary<string, string> { ["APP"] = "1" } },
            Metadata = new ImageMetadata { BaseName = "registry.example/base:1" },
            Timestamp = s_timestamp,
        }, CancellationToken.None);

        // Then
        var (_, manifest, _, config) = await ReadSingleAsync(output);
        Assert.Equal(2, manifest.Layers.Count);
        Assert.Equal(baseImage.Platforms[0].Layers[0], manifest.Layers[0]);
        Assert.Equal(baseImage.Root.Digest.ToString(), manifest.Annotations![AnnotationKeys.BaseDigest]);
        Assert.Equal("registry.example/base:1", manifest.Annotations[AnnotationKeys.BaseName]);
        Assert.Equal(["PATH=/bin", "APP=1"], config.Config!.Env);
        Assert.Null(config.Config.Cmd); // an entrypoint resets the base's command, as in a Dockerfile
        Assert.Equal(2, config.History!.Count);
        Assert.Equal(built.Platforms[0].Platform, Platform.LinuxAmd64);
    }

    [Fact]
    public async Task Archives_are_valid_outputs_and_read_back_with_the_same_digest()
    {
        // Given
        var app = AppFolder();
        ImageBuildRequest Request(ImageLocation output) => new()
        {
            BaseImage = ScratchLocation.Instance,
            Output = output,
            Layers = [new LayerSpec(app, "/app")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Timestamp = s_timestamp,
        };

        // When
        var ociArchive = await new ImageBuilder().BuildAsync(Request(new OciArchiveLocation(_temp.Combine("image.tar"), "v1")), CancellationToken.None);
        var dockerArchive = await new ImageBuilder().BuildAsync(Request(new DockerArchiveLocation(_temp.Combine("docker.tar"), "example/app:v1")), CancellationToken.None);

        // Then
        var fromOci = await new ImageInspector().InspectAsync(new OciArchiveLocation(_temp.Combine("image.tar"), "v1"), CancellationToken.None);
        Assert.Equal(ociArchive.Root.Digest, fromOci.Root.Digest);
        var fromDocker = await new ImageInspector().InspectAsync(new DockerArchiveLocation(_temp.Combine("docker.tar")), CancellationToken.None);
        Assert.Equal(dockerArchive.Platforms[0].Config.Digest, fromDocker.Platforms[0].Config.Digest);
        Assert.Equal(dockerArchive.Platforms[0].NewLayers[0].DiffId, fromDocker.Platforms[0].ConfigDocument.RootFs.DiffIds[0]);
    }

    [Fact]
    public async Task The_same_request_built_twice_gives_the_same_digest()
    {
        // Given
        var app = AppFolder();
        ImageBuildRequest Request(string folder) => new()
        {
            BaseImage = ScratchLocation.Instance,
            Output = new OciLayoutLocation(_temp.Combine(folder), "latest"),
            Layers = [new LayerSpec(app, "/app")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Timestamp = s_timestamp,
        };

        // When
        var first = await new ImageBuilder().BuildAsync(Request("one"), CancellationToken.None);
        File.SetLastWriteTimeUtc(Path.Combine(app, "app.dll"), DateTime.UtcNow.AddDays(-3));
        var second = await new ImageBuilder().BuildAsync(Request("two"), CancellationToken.None);

        // Then
        Assert.Equal(first.Root.Digest, second.Root.Digest);
    }

    [Fact]
    public async Task A_missing_layer_folder_is_a_coded_input_error()
    {
        var request = new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = new OciLayoutLocation(_temp.Combine("out")),
            Layers = [new LayerSpec(_temp.Combine("nope"), "/app")],
            Timestamp = s_timestamp,
        };

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new ImageBuilder().BuildAsync(request, CancellationToken.None));

        Assert.Equal(ErrorCodes.LayerSourceMissing, error.ErrorCode);
        Assert.Contains(_temp.Combine("nope"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_platform_the_base_lacks_is_a_coded_error_listing_what_it_has()
    {
        var baseLocation = new OciLayoutLocation(_temp.Combine("base"), "base");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = baseLocation,
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Timestamp = s_timestamp,
        }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = baseLocation,
            Output = new OciLayoutLocation(_temp.Combine("out")),
            Platforms = [new PlatformLayers(Platform.LinuxArm64, [])],
            Timestamp = s_timestamp,
        }, CancellationToken.None));

        Assert.Equal(ErrorCodes.PlatformNotFound, error.ErrorCode);
        Assert.Contains("linux/amd64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registry_base_is_refused_with_a_coded_error_until_registries_are_supported()
    {
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ImageLocation.Parse("mcr.microsoft.com/dotnet/runtime-deps:10.0"),
            Output = new OciLayoutLocation(_temp.Combine("out")),
            Timestamp = s_timestamp,
        }, CancellationToken.None));

        Assert.Equal(ErrorCodes.UnsupportedLocation, error.ErrorCode);
    }
}
