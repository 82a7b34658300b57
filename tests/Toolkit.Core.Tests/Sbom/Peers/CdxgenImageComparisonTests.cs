using System.Text.Json;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Sbom;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Sbom.Image;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Peers;

/// <summary>
/// Peer comparison on image archives (integration, not timed): cdxgen 12.8.4 (<see cref="Cdxgen"/>: installed by
/// <c>.ci/run</c> into <c>tests/peers</c>, run offline in a network namespace of its own) and ours describe the same image
/// tarball, and our OS packages are a superset of cdxgen's, matched by name and version and by purl.
/// </summary>
/// <remarks>
/// cdxgen reads an image archive by extracting every layer to disk and running its trivy plugin on the result. What it
/// reports, and how its purls differ from ours:
/// <list type="bullet">
/// <item>One component per installed binary package (trivy's, with an <c>aquasecurity:trivy:PkgID</c> property), plus one
/// per source package (tagged <c>source</c>, no trivy properties) that is not also a binary package of that name and
/// version. A source package is no installed package of ours, so those are checked against the source of our packages
/// (dpkg's <c>Source</c>, apk's origin) instead.</item>
/// <item>Its purls add <c>distro_name</c> (Debian's codename, <c>bookworm</c>; Alpine's <c>alpine-3.14</c>) and, for a
/// Debian version with an epoch, an <c>epoch=N</c> qualifier while the version keeps the epoch too
/// (<c>pkg:deb/debian/busybox@1:1.35.0-4%2Bdeb12u1?arch=amd64&amp;distro=debian-12&amp;distro_name=bookworm&amp;epoch=1</c>).
/// Ours carry neither; every other part, <c>arch</c> and <c>distro</c> (<c>debian-12</c>, <c>alpine-3.14.2</c>) included,
/// is the same, and both encode <c>+</c> as <c>%2B</c> and keep <c>:</c>.</item>
/// <item>trivy detects the operating system from <c>/etc/debian_version</c> or <c>/etc/alpine-release</c>, not from
/// <c>/etc/os-release</c>: without it cdxgen reports no OS package at all, so the images carry the file as real ones do.
/// It reports no operating-system component; ours does (from <c>/etc/os-release</c>).</item>
/// <item>It does not read the application's <c>/app/*.deps.json</c>: the NuGet packages in it are ours alone.</item>
/// </list>
/// </remarks>
[Collection(nameof(PublishedApps))]
public sealed class CdxgenImageComparisonTests(PublishedApps apps) : IDisposable
{
    /// <summary>Qualifiers cdxgen's OS package purls have and ours do not (see the remarks).</summary>
    private static readonly string[] s_cdxgenOnlyQualifiers = ["distro_name", "epoch"];

