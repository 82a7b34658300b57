using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>Registries as locations: opened through the injected client factory, refused without one.</summary>
public sealed class RegistryLocationsTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-registry-locations");

    public void Dispose() => _temp.Dispose();

    private static async Task<(InMemoryRegistry Registry, TestImage Image)> BaseInRegistryAsync()
    {
        var registry = new InMemoryRegistry();
        var image = TestImage.Create("a base from a registry");
        await using var destination = new RegistryImageDestination(registry.Client(), ImageReference.Parse("registry.test/dotnet/runtime:10.0"));
        await image.WriteToAsync(destination);
        return (registry, image);
    }

    [Fact]
    public async Task Without_a_client_factory_a_registry_location_is_unsupported()
    {
        // Given
        var locations = new ImageLocations();

        // When
        var read = await Assert.ThrowsAsync<ToolkitException>(() => locations.OpenSourceAsync(ImageLocation.Parse("registry.test/app:1"), CancellationToken.None));
        var write = await Assert.ThrowsAsync<ToolkitException>(() => locations.OpenDestinationAsync(ImageLocation.Parse("registry.test/app:1"), CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.UnsupportedLocation, read.ErrorCode);
        Assert.Equal(ErrorCodes.UnsupportedLocation, write.ErrorCode);
    }

    [Fact]
    public async Task With_a_client_factory_locations_open_registry_sources_and_destinations_for_the_named_registry()
    {
        // Given
        var registry = new InMemoryRegistry();
        var locations = new ImageLocations(registryClients: registry);

        // When
        await using var source = await locations.OpenSourceAsync(ImageLocation.Parse("registry.test/app:1"), CancellationToken.None);
        await using var destination = await locations.OpenDestinationAsync(ImageLocation.Parse("registry.test/app@" + Digest.Compute("x"u8)), CancellationToken.None);

        // Then
        Assert.Equal("registry.test/app:1", source.DisplayName);
        Assert.IsType<RegistryImageDestination>(destination);
    }

    [Fact]
    public async Task An_image_in_a_registry_can_be_inspected()
    {
        // Given
        var (registry, image) = await BaseInRegistryAsync();

        // When
        var inspection = await new ImageInspector(registryClients: registry)
            .InspectAsync(ImageLocation.Parse("registry.test/dotnet/runtime:10.0"), CancellationToken.None);

        // Then
        Assert.Equal(image.ManifestDescriptor.Digest, inspection.Root.Digest);
        var platform = Assert.Single(inspection.Platforms);
        Assert.Equal(Platform.LinuxAmd64, platform.Platform);
        Assert.Equal([image.LayerDescriptor], platform.Layers);
    }

    [Fact]
    public async Task A_build_can_start_from_a_base_in_a_registry()
    {
        // Given
        var (registry, image) = await BaseInRegistryAsync();
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var request = new ImageBuildRequest
        {
            BaseImage = ImageLocation.Parse("registry.test/dotnet/runtime:10.0"),
            Output = new OciLayoutLocation(_temp.Combine("out"), "1"),
            Layers = [new LayerSpec(app, "/app")],
            Timestamp = new BuildTimestamp(DateTimeOffset.UnixEpoch, TimestampSource.Explicit),
        };

        // When
        var built = await new ImageBuilder(registryClients: registry).BuildAsync(request, CancellationToken.None);

        // Then
        var platform = Assert.Single(built.Platforms);
        Assert.Equal(2, platform.Layers.Count);
        Assert.Equal(image.LayerDescriptor.Digest, platform.Layers[0].Digest);
        await using var output = await OciLayoutSource.OpenAsync(_temp.Combine("out"), "1", CancellationToken.None);
        var manifest = OciJson.ParseManifest(await output.ReadContentAsync(await output.ResolveAsync(CancellationToken.None), CancellationToken.None));
        Assert.Equal("registry.test/dotnet/runtime:10.0", manifest.Annotations![AnnotationKeys.BaseName]);
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), manifest.Annotations![AnnotationKeys.BaseDigest]);
    }
}
