using System.Text.Json;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Integration;

/// <summary>Independent tools read what the image builder writes: umoci unpacks exactly our files, skopeo inspects the layout.</summary>
public sealed class PeerReaderTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-peers");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Umoci_unpacks_exactly_the_files_we_put_in_and_skopeo_reads_the_layout()
    {
        // Given a folder with nested folders, an executable, a symlink, a hidden file and an empty folder
        var app = _temp.Combine("input");
        Directory.CreateDirectory(Path.Combine(app, "runtimes", "linux-x64", "native"));
        Directory.CreateDirectory(Path.Combine(app, "empty"));
        File.WriteAllText(Path.Combine(app, "Sample.dll"), "managed code");
        File.WriteAllText(Path.Combine(app, "Sample"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(app, "Sample"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllBytes(Path.Combine(app, "runtimes", "linux-x64", "native", "libe_sqlite3.so"), [0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
        File.WriteAllText(Path.Combine(app, ".hidden"), "dot");
        File.CreateSymbolicLink(Path.Combine(app, "current"), "runtimes/linux-x64");

        // When
        var layout = _temp.Combine("layout");
        var built = await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = new OciLayoutLocation(layout, "v1"),
            Layers = [new LayerSpec(app, "/srv/app")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits { Entrypoint = ["/srv/app/Sample"] },
            Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit),
        }, CancellationToken.None);
        OciLayoutCheck.Verify(layout, "v1");
        var bundle = _temp.Combine("bundle");
        await ExternalTool.RunCheckedAsync("umoci", ["unpack", "--rootless", "--image", $"{layout}:v1", bundle]);
        var inspect = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"oci:{layout}:v1"]);

        // Then the root file system is exactly the input under /srv/app, and nothing else
        var rootfs = Path.Combine(bundle, "rootfs");
        var expected = Tree(app).Select(e => e with { Path = "srv/app/" + e.Path }).Prepend(new Entry("srv/app", "dir", null)).Prepend(new Entry("srv", "dir", null));
        Assert.Equal(expected.OrderBy(e => e.Path, StringComparer.Ordinal), Tree(rootfs).OrderBy(e => e.Path, StringComparer.Ordinal));
        Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(rootfs, "srv", "app", "Sample")) & UnixFileMode.UserExecute);

        using var json = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(built.Root.Digest.ToString(), json.RootElement.GetProperty("Digest").GetString());
        Assert.Equal("linux", json.RootElement.GetProperty("Os").GetString());
    }

    private sealed record Entry(string Path, string Kind, string? Content);

    private static List<Entry> Tree(string root)
    {
        var entries = new List<Entry>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                entries.Add(new Entry(relative, "link", target));
            }
            else if (Directory.Exists(path))
            {
                entries.Add(new Entry(relative, "dir", null));
            }
            else
            {
                entries.Add(new Entry(relative, "file", Convert.ToHexString(File.ReadAllBytes(path))));
            }
        }

        return entries;
    }
}
