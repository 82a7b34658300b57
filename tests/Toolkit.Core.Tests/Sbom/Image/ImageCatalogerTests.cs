using Toolkit.Core.Oci.Build;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// An image catalogued end to end: a base image in an oci: layout made of this machine's real dpkg database and
/// os-release (gzip) and its real .NET shared framework (zstd), and the real framework-dependent app added on top by
/// the toolkit's own <see cref="ImageBuilder"/>.
/// </summary>
[Collection(nameof(PublishedApps))]
public sealed class ImageCatalogerTests : IDisposable
{
    private static readonly BuildTimestamp s_timestamp = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit);
    private readonly PublishedApps _apps;
    private readonly TemporaryDirectory _temp = new("tk-catalog");

    public ImageCatalogerTests(PublishedApps apps) => _apps = apps;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_image_built_on_a_debian_base_lists_its_os_packages_runtime_and_app_each_with_its_layer()
    {
        // Given: the base image
        var runtime = DotNetDepsCatalogerTests.InstalledRuntime();
        var debian = TestImages.Gzip(new TestLayer()
            .File("usr/lib/os-release", File.ReadAllBytes("/etc/os-release"))
            .Symlink("etc/os-release", "../usr/lib/os-release")
            .File("var/lib/dpkg/status", File.ReadAllBytes("/var/lib/dpkg/status")));
        var dotnet = TestImages.Zstd(new TestLayer().File(runtime.PathInImage, runtime.DepsJson));
        var (baseSource, _) = await TestImages.WriteLayoutAsync(_temp.Combine("base"), debian, dotnet);
        await baseSource.DisposeAsync();

        // and the app built on it
        var output = new OciLayoutLocation(_temp.Combine("image"), "app");
        var built = await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = new OciLayoutLocation(_temp.Combine("base"), "1.0"),
            Output = output,
            Layers = [new LayerSpec(_apps.FrameworkDependent, "/app")],
            Timestamp = s_timestamp,
        }, CancellationToken.None);
        var platform = Assert.Single(built.Platforms);
        Assert.Equal(3, platform.Layers.Count);

        // When: catalogued through the image source, as the SBOM command reads any location
        await using var source = await new ImageLocations().OpenSourceAsync(output, CancellationToken.None);
        var catalog = await ImageCataloger.CatalogAsync(source, platform.Manifest, null, CancellationToken.None);

        // Then
        var result = catalog.Result;
        Assert.Empty(result.Notes);
        Assert.Equal("/usr/lib/os-release", catalog.OperatingSystem!.Evidence.Path);
        var os = Assert.Single(result.Components, c => c.Type == SbomComponentType.OperatingSystem);
        Assert.Equal(platform.Layers[0].Digest, os.Evidence.Single().Layer);

        var debs = result.Components.Where(c => c.Purl?.StartsWith("pkg:deb/", StringComparison.Ordinal) == true).ToList();
        Assert.True(debs.Count > 100, $"{debs.Count} Debian packages");
        Assert.All(debs, c => Assert.Equal(new SbomEvidence("/var/lib/dpkg/status", platform.Layers[0].Digest), c.Evidence.Single()));

        var framework = result.Components.Single(c => c.Type == SbomComponentType.Framework);
        Assert.Equal($"pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@{runtime.Version}", framework.Purl);
        Assert.Equal(platform.Layers[1].Digest, framework.Evidence.Single().Layer);

        var app = result.Components.Single(c => c.Type == SbomComponentType.Application);
        Assert.Equal((PublishedApps.AppName, "1.4.0"), (app.Name, app.Version));
        Assert.Equal(new SbomEvidence($"/app/{PublishedApps.AppName}.deps.json", platform.Layers[2].Digest), app.Evidence.Single());
        Assert.Contains(result.Components, c => c.Purl == $"pkg:nuget/Serilog@{PublishedApps.SerilogVersion}");
        Assert.Contains(framework.BomRef, result.Dependencies.Single(d => d.Ref == app.BomRef).DependsOn);

        // every component once, in bom-ref order, and every dependency names components that are there
        Assert.Equal(result.Components.Select(c => c.BomRef).Order(StringComparer.Ordinal), result.Components.Select(c => c.BomRef));
        var refs = result.Components.Select(c => c.BomRef).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(refs.Count, result.Components.Count);
        Assert.All(result.Dependencies, d => Assert.All(d.DependsOn.Append(d.Ref), r => Assert.Contains(r, refs)));
    }

    [Fact]
    public async Task Cataloguing_the_same_image_twice_gives_the_same_result()
    {
        var layer = TestImages.Gzip(new TestLayer()
            .File("etc/os-release", File.ReadAllBytes("/etc/os-release"))
            .File("var/lib/dpkg/status", File.ReadAllBytes("/var/lib/dpkg/status")));
        var (source, manifest) = await TestImages.WriteLayoutAsync(_temp.Combine("twice"), layer);
        await using (source)
        {
            var first = await ImageCataloger.CatalogAsync(source, manifest, null, CancellationToken.None);
            var second = await ImageCataloger.CatalogAsync(source, manifest, null, CancellationToken.None);

            Assert.Equal(first.Result.Components.Select(Describe), second.Result.Components.Select(Describe));
            Assert.Equal(first.Result.Dependencies.Select(d => d.Ref + ">" + string.Join(',', d.DependsOn)), second.Result.Dependencies.Select(d => d.Ref + ">" + string.Join(',', d.DependsOn)));
        }
    }

    private static string Describe(SbomComponent component)
        => $"{component.BomRef}|{component.Name}|{component.Version}|{string.Join(';', component.Evidence)}|{string.Join(';', component.Properties)}";
}