    private readonly TemporaryDirectory _temp = new("tk-cdxgen-image");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task On_a_debian_app_image_in_a_docker_archive_our_os_packages_are_a_superset_of_cdxgens_and_we_also_list_the_apps_nuget_packages()
    {
        // Given: a base of this machine's real dpkg database, os-release (a link to /usr/lib/os-release, as Debian has it)
        // and debian_version, the real shared framework's deps.json, and the real published app in /app on top
        var runtime = DotNetDepsCatalogerTests.InstalledRuntime();
        var os = TestImages.Gzip(new TestLayer()
            .File("usr/lib/os-release", File.ReadAllBytes("/etc/os-release"))
            .Symlink("etc/os-release", "../usr/lib/os-release")
            .File("etc/debian_version", File.ReadAllBytes("/etc/debian_version"))
            .File("var/lib/dpkg/status", File.ReadAllBytes("/var/lib/dpkg/status")));
        var dotnet = TestImages.Gzip(new TestLayer().File(runtime.PathInImage, runtime.DepsJson));
        var (baseSource, _) = await TestImages.WriteLayoutAsync(_temp.Combine("base"), os, dotnet);
        await baseSource.DisposeAsync();
        var archive = _temp.Combine("debian-app.tar");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = new OciLayoutLocation(_temp.Combine("base"), "1.0"),
            Output = new DockerArchiveLocation(archive, "tk/debian-app:1"),
            Layers = [new LayerSpec(apps.FrameworkDependent, "/app")],
            Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit),
        }, CancellationToken.None);

        // When
        var theirs = BomComponent.Read(await Cdxgen.RunAsync(TestPaths.RepositoryRoot, "docker", archive, _temp.Combine("cdxgen")));
        var ours = await OursAsync(new DockerArchiveLocation(archive));

        // Then: every installed package cdxgen reports is ours, and so is the source of every source package it reports
        var (binaries, sources) = AssertOsPackagesSuperset(theirs, ours, "deb", "toolkit:deb:source", "toolkit:deb:sourceVersion");
        var installed = File.ReadAllText("/var/lib/dpkg/status").Split('\n').Count(l => l.StartsWith("Status: ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" installed", StringComparison.Ordinal));
        Assert.True(binaries >= 100 && binaries <= installed, $"cdxgen reported {binaries} of the {installed} installed Debian packages");
        Assert.True(sources > 0, "cdxgen reported no source package");

        // the app's NuGet packages, as its deps.json (read here on its own) lists them, are ours; any cdxgen lists are too
        var nuget = DepsJsonPackages(Path.Combine(apps.FrameworkDependent, PublishedApps.AppName + ".deps.json"));
        Assert.Contains($"pkg:nuget/Serilog@{PublishedApps.SerilogVersion}", nuget);
        Assert.Subset(ours.Select(c => c.Purl).OfType<string>().ToHashSet(StringComparer.Ordinal), nuget);
        var theirNuGet = theirs.Select(c => c.Purl).OfType<string>().Where(p => p.StartsWith("pkg:nuget/", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(ours.Select(c => c.Purl).OfType<string>().ToHashSet(StringComparer.Ordinal), theirNuGet);
        Assert.True(theirNuGet.Count < nuget.Count, $"cdxgen now lists {theirNuGet.Count} of the app's {nuget.Count} NuGet packages: update the remarks of this class");
    }

    [Fact]
    public async Task On_an_alpine_image_in_an_oci_archive_our_os_packages_are_a_superset_of_cdxgens()
    {
        // Given: the real Alpine 3.14 apk database and os-release of the apk cataloger's tests (TestData/sbom/alpine-3.14),
        // and /etc/alpine-release as Alpine 3.14.2 has it (trivy recognises Alpine by that file only)
        var fixture = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "sbom", "alpine-3.14");
        var layer = TestImages.Gzip(new TestLayer()
            .File("etc/os-release", File.ReadAllBytes(Path.Combine(fixture, "os-release")))
            .File("etc/alpine-release", "3.14.2\n")
            .File("lib/apk/db/installed", File.ReadAllBytes(Path.Combine(fixture, "installed"))));
        var (layout, _) = await TestImages.WriteLayoutAsync(_temp.Combine("alpine"), layer);
        var archive = _temp.Combine("alpine.tar");
        await using (layout)
        {
            await using var destination = await new ImageLocations().OpenDestinationAsync(new OciArchiveLocation(archive, "3.14"), CancellationToken.None);
            await new ImageCopier().CopyAsync(layout, destination, ["3.14"], CancellationToken.None);
        }

        // When
        var theirs = BomComponent.Read(await Cdxgen.RunAsync(TestPaths.RepositoryRoot, "docker", archive, _temp.Combine("cdxgen")));
        var ours = await OursAsync(new OciArchiveLocation(archive));

        // Then: all 25 packages of the database, and the origin of every source package cdxgen adds
        var (binaries, sources) = AssertOsPackagesSuperset(theirs, ours, "apk", "toolkit:apk:origin", sourceVersionProperty: null);
        Assert.Equal(25, binaries);
        Assert.True(sources > 0, "cdxgen reported no source package");
    }

    private static async Task<IReadOnlyList<BomComponent>> OursAsync(ImageLocation image)
    {
        var result = await new SbomGenerator().GenerateAsync(new SbomRequest { Image = image }, CancellationToken.None);
        return BomComponent.Read(BomComponent.Parse(result.Content));
    }

    /// <summary>
    /// Every binary package of cdxgen's (of purl type <paramref name="purlType"/>) is ours with the same name, version and purl
    /// (but for <see cref="s_cdxgenOnlyQualifiers"/>), and every source package it reports is the source of one of ours.
    /// </summary>
    private static (int Binaries, int Sources) AssertOsPackagesSuperset(
        IReadOnlyList<BomComponent> theirs, IReadOnlyList<BomComponent> ours, string purlType, string sourceProperty, string? sourceVersionProperty)
    {
        var ourPackages = ours.Where(c => c.ParsedPurl?.Type == purlType).ToList();
        var byNameAndVersion = ourPackages.ToLookup(c => (c.Name, c.Version));
        var theirPackages = theirs.Where(c => c.ParsedPurl?.Type == purlType).ToList();
        var binaries = theirPackages.Where(c => c.Properties.ContainsKey("aquasecurity:trivy:PkgID")).ToList();
        var sources = theirPackages.Except(binaries).ToList();

        var missing = binaries.Where(p => !byNameAndVersion.Contains((p.Name, p.Version))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} OS package(s) cdxgen reports are missing from ours: {string.Join(", ", missing.Take(20))}");
        foreach (var package in binaries)
        {
            var theirPurl = package.ParsedPurl!;
            var candidates = byNameAndVersion[(package.Name, package.Version)].ToList();
            Assert.True(
                candidates.Any(c =>
                {
                    var (same, onlyOurs, onlyTheirs) = c.ParsedPurl!.Compare(theirPurl);
                    return same && onlyOurs.Count == 0 && onlyTheirs.All(s_cdxgenOnlyQualifiers.Contains);
                }),
                $"cdxgen's {package.Purl} differs from ours beyond {string.Join(" and ", s_cdxgenOnlyQualifiers)}: {string.Join(", ", candidates)}");
        }

        var ourSources = ourPackages
            .Select(c => (
                Name: c.Properties.GetValueOrDefault(sourceProperty) ?? c.Name,
                Version: (sourceVersionProperty is null ? null : c.Properties.GetValueOrDefault(sourceVersionProperty)) ?? c.Version))
            .ToHashSet();
        var unknownSources = sources.Where(s => !s.Tags.Contains("source") || !ourSources.Contains((s.Name, s.Version))).ToList();
        Assert.True(unknownSources.Count == 0, $"{unknownSources.Count} source package(s) of cdxgen's are the source of none of ours: {string.Join(", ", unknownSources.Take(20))}");
        return (binaries.Count, sources.Count);
    }

    /// <summary>The <c>package</c> libraries of a deps.json as NuGet purls, read with nothing of ours.</summary>
    private static HashSet<string> DepsJsonPackages(string depsJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(depsJson));
        return document.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => "pkg:nuget/" + l.Name.Replace('/', '@'))
            .ToHashSet(StringComparer.Ordinal);
    }
}
