using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// The apk cataloger on a real Alpine 3.14 database (TestData/sbom/alpine-3.14/SOURCE.md says where it comes from):
/// apk is not in Debian 12 and Alpine's repositories are out of reach here, so no database can be made in the test.
/// </summary>
public sealed class ApkCatalogerTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "sbom", "alpine-3.14", name);

    private static async Task<(CatalogResult Result, Digest Layer)> CatalogAsync()
    {
        var layer = new TestLayer()
            .File("etc/os-release", File.ReadAllBytes(Fixture("os-release")))
            .File("lib/apk/db/installed", File.ReadAllBytes(Fixture("installed")))
            .Gzip();
        var catalog = await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (layer, LayerCompression.Gzip)), CancellationToken.None);
        return (catalog.Result, Digest.Compute(layer));
    }

    [Fact]
    public async Task Every_package_record_is_a_component_with_an_alpine_purl()
    {
        var (result, layer) = await CatalogAsync();

        var packages = result.Components.Where(c => c.Type == SbomComponentType.Library).ToList();
        var records = File.ReadAllLines(Fixture("installed")).Count(l => l.StartsWith("P:", StringComparison.Ordinal));
        Assert.Equal(25, records);
        Assert.Equal(records, packages.Count);
        var musl = packages.Single(c => c.Name == "musl");
        Assert.Equal("1.2.2-r3", musl.Version);
        Assert.Equal("pkg:apk/alpine/musl@1.2.2-r3?arch=armv7&distro=alpine-3.14.2", musl.Purl);
        Assert.Equal("Timo Teräs <timo.teras@iki.fi>", musl.Supplier);
        Assert.Equal("the musl c library (libc) implementation", musl.Description);
        Assert.Equal([new SbomEvidence("/lib/apk/db/installed", layer)], musl.Evidence);
        Assert.Equal("pkg:apk/alpine/libstdc%2B%2B@10.3.1_git20210424-r2?arch=armv7&distro=alpine-3.14.2", packages.Single(c => c.Name == "libstdc++").Purl);
        var os = Assert.Single(result.Components, c => c.Type == SbomComponentType.OperatingSystem);
        Assert.Equal(("alpine", "3.14.2", "Alpine Linux v3.14"), (os.Name, os.Version, os.Description));
        Assert.Empty(result.Notes);
    }

    [Fact]
    public async Task Origin_licence_and_control_checksum_are_kept()
    {
        var (result, _) = await CatalogAsync();

        var ssl = result.Components.Single(c => c.Name == "libssl1.1");
        Assert.Contains(new KeyValuePair<string, string>("toolkit:apk:origin", "openssl"), ssl.Properties);
        // C:Q1okgvkw9n0m1RVQHuH+ZUWw9s3HU= is base64 of a SHA-1.
        Assert.Contains(new KeyValuePair<string, string>("toolkit:apk:controlChecksum", "sha1:" + Convert.ToHexStringLower(Convert.FromBase64String("okgvkw9n0m1RVQHuH+ZUWw9s3HU="))), ssl.Properties);
        Assert.Equal([new SbomLicense { Expression = "OpenSSL" }], ssl.Licenses);
        Assert.Equal([new SbomLicense { Expression = "ISC AND (BSD-3-Clause OR MIT)" }], result.Components.Single(c => c.Name == "libretls").Licenses);
        // "MIT BSD GPL2+" lists licences without operators: not an SPDX expression, so it stays a name.
        Assert.Equal([new SbomLicense { Name = "MIT BSD GPL2+" }], result.Components.Single(c => c.Name == "musl-utils").Licenses);
    }

    [Fact]
    public async Task Dependencies_resolve_through_names_versions_shared_libraries_commands_and_files_and_skip_conflicts()
    {
        var (result, _) = await CatalogAsync();

        string Ref(string name) => result.Components.Single(c => c.Name == name).BomRef;
        IReadOnlyList<string> DependsOn(string name) => result.Dependencies.SingleOrDefault(d => d.Ref == Ref(name))?.DependsOn ?? [];

        // apk-tools: "D:musl>=1.2 so:libc.musl-armv7.so.1 so:libcrypto.so.1.1 so:libssl.so.1.1 so:libz.so.1"
        Assert.Equal(new[] { Ref("musl"), Ref("libcrypto1.1"), Ref("libssl1.1"), Ref("zlib") }.Order(StringComparer.Ordinal), DependsOn("apk-tools"));
        // alpine-baselayout: "D:/bin/sh so:libc.musl-armv7.so.1", /bin/sh provided by busybox ("p:/bin/sh cmd:busybox cmd:sh")
        Assert.Equal(new[] { Ref("busybox"), Ref("musl") }.Order(StringComparer.Ordinal), DependsOn("alpine-baselayout"));
        // ifupdown-ng: "D:!vlan so:libc.musl-armv7.so.1": the conflict with vlan is no dependency
        Assert.Equal([Ref("musl")], DependsOn("ifupdown-ng"));
        // musl-utils: "D:scanelf so:libc.musl-armv7.so.1"
        Assert.Equal(new[] { Ref("scanelf"), Ref("musl") }.Order(StringComparer.Ordinal), DependsOn("musl-utils"));
    }
}
