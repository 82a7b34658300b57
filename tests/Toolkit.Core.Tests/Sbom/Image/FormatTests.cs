using System.Formats.Tar;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Image;

namespace Toolkit.Core.Tests.Sbom.Image;

public sealed class FormatTests
{
    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    public async Task Long_names_in_pax_gnu_and_ustar_layers_are_read_whole(TarEntryFormat format)
    {
        // Given: a path longer than the 100-byte name field (ustar splits it into prefix and name, pax and GNU use a record)
        var path = "usr/share/" + string.Join('/', Enumerable.Repeat("deep-folder-name", 8)) + "/Long.App.deps.json";
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, format, leaveOpen: true))
        {
            TarEntry entry = format switch
            {
                TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, path),
                TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, path),
                _ => new UstarTarEntry(TarEntryType.RegularFile, path),
            };
            entry.DataStream = new MemoryStream("{}"u8.ToArray());
            writer.WriteEntry(entry);
            TarEntry link = format switch
            {
                TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.SymbolicLink, "etc/os-release"),
                TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.SymbolicLink, "etc/os-release"),
                _ => new UstarTarEntry(TarEntryType.SymbolicLink, "etc/os-release"),
            };
            // ustar has no room for a link target this long; pax and GNU do.
            link.LinkName = format == TarEntryFormat.Ustar ? "../usr/share" : "../" + path;
            writer.WriteEntry(link);
        }

        // When
        var files = await TestImages.WalkAsync(null, (tar.ToArray(), LayerCompression.None));

        // Then
        Assert.True(path.Length > 155);
        Assert.Equal(["/" + path], files.Files.Select(f => f.Path));
        Assert.Equal(format == TarEntryFormat.Ustar ? null : "/" + path, files.Find("/etc/os-release")?.Path);
    }

    [Fact]
    public void Os_release_values_are_unquoted_and_unescaped_as_os_release_5_says()
    {
        var text = "# comment\nNAME=\"Debian GNU/Linux\"\nID=Debian\nID_LIKE='rhel fedora'\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Say \\\"hi\\\" \\$HOME\"\n";

        var os = OsRelease.Parse(text, new SbomEvidence("/etc/os-release"));

        Assert.Equal("debian", os.Id);
        Assert.Equal("Debian GNU/Linux", os.Name);
        Assert.Equal(["rhel", "fedora"], os.IdLike);
        Assert.Equal("Say \"hi\" $HOME", os.PrettyName);
        Assert.Equal("debian-12", os.Distro);
        Assert.Equal("debian-trixie", OsRelease.Parse("ID=debian\nVERSION_CODENAME=trixie\n", new SbomEvidence("/etc/os-release")).Distro);
        Assert.Equal("linux", OsRelease.Parse("NAME=x\n", new SbomEvidence("/etc/os-release")).Id);
    }

    [Fact]
    public void Package_urls_are_canonical()
    {
        Assert.Equal(
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25&epoch=1",
            PackageUrl.Create("rpm", "fedora", "curl", "7.50.3-1.fc25", ("epoch", "1"), ("arch", "i386"), ("distro", "fedora-25"), ("empty", null)));
        Assert.Equal("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64", PackageUrl.Create("deb", "debian", "attr", "1:2.4.47-2+b1", ("arch", "amd64")));
        Assert.Equal("pkg:nuget/Serilog@4.0.0", PackageUrl.Create("nuget", null, "Serilog", "4.0.0"));
        Assert.Equal("pkg:rpm/red%20hat%2C%20inc./bash@5.1", PackageUrl.Create("rpm", "red hat, inc.", "bash", "5.1"));
    }

    [Theory]
    [InlineData("MIT", "MIT", null)]
    [InlineData("GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0", null)]
    [InlineData("(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause", null)]
    [InlineData("MIT BSD GPL2+", null, "MIT BSD GPL2+")]
    [InlineData("MIT AND", null, "MIT AND")]
    [InlineData("Public Domain", null, "Public Domain")]
    public void Licences_are_expressions_only_when_they_read_as_one(string text, string? expression, string? name)
    {
        var license = LicenseText.From(text);

        Assert.Equal((expression, name), (license.Expression, license.Name));
    }
}
