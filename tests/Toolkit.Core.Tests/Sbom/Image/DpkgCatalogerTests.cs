using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// The dpkg cataloger on this Debian machine's own database: /var/lib/dpkg/status and /etc/os-release put into a
/// layer as they are, checked against what dpkg-query says about the same database.
/// </summary>
public sealed class DpkgCatalogerTests
{
    private const string StatusPath = "/var/lib/dpkg/status";

    [Fact]
    public async Task Every_installed_package_of_the_real_status_file_is_a_component_as_dpkg_query_lists_it()
    {
        // Given
        var expected = await InstalledAsync();
        var layer = new TestLayer()
            .File("etc/os-release", File.ReadAllBytes("/etc/os-release"))
            .File("var/lib/dpkg/status", File.ReadAllBytes(StatusPath))
            .Gzip();
        var os = OsRelease.Parse(File.ReadAllText("/etc/os-release"), new SbomEvidence("/etc/os-release"));

        // When
        var catalog = await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (layer, LayerCompression.Gzip)), CancellationToken.None);

        // Then
        var packages = catalog.Result.Components.Where(c => c.Purl?.StartsWith("pkg:deb/", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(
            expected.Select(p => $"{p.Name} {p.Version} {p.Architecture}").Order(StringComparer.Ordinal),
            packages.Select(c => $"{c.Name} {c.Version} {ArchOf(c.Purl!)}").Order(StringComparer.Ordinal));
        Assert.All(packages, c =>
        {
            // Names such as g++ and libstdc++6 are escaped like versions: '+' is not among the purl's unescaped characters.
            Assert.StartsWith($"pkg:deb/{os.Id}/{c.Name.Replace("+", "%2B", StringComparison.Ordinal)}@", c.Purl, StringComparison.Ordinal);
            Assert.EndsWith($"&distro={os.Id}-{os.VersionId}", c.Purl, StringComparison.Ordinal);
            Assert.Equal([new SbomEvidence(StatusPath, Digest.Compute(layer))], c.Evidence);
        });
        var system = Assert.Single(catalog.Result.Components, c => c.Type == SbomComponentType.OperatingSystem);
        Assert.Equal(os.Id, system.Name);
        Assert.Equal(os.VersionId, system.Version);
        Assert.Equal(os.PrettyName, system.Description);
        Assert.Empty(catalog.Result.Notes);
    }

    [Fact]
    public async Task Purls_keep_the_epoch_colon_and_escape_the_plus_and_source_and_maintainer_are_kept()
    {
        var layer = new TestLayer()
            .File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
            .File("var/lib/dpkg/status", File.ReadAllBytes(StatusPath))
            .Tar();

        var catalog = await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (layer, LayerCompression.None)), CancellationToken.None);

        // bsdutils is "1:2.38.1-5+deb12u3" from source util-linux on Debian 12: an epoch and a '+' in one version.
        var bsdutils = Assert.Single(catalog.Result.Components, c => c.Name == "bsdutils");
        var version = (await InstalledAsync()).Single(p => p.Name == "bsdutils").Version;
        Assert.Equal($"pkg:deb/debian/bsdutils@{version.Replace("+", "%2B", StringComparison.Ordinal)}?arch=amd64&distro=debian-12", bsdutils.Purl);
        Assert.Contains("@1:", bsdutils.Purl, StringComparison.Ordinal);
        Assert.Contains(new KeyValuePair<string, string>("toolkit:deb:source", "util-linux"), bsdutils.Properties);
        var dpkg = Assert.Single(catalog.Result.Components, c => c.Name == "dpkg");
        Assert.Equal("Dpkg Developers <debian-dpkg@lists.debian.org>", dpkg.Supplier);
    }

    [Fact]
    public async Task Depends_and_Pre_Depends_become_dependencies_on_installed_packages()
    {
        var layer = new TestLayer().File("var/lib/dpkg/status", File.ReadAllBytes(StatusPath)).Tar();

        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (layer, LayerCompression.None)), CancellationToken.None)).Result;

        var refs = result.Components.Select(c => c.BomRef).ToHashSet(StringComparer.Ordinal);
        var dpkg = result.Components.Single(c => c.Name == "dpkg").BomRef;
        var dependsOn = result.Dependencies.Single(d => d.Ref == dpkg).DependsOn.Select(r => result.Components.Single(c => c.BomRef == r).Name).ToList();
        // dpkg: "Depends: tar", "Pre-Depends: libbz2-1.0, libc6, liblzma5, libmd0, libselinux1, libzstd1, zlib1g"
        Assert.Equal(["libbz2-1.0", "libc6", "liblzma5", "libmd0", "libselinux1", "libzstd1", "tar", "zlib1g"], dependsOn.Order(StringComparer.Ordinal));
        Assert.All(result.Dependencies, d => Assert.All(d.DependsOn, r => Assert.Contains(r, refs)));
        Assert.True(result.Dependencies.Sum(d => d.DependsOn.Count) > 1000, "a Debian system's packages have well over a thousand resolved dependencies");
    }

    [Fact]
    public async Task A_layer_that_replaces_the_status_file_without_a_package_removes_that_package()
    {
        // Given: what 'dpkg --purge tar' leaves: the same status without tar's paragraph, written by a later layer
        var status = File.ReadAllText(StatusPath);
        var paragraphs = status.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var withoutTar = string.Join("\n\n", paragraphs.Where(p => !p.StartsWith("Package: tar\n", StringComparison.Ordinal))) + "\n";
        var lower = new TestLayer().File("var/lib/dpkg/status", status).Gzip();
        var upper = new TestLayer().Whiteout("var/lib/dpkg/status").File("var/lib/dpkg/status", withoutTar).Gzip();

        // When
        var before = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (lower, LayerCompression.Gzip)), CancellationToken.None)).Result;
        var after = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (lower, LayerCompression.Gzip), (upper, LayerCompression.Gzip)), CancellationToken.None)).Result;

        // Then
        Assert.Contains(before.Components, c => c.Name == "tar");
        Assert.DoesNotContain(after.Components, c => c.Name == "tar");
        Assert.Equal(before.Components.Count - 1, after.Components.Count);
        Assert.All(after.Components, c => Assert.Equal(Digest.Compute(upper), c.Evidence.Single().Layer));
    }

    [Fact]
    public async Task Distroless_status_d_files_made_from_real_entries_are_read_and_md5sums_files_are_not_packages()
    {
        // Given: /var/lib/dpkg/status.d/<package> as distroless writes them: the package's paragraph without Status,
        // and the package's md5sums beside it
        var names = new[] { "base-files", "libc6", "libssl3", "tzdata", "netbase" };
        var layer = new TestLayer().File("etc/os-release", "PRETTY_NAME=\"Distroless\"\nID=debian\nVERSION_ID=\"12\"\n");
        foreach (var name in names)
        {
            var paragraph = (await DpkgQueryAsync("-s", name)).Split('\n').Where(l => !l.StartsWith("Status:", StringComparison.Ordinal));
            layer.File($"var/lib/dpkg/status.d/{name}", string.Join('\n', paragraph));
            var md5sums = Directory.GetFiles("/var/lib/dpkg/info", name + "*.md5sums").FirstOrDefault();
            if (md5sums is not null)
            {
                layer.File($"var/lib/dpkg/status.d/{name}.md5sums", File.ReadAllBytes(md5sums));
            }
        }

        // When
        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (layer.Tar(), LayerCompression.None)), CancellationToken.None)).Result;

        // Then
        var packages = result.Components.Where(c => c.Type == SbomComponentType.Library).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), packages.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(packages, c => Assert.Equal($"/var/lib/dpkg/status.d/{c.Name}", c.Evidence.Single().Path));
        var libssl = result.Dependencies.Single(d => d.Ref == packages.Single(c => c.Name == "libssl3").BomRef);
        Assert.Contains(packages.Single(c => c.Name == "libc6").BomRef, libssl.DependsOn);
    }

    private static string ArchOf(string purl)
        => purl[(purl.IndexOf("arch=", StringComparison.Ordinal) + 5)..].Split('&')[0];

    private static async Task<List<(string Name, string Version, string Architecture)>> InstalledAsync()
    {
        var output = await DpkgQueryAsync("-W", "-f=${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\n");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(f => f[0] == "installed")
            .Select(f => (f[1], f[2], f[3]))];
    }

    private static async Task<string> DpkgQueryAsync(params string[] arguments)
    {
        var result = await ExternalTool.RunAsync("dpkg-query", arguments);
        result.EnsureSuccess();
        return Encoding.UTF8.GetString(result.StandardOutputBytes);
    }
}
