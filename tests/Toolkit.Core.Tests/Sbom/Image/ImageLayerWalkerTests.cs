using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom.Image;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

public sealed class ImageLayerWalkerTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-walk");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Whiteouts_delete_lower_files_and_opaque_directories_but_not_what_their_own_layer_adds()
    {
        // Given
        var lower = new TestLayer()
            .File("etc/os-release", "ID=debian\nVERSION_ID=12\n")
            .File("var/lib/dpkg/status", "Package: old\n")
            .File("app/App.deps.json", "{}")
            .File("opt/tool/Tool.deps.json", "{}")
            .File("opt/tool/sub/Deep.deps.json", "{}")
            .File("srv/Kept.deps.json", "{}")
            .Gzip();
        var upper = new TestLayer()
            .Whiteout("var/lib/dpkg/status")
            .File("var/lib/dpkg/status", "Package: new\n")
            .Whiteout("app/App.deps.json")
            .Opaque("opt/tool")
            .File("opt/tool/New.deps.json", "{}")
            .Gzip();

        // When
        var files = await TestImages.WalkAsync(null, (lower, LayerCompression.Gzip), (upper, LayerCompression.Gzip));

        // Then
        Assert.Equal(
            ["/etc/os-release", "/opt/tool/New.deps.json", "/srv/Kept.deps.json", "/var/lib/dpkg/status"],
            files.Files.Select(f => f.Path));
        var status = files.Find("/var/lib/dpkg/status")!;
        Assert.Equal("Package: new\n", Encoding.UTF8.GetString(status.Content.Span));
        Assert.Equal(Digest.Compute(upper), status.Layer);
        Assert.Equal(Digest.Compute(lower), files.Find("etc/os-release")!.Layer);
        Assert.Empty(files.Notes);
    }

    [Fact]
    public async Task A_whiteout_of_a_directory_deletes_everything_beneath_it()
    {
        var lower = new TestLayer().File("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/Microsoft.NETCore.App.deps.json", "{}").Tar();
        var upper = new TestLayer().Whiteout("usr/share/dotnet").Tar();

        var files = await TestImages.WalkAsync(null, (lower, LayerCompression.None), (upper, LayerCompression.None));

        Assert.Empty(files.Files);
    }

    [Fact]
    public async Task Links_are_followed_inside_the_image_so_wanted_files_are_kept_under_their_real_names()
    {
        // Given: os-release and the rpm folder as Fedora has them, and a merged /lib made in a lower layer
        var lower = new TestLayer()
            .File("usr/lib/os-release", "ID=fedora\nVERSION_ID=40\n")
            .Symlink("etc/os-release", "../usr/lib/os-release")
            .Symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm")
            .File("usr/lib/sysimage/rpm/rpmdb.sqlite", "not really sqlite")
            .Symlink("lib", "usr/lib")
            .Zstd();
        var upper = new TestLayer()
            .File("usr/lib/apk/db/installed", "P:musl\nV:1\n")
            .File("usr/lib/unrelated.txt", "not kept")
            .Tar();

        // When
        var files = await TestImages.WalkAsync(null, (lower, LayerCompression.Zstd), (upper, LayerCompression.None));

        // Then
        Assert.Equal("/usr/lib/os-release", files.Find("/etc/os-release")!.Path);
        Assert.Equal("/usr/lib/sysimage/rpm/rpmdb.sqlite", files.Find("var/lib/rpm/rpmdb.sqlite")!.Path);
        var apk = files.Find("/lib/apk/db/installed")!;
        Assert.Equal("/usr/lib/apk/db/installed", apk.Path);
        Assert.Equal(Digest.Compute(upper), apk.Layer);
        Assert.Null(files.Find("usr/lib/unrelated.txt"));
    }

    [Fact]
    public async Task A_hard_link_shares_the_content_of_a_kept_file_and_a_link_to_an_unkept_file_is_a_note()
    {
        var layer = new TestLayer()
            .File("usr/lib/os-release", "ID=debian\n")
            .HardLink("etc/os-release", "usr/lib/os-release")
            .File("var/backups/dpkg.status.0", "Package: x\n")
            .HardLink("var/lib/dpkg/status", "var/backups/dpkg.status.0")
            .Tar();

        var files = await TestImages.WalkAsync(null, (layer, LayerCompression.None));

        Assert.Equal("ID=debian\n", Encoding.UTF8.GetString(files.Find("etc/os-release")!.Content.Span));
        Assert.Null(files.Find("var/lib/dpkg/status"));
        Assert.Contains(files.Notes, n => n.StartsWith("TK5045:", StringComparison.Ordinal) && n.Contains("/var/lib/dpkg/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_directory_in_an_upper_layer_replaces_a_link_of_a_lower_layer()
    {
        var lower = new TestLayer().Symlink("var/lib/dpkg", "/nowhere").Tar();
        var upper = new TestLayer().Directory("var/lib/dpkg").File("var/lib/dpkg/status", "Package: a\n").Tar();

        var files = await TestImages.WalkAsync(null, (lower, LayerCompression.None), (upper, LayerCompression.None));

        Assert.Equal("/var/lib/dpkg/status", files.Find("var/lib/dpkg/status")!.Path);
    }

    [Fact]
    public async Task Entries_that_climb_out_of_the_root_are_skipped_with_a_note_and_never_land_anywhere()
    {
        // Given: names a careless extractor would write outside its folder
        var content = "Package: evil\nStatus: install ok installed\nVersion: 1\n"u8.ToArray();
        var padded = new byte[512];
        content.CopyTo(padded, 0);
        var layer = new TestLayer()
            .Raw([.. TestLayer.Header("../../var/lib/dpkg/status", '0', content.Length), .. padded])
            .Raw([.. TestLayer.Header("var/lib/../../../etc/os-release", '0', content.Length), .. padded])
            .Raw(TestLayer.Header("etc/.wh...", '0', 0))
            .File("ok/App.deps.json", "{}")
            .Tar();

        // When
        var files = await TestImages.WalkAsync(null, (layer, LayerCompression.None));

        // Then
        Assert.Equal(["/ok/App.deps.json"], files.Files.Select(f => f.Path));
        Assert.Equal(3, files.Notes.Count(n => n.StartsWith("TK5043:", StringComparison.Ordinal)));
        Assert.Contains(files.Notes, n => n.Contains("'../../var/lib/dpkg/status'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Absolute_and_climbing_link_targets_resolve_inside_the_image_never_to_the_machine()
    {
        // Given: this machine has /usr/lib/os-release and /etc/os-release; the image has neither file
        Assert.True(File.Exists("/usr/lib/os-release") || File.Exists("/etc/os-release"));
        var layer = new TestLayer()
            .Symlink("etc/os-release", "/usr/lib/os-release")
            .Symlink("usr/lib/os-release", "../../../../../../../../etc/hostname")
            .Symlink("var/lib/dpkg/status", "/../../../../var/lib/dpkg/status")
            .Tar();

        // When
        var files = await TestImages.WalkAsync(null, (layer, LayerCompression.None));
        var catalog = await ImageCataloger.CatalogAsync(files, CancellationToken.None);

        // Then: nothing is found, and the host's files never appear
        Assert.Null(files.Find("etc/os-release"));
        Assert.False(files.TryFind("var/lib/dpkg/status", out _, out var failure));
        Assert.Contains("symbolic links", failure, StringComparison.Ordinal);
        Assert.Null(catalog.OperatingSystem);
        Assert.Empty(catalog.Result.Components);
    }

    [Fact]
    public async Task A_link_loop_is_reported_not_followed_forever()
    {
        var layer = new TestLayer()
            .Symlink("etc/os-release", "os-release-b")
            .Symlink("etc/os-release-b", "/etc/os-release")
            .Tar();

        var files = await TestImages.WalkAsync(null, (layer, LayerCompression.None));
        var catalog = await ImageCataloger.CatalogAsync(files, CancellationToken.None);

        Assert.False(files.TryFind("/etc/os-release", out _, out var failure));
        Assert.Contains("more than 40 symbolic links", failure, StringComparison.Ordinal);
        Assert.Contains(catalog.Result.Notes, n => n.StartsWith("TK5045: /etc/os-release", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_header_that_claims_a_terabyte_without_data_fails_with_TK5040_after_a_note_not_an_allocation()
    {
        var layer = new TestLayer().Raw(TestLayer.Header("var/lib/dpkg/status", '0', 1L << 40)).Tar(endBlocks: false);

        var walking = TestImages.WalkAsync(null, (layer, LayerCompression.None));

        var error = await Assert.ThrowsAsync<ToolkitException>(() => walking);
        Assert.Equal("TK5040", error.Code);
        Assert.Contains("ends inside an entry's data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pax_header_that_claims_two_gigabytes_is_refused_before_it_is_read()
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var layer = new TestLayer().Raw(TestLayer.Header("PaxHeaders/evil", 'x', int.MaxValue)).Tar(endBlocks: false);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(null, (layer, LayerCompression.None)));

        Assert.Equal("TK5040", error.Code);
        Assert.Contains("pax extended header", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L << 20, "the walk allocated by the header's claim");
    }

    [Fact]
    public async Task Streams_that_are_not_tar_or_not_gzip_fail_with_TK5040()
    {
        var random = new byte[4096];
        new Random(7).NextBytes(random);

        var notTar = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(null, (TestLayer.Compress(random, LayerCompression.Gzip), LayerCompression.Gzip)));
        var notGzip = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(null, (random, LayerCompression.Gzip)));
        var notZstd = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(null, (random, LayerCompression.Zstd)));

        Assert.Equal("TK5040", notTar.Code);
        Assert.Contains("checksum", notTar.Message, StringComparison.Ordinal);
        Assert.Equal("TK5040", notGzip.Code);
        Assert.Equal("TK5040", notZstd.Code);
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_skipped_with_a_TK5044_note_and_the_walk_goes_on()
    {
        var layer = new TestLayer()
            .File("var/lib/dpkg/status", new string('x', 4096))
            .File("etc/os-release", "ID=debian\n")
            .Gzip();

        var files = await TestImages.WalkAsync(new ImageWalkOptions { MaxFileSize = 1024 }, (layer, LayerCompression.Gzip));

        Assert.Null(files.Find("var/lib/dpkg/status"));
        Assert.NotNull(files.Find("etc/os-release"));
        Assert.Contains(files.Notes, n => n.StartsWith("TK5044: /var/lib/dpkg/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kept_files_together_stay_under_the_budget()
    {
        var layer = new TestLayer();
        for (var i = 0; i < 10; i++)
        {
            layer.File($"app{i}/App{i}.deps.json", new string('x', 1000));
        }

        var files = await TestImages.WalkAsync(new ImageWalkOptions { MaxKeptBytes = 4500 }, (layer.Tar(), LayerCompression.None));

        Assert.Equal(4, files.Files.Count());
        Assert.Equal(6, files.Notes.Count(n => n.StartsWith("TK5044:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_layer_that_decompresses_past_the_limit_fails_with_TK5041()
    {
        var layer = new TestLayer().File("big.bin", new byte[8 << 20]).Gzip();

        var error = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(new ImageWalkOptions { MaxLayerSize = 1 << 20 }, (layer, LayerCompression.Gzip)));

        Assert.Equal("TK5041", error.Code);
        Assert.True(layer.Length < 1 << 20);
    }

    [Fact]
    public async Task Too_many_entries_fail_with_TK5042()
    {
        var layer = new TestLayer();
        for (var i = 0; i < 20; i++)
        {
            layer.Directory($"d{i}");
        }

        var error = await Assert.ThrowsAsync<ToolkitException>(() => TestImages.WalkAsync(new ImageWalkOptions { MaxEntries = 10 }, (layer.Tar(), LayerCompression.None)));

        Assert.Equal("TK5042", error.Code);
    }

    [Fact]
    public async Task Every_layer_blob_is_read_to_its_end_so_a_changed_byte_after_the_tar_is_caught()
    {
        // Given: a layer whose bytes after the tar's end were changed in the layout (the digest no longer matches)
        var tar = new TestLayer().File("etc/os-release", "ID=debian\n").Tar();
        var (source, manifest) = await TestImages.WriteLayoutAsync(_temp.Combine("layout"), (tar, MediaTypes.OciLayer, tar));
        await using (source)
        {
            var blob = _temp.Combine("layout", "blobs", "sha256", Digest.Compute(tar).Encoded);
            var bytes = File.ReadAllBytes(blob);
            bytes[^1] = 1;
            File.WriteAllBytes(blob, bytes);

            // When
            var error = await Assert.ThrowsAsync<ToolkitException>(() => ImageCataloger.CatalogAsync(source, manifest, null, CancellationToken.None));

            // Then
            Assert.Equal("TK2008", error.Code);
        }
    }

    [Fact]
    public async Task A_layer_that_is_not_a_tar_layer_is_skipped_with_a_note()
    {
        var tar = new TestLayer().File("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n").Tar();
        var json = "{}"u8.ToArray();
        var (source, manifest) = await TestImages.WriteLayoutAsync(_temp.Combine("mixed"), (tar, MediaTypes.OciLayer, tar), (json, "application/vnd.example.thing.v1+json", json));
        await using (source)
        {
            var catalog = await ImageCataloger.CatalogAsync(source, manifest, null, CancellationToken.None);

            Assert.Equal("alpine-3.20.0", catalog.OperatingSystem?.Distro);
            Assert.Contains(catalog.Result.Notes, n => n.StartsWith("TK5049:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_index_is_refused_with_TK5048()
    {
        var tar = new TestLayer().Tar();
        var (source, manifest) = await TestImages.WriteLayoutAsync(_temp.Combine("index"), (tar, MediaTypes.OciLayer, tar));
        await using (source)
        {
            var error = await Assert.ThrowsAsync<ToolkitException>(() => ImageCataloger.CatalogAsync(source, manifest with { MediaType = MediaTypes.OciIndex }, null, CancellationToken.None));

            Assert.Equal("TK5048", error.Code);
        }
    }
}
