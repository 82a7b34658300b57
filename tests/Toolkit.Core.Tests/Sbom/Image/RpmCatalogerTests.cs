using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// The rpm cataloger on a real rpmdb.sqlite: two packages built with rpmbuild and registered with
/// <c>rpm -i --justdb</c> (Debian's rpm 4.18, whose database backend is sqlite), read back by <c>rpm -qa</c> as the oracle.
/// </summary>
public sealed class RpmCatalogerTests : IClassFixture<RpmCatalogerTests.RpmDatabase>
{
    private readonly RpmDatabase _database;

    public RpmCatalogerTests(RpmDatabase database) => _database = database;

    [Fact]
    public async Task Every_package_of_a_real_rpm_database_is_a_component_as_rpm_lists_it()
    {
        // Given: the database where Fedora keeps it, /var/lib/rpm a link to it, as on Fedora 36 and later
        var layer = new TestLayer()
            .File("etc/os-release", "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n")
            .File("usr/lib/sysimage/rpm/rpmdb.sqlite", _database.Sqlite);
        if (_database.WriteAheadLog is { } wal)
        {
            layer.File("usr/lib/sysimage/rpm/rpmdb.sqlite-wal", wal);
        }

        var blob = layer.Symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm").Gzip();

        // When
        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (blob, LayerCompression.Gzip)), CancellationToken.None)).Result;

        // Then
        var packages = result.Components.Where(c => c.Purl?.StartsWith("pkg:rpm/", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(
            _database.Listed.Order(StringComparer.Ordinal),
            packages.Select(p => $"{p.Name} {Qualifier(p.Purl!, "epoch") ?? "(none)"} {p.Version} {Qualifier(p.Purl!, "arch")}").Order(StringComparer.Ordinal));
        var hello = packages.Single(p => p.Name == "toolkit-hello");
        Assert.Equal("pkg:rpm/rhel/toolkit-hello@1.2.3-4.el9?arch=noarch&distro=rhel-9.4&epoch=2", hello.Purl);
        Assert.Equal([new SbomLicense { Expression = "MIT AND Apache-2.0" }], hello.Licenses);
        Assert.Equal("Toolkit Tests", hello.Supplier);
        Assert.Equal("A test package that needs the base", hello.Description);
        Assert.Contains(new KeyValuePair<string, string>("toolkit:rpm:sourceRpm", "toolkit-hello-1.2.3-4.el9.src.rpm"), hello.Properties);
        Assert.Equal([new SbomEvidence("/usr/lib/sysimage/rpm/rpmdb.sqlite", Digest.Compute(blob))], hello.Evidence);
        Assert.Equal("pkg:rpm/rhel/toolkit-base@1.0-1?arch=noarch&distro=rhel-9.4", packages.Single(p => p.Name == "toolkit-base").Purl);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public async Task Requires_resolve_to_packages_by_name_by_what_they_provide_and_by_the_files_they_own()
    {
        var blob = new TestLayer().File("var/lib/rpm/rpmdb.sqlite", _database.Sqlite).Tar();

        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (blob, LayerCompression.None)), CancellationToken.None)).Result;

        // toolkit-hello requires "toolkit-base >= 1.0", "toolkit-shell" (provided by toolkit-base) and
        // "/usr/bin/toolkit-sh" (a file of toolkit-base), plus rpmlib(...) features that are no packages.
        var hello = result.Components.Single(c => c.Name == "toolkit-hello");
        var @base = result.Components.Single(c => c.Name == "toolkit-base");
        Assert.Equal([@base.BomRef], result.Dependencies.Single(d => d.Ref == hello.BomRef).DependsOn);
        Assert.StartsWith("pkg:rpm/toolkit%20tests/toolkit-hello@", hello.Purl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BerkeleyDB_and_NDB_databases_are_reported_as_not_supported()
    {
        // Debian's rpm has neither backend, so no real one can be made here; the path alone decides, the bytes are not read.
        var bdb = new TestLayer().File("var/lib/rpm/Packages", new byte[4096]).Tar();
        var ndb = new TestLayer().File("usr/lib/sysimage/rpm/Packages.db", new byte[4096]).Tar();

        var bdbNotes = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (bdb, LayerCompression.None)), CancellationToken.None)).Result.Notes;
        var ndbNotes = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (ndb, LayerCompression.None)), CancellationToken.None)).Result.Notes;

        Assert.Equal(["TK5046: rpm database format BerkeleyDB is not supported (/var/lib/rpm/Packages, layer " + Digest.Compute(bdb) + "); only rpmdb.sqlite (rpm 4.16 and later) is read, so the image's rpm packages are missing from the SBOM."], bdbNotes);
        Assert.Single(ndbNotes, n => n.StartsWith("TK5046: rpm database format NDB is not supported (/usr/lib/sysimage/rpm/Packages.db", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_a_note_not_a_crash()
    {
        var blob = new TestLayer().File("usr/lib/sysimage/rpm/rpmdb.sqlite", "this is not a database").Tar();

        var result = (await ImageCataloger.CatalogAsync(await TestImages.WalkAsync(null, (blob, LayerCompression.None)), CancellationToken.None)).Result;

        Assert.Empty(result.Components);
        Assert.Single(result.Notes, n => n.StartsWith("TK5047: /usr/lib/sysimage/rpm/rpmdb.sqlite", StringComparison.Ordinal));
    }

    [Fact]
    public void Corrupt_headers_fail_as_invalid_data_and_never_read_out_of_bounds()
    {
        Assert.Throws<InvalidDataException>(() => new RpmHeader([0, 0, 0, 1]));
        Assert.Throws<InvalidDataException>(() => new RpmHeader([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
        // One entry (tag 1000, string) pointing past a 4-byte data store.
        var header = new byte[8 + 16 + 4];
        header[3] = 1;
        header[7] = 4;
        header[8 + 2] = 0x03;
        header[8 + 3] = 0xe8;
        header[8 + 7] = 6;
        header[8 + 11] = 9;
        header[8 + 15] = 1;
        Assert.Throws<InvalidDataException>(() => new RpmHeader(header));
        header[8 + 11] = 0;
        "abcd"u8.CopyTo(header.AsSpan(24));
        Assert.Throws<InvalidDataException>(() => new RpmHeader(header).String(RpmHeader.TagName));
    }

    private static string? Qualifier(string purl, string key)
        => purl[(purl.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(q => q.Split('=')).FirstOrDefault(q => q[0] == key)?[1];

    /// <summary>Builds two packages with rpmbuild and registers them in a fresh rpmdb.sqlite.</summary>
    public sealed class RpmDatabase : IAsyncLifetime
    {
        private readonly TemporaryDirectory _temp = new("tk-rpm");

        public byte[] Sqlite { get; private set; } = [];

        public byte[]? WriteAheadLog { get; private set; }

        /// <summary>"name epoch version-release arch" of each package, as <c>rpm -qa</c> prints them.</summary>
        public IReadOnlyList<string> Listed { get; private set; } = [];

        public async Task InitializeAsync()
        {
            var top = _temp.Combine("rpmbuild");
            WriteSpec("toolkit-base.spec", """
                Name: toolkit-base
                Version: 1.0
                Release: 1
                Summary: The base of the test packages
                License: MIT
                BuildArch: noarch
                Provides: toolkit-shell

                %description
                The base.

                %install
                mkdir -p %{buildroot}/usr/bin
                printf '#!/bin/sh\n' > %{buildroot}/usr/bin/toolkit-sh

                %files
                /usr/bin/toolkit-sh
                """);
            WriteSpec("toolkit-hello.spec", """
                Name: toolkit-hello
                Version: 1.2.3
                Release: 4.el9
                Epoch: 2
                Summary: A test package that needs the base
                License: MIT AND Apache-2.0
                Vendor: Toolkit Tests
                BuildArch: noarch
                Requires: toolkit-base >= 1.0
                Requires: toolkit-shell
                Requires: /usr/bin/toolkit-sh

                %description
                Hello.

                %install
                mkdir -p %{buildroot}/usr/share/toolkit-hello
                echo hello > %{buildroot}/usr/share/toolkit-hello/hello.txt

                %files
                /usr/share/toolkit-hello/hello.txt
                """);
            foreach (var spec in new[] { "toolkit-base.spec", "toolkit-hello.spec" })
            {
                (await ExternalTool.RunAsync("rpmbuild", ["--define", $"_topdir {top}", "-bb", _temp.Combine(spec)])).EnsureSuccess();
            }

            var root = _temp.Combine("root");
            string[] database = ["--root", root, "--dbpath", "/usr/lib/sysimage/rpm"];
            (await ExternalTool.RunAsync("rpm", [.. database, "--initdb"])).EnsureSuccess();
            var packages = Directory.GetFiles(Path.Combine(top, "RPMS", "noarch"), "*.rpm");
            (await ExternalTool.RunAsync("rpm", [.. database, "-i", "--justdb", "--nodeps", "--ignorearch", .. packages])).EnsureSuccess();
            var listed = await ExternalTool.RunAsync("rpm", [.. database, "-qa", "--qf", "%{NAME} %{EPOCH} %{VERSION}-%{RELEASE} %{ARCH}\\n"]);
            Listed = [.. listed.EnsureSuccess().StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            var sqlite = Path.Combine(root, "usr", "lib", "sysimage", "rpm", "rpmdb.sqlite");
            Sqlite = await File.ReadAllBytesAsync(sqlite);
            WriteAheadLog = File.Exists(sqlite + "-wal") && new FileInfo(sqlite + "-wal").Length > 0 ? await File.ReadAllBytesAsync(sqlite + "-wal") : null;
        }

        public Task DisposeAsync()
        {
            _temp.Dispose();
            return Task.CompletedTask;
        }

        private void WriteSpec(string name, string text) => File.WriteAllText(_temp.Combine(name), text.Replace("\r", string.Empty, StringComparison.Ordinal), new UTF8Encoding(false));
    }
}
