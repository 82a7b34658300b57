using System.Text.Json.Nodes;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Integration;

/// <summary>An image we build runs: unpacked by umoci and started by runc, on a base made from Debian's busybox-static.</summary>
public sealed class RuncTests : IDisposable
{
    private static readonly BuildTimestamp s_timestamp = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit);
    private readonly TemporaryDirectory _temp = new("tk-runc");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_image_on_a_busybox_base_runs_under_runc_and_prints_what_its_layers_say()
    {
        // Given a base image with busybox as /bin/sh, built from scratch
        var busybox = ExternalTool.Require("busybox");
        ExternalTool.Require("umoci");
        ExternalTool.Require("runc");
        var rootfs = _temp.Combine("rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy(busybox, Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "cat", "echo", "id" })
        {
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
        }

        var baseLocation = new OciLayoutLocation(_temp.Combine("base"), "busybox");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = baseLocation,
            Layers = [new LayerSpec(rootfs, "/")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits { Environment = new Dictionary<string, string> { ["PATH"] = "/bin" }, Cmd = ["/bin/sh"] },
            Timestamp = s_timestamp,
        }, CancellationToken.None);

        // And an app layer with a script and its data
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "hello.sh"), "#!/bin/sh\necho \"hello from $GREETING in $(pwd) as $(id -u)\"\ncat data.txt\n");
        File.SetUnixFileMode(Path.Combine(app, "hello.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.WriteAllText(Path.Combine(app, "data.txt"), "data from the app layer\n");

        // When the image is built on that base, unpacked and run
        var image = new OciLayoutLocation(_temp.Combine("image"), "app");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = baseLocation,
            Output = image,
            Layers = [new LayerSpec(app, "/app")],
            Config = new ImageConfigEdits
            {
                Entrypoint = ["/app/hello.sh"],
                WorkingDirectory = "/app",
                Environment = new Dictionary<string, string> { ["GREETING"] = "the toolkit" },
            },
            Timestamp = s_timestamp,
        }, CancellationToken.None);

        var bundle = _temp.Combine("bundle");
        await ExternalTool.RunCheckedAsync("umoci", ["unpack", "--image", $"{image.Path}:app", bundle]);
        DisableTerminal(Path.Combine(bundle, "config.json"));
        var id = $"tk-test-{Guid.NewGuid():N}"[..24];
        var run = await ExternalTool.RunAsync("runc", ["--root", _temp.Combine("runc-state"), "run", "--bundle", bundle, id], timeout: TimeSpan.FromMinutes(2));

        // Then
        Assert.True(run.ExitCode == 0, $"runc exited with {run.ExitCode}: {run.StandardError}");
        Assert.Equal("hello from the toolkit in /app as 0\ndata from the app layer\n", run.StandardOutput);
    }

    private static void DisableTerminal(string configPath)
    {
        // umoci's runtime config asks for a terminal; the test captures plain output instead.
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["process"]!["terminal"] = false;
        File.WriteAllText(configPath, config.ToJsonString());
    }
}
