using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>The deps.json cataloger on real publish outputs (<see cref="PublishedApps"/>) and this machine's installed .NET runtime.</summary>
[Collection(nameof(PublishedApps))]
public sealed class DotNetDepsCatalogerTests
{
    private readonly PublishedApps _apps;

    public DotNetDepsCatalogerTests(PublishedApps apps) => _apps = apps;

    /// <summary>The shared framework of the .NET that runs the tests, where a runtime image keeps it.</summary>
    internal static (string Version, string PathInImage, byte[] DepsJson) InstalledRuntime()
    {
        var dotnet = Path.GetDirectoryName(Path.GetFullPath(Environment.ProcessPath!))!;
        var shared = Path.Combine(dotnet, "shared", "Microsoft.NETCore.App");
        var version = Path.GetFileName(Directory.GetDirectories(shared).Order(StringComparer.Ordinal).Last())!;
        var file = Path.Combine(shared, version, "Microsoft.NETCore.App.deps.json");
        return (version, $"usr/share/dotnet/shared/Microsoft.NETCore.App/{version}/Microsoft.NETCore.App.deps.json", File.ReadAllBytes(file));
    }

    internal static TestLayer AppLayer(string publishFolder, string pathInImage)
    {
        var layer = new TestLayer();
        foreach (var file in Directory.GetFiles(publishFolder).Order(StringComparer.Ordinal))
        {
            layer.File($"{pathInImage}/{Path.GetFileName(file)}", File.ReadAllBytes(file));
        }

        return layer;
    }

    [Fact]
    public async Task A_framework_dependent_app_lists_its_packages_projects_graph_and_the_runtime_it_rolls_forward_to()
    {
        // Given: the app in one layer, the machine's real shared framework in a runtime layer below it
        var runtime = InstalledRuntime();
        var runtimeLayer = new TestLayer().File(runtime.PathInImage, runtime.DepsJson).Zstd();
        var appLayer = AppLayer(_apps.FrameworkDependent, "app").Gzip();

        // When
        var result = (await ImageCataloger.CatalogAsync(
            await TestImages.WalkAsync(null, (runtimeLayer, LayerCompression.Zstd), (appLayer, LayerCompression.Gzip)),
            CancellationToken.None)).Result;

        // Then: packages with their purl and (as a property, not a hash of the .nupkg) the content hash NuGet recorded when it restored them
        var serilog = result.Components.Single(c => c.Name == "Serilog");
        Assert.Equal($"pkg:nuget/Serilog@{PublishedApps.SerilogVersion}", serilog.Purl);
        Assert.Empty(serilog.Hashes);
        Assert.Equal(
            [new KeyValuePair<string, string>(Toolkit.Core.Sbom.NuGet.NuGetProperties.ContentHash, Convert.ToHexStringLower(Convert.FromBase64String(_apps.PackageContentHash("Serilog", PublishedApps.SerilogVersion))))],
            serilog.Properties);
        Assert.Equal([new SbomEvidence($"/app/{PublishedApps.AppName}.deps.json", Digest.Compute(appLayer))], serilog.Evidence);
        var sink = result.Components.Single(c => c.Name == "Serilog.Sinks.Console");
        Assert.Equal($"pkg:nuget/Serilog.Sinks.Console@{PublishedApps.SinkVersion}", sink.Purl);

        // the application and its project reference
        var app = result.Components.Single(c => c.Name == PublishedApps.AppName);
        Assert.Equal(SbomComponentType.Application, app.Type);
        Assert.Equal("1.4.0", app.Version);
        Assert.Contains(new KeyValuePair<string, string>("toolkit:dotnet:runtimeTarget", ".NETCoreApp,Version=v10.0"), app.Properties);
        var library = result.Components.Single(c => c.Name == PublishedApps.LibraryName);
        Assert.Equal((SbomComponentType.Library, "2.1.0"), (library.Type, library.Version));

        // the runtime: the image's shared framework, which the runtimeconfig.json (10.0.0) rolls forward to
        var framework = result.Components.Single(c => c.Type == SbomComponentType.Framework);
        Assert.Equal($"pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@{runtime.Version}", framework.Purl);
        Assert.Equal([new SbomEvidence("/" + runtime.PathInImage, Digest.Compute(runtimeLayer))], framework.Evidence);

        // and the graph
        Assert.Equal(
            new[] { sink.BomRef, library.BomRef, framework.BomRef }.Order(StringComparer.Ordinal),
            result.Dependencies.Single(d => d.Ref == app.BomRef).DependsOn);
        Assert.Equal([serilog.BomRef], result.Dependencies.Single(d => d.Ref == sink.BomRef).DependsOn);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public async Task Without_a_runtime_in_the_image_the_framework_is_the_one_runtimeconfig_asks_for()
    {
        var appLayer = AppLayer(_apps.FrameworkDependent, "app").Tar();

        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (appLayer, LayerCompression.None)), CancellationToken.None)).Result;

        var framework = result.Components.Single(c => c.Type == SbomComponentType.Framework);
        Assert.Equal(("Microsoft.NETCore.App", "10.0.0", null), (framework.Name, framework.Version, framework.Purl));
        Assert.Equal($"/app/{PublishedApps.AppName}.runtimeconfig.json", framework.Evidence.Single().Path);
        Assert.Contains(framework.BomRef, result.Dependencies.Single(d => d.Ref == result.Components.Single(c => c.Name == PublishedApps.AppName).BomRef).DependsOn);
    }

    [Fact]
    public async Task A_self_contained_app_names_its_runtime_pack_as_the_framework()
    {
        var appLayer = AppLayer(_apps.SelfContained, "app").Gzip();

        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (appLayer, LayerCompression.Gzip)), CancellationToken.None)).Result;

        var framework = result.Components.Single(c => c.Type == SbomComponentType.Framework);
        Assert.Equal($"pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@{_apps.RuntimePackVersion}", framework.Purl);
        Assert.Equal("Microsoft.NETCore.App.Runtime.linux-x64", framework.Name);
        var app = result.Components.Single(c => c.Name == PublishedApps.AppName);
        Assert.Contains(new KeyValuePair<string, string>("toolkit:dotnet:runtimeTarget", ".NETCoreApp,Version=v10.0/linux-x64"), app.Properties);
        Assert.Contains(new KeyValuePair<string, string>("toolkit:dotnet:runtimeIdentifier", "linux-x64"), app.Properties);
        Assert.Contains(framework.BomRef, result.Dependencies.Single(d => d.Ref == app.BomRef).DependsOn);
        Assert.Contains(result.Components, c => c.Purl == $"pkg:nuget/Serilog@{PublishedApps.SerilogVersion}");
    }

    [Fact]
    public async Task A_layer_that_deletes_the_deps_json_removes_the_app_and_a_broken_one_is_a_note()
    {
        var appLayer = AppLayer(_apps.FrameworkDependent, "app").Tar();
        var deleting = new TestLayer()
            .Whiteout($"app/{PublishedApps.AppName}.deps.json")
            .File("other/Broken.deps.json", "{ not json")
            .Tar();

        var result = (await ImageCataloger.CatalogAsync(
            await TestImages.WalkAsync(null, (appLayer, LayerCompression.None), (deleting, LayerCompression.None)),
            CancellationToken.None)).Result;

        Assert.Empty(result.Components);
        Assert.Single(result.Notes, n => n.StartsWith($"TK5047: /other/Broken.deps.json (layer {Digest.Compute(deleting)}) is not valid JSON", StringComparison.Ordinal));
    }
}
