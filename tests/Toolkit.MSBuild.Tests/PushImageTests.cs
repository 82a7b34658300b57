using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// <c>ToolkitPushImage</c> and the <c>PushImage</c> task as a user runs them: a real
/// <c>dotnet publish -p:ToolkitImage=true -p:ContainerRegistry=...</c> against a real distribution registry.
/// </summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed partial class PushImageTests(PackedToolkitMSBuild package)
{
    [Fact]
    public async Task Publish_with_ContainerRegistry_pushes_every_tag_and_skopeo_sees_the_digest_the_task_logged()
    {
        // Given
        var published = await package.GetPublishedAsync();
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var output = Path.Combine(package.Feed.Root, "pushed-image");

        // When
        var publish = await published.Project.PublishAsync(
            $"-p:ContainerRegistry={registry.HostPort}",
            $"-p:ToolkitInsecureRegistries={registry.HostPort}",
            "-p:ContainerImageTags=1.2.3%3Bstable",
            $"-p:ToolkitImageOutput=oci:{output}");

        // Then
        Assert.True(publish.ExitCode == 0, $"dotnet publish exited with {publish.ExitCode}:{Environment.NewLine}{publish.StandardOutput}{publish.StandardError}");
        var pushed = PushedImageLine().Match(publish.StandardOutput);
        Assert.True(pushed.Success, "The publish output has no 'Pushed image' line:" + Environment.NewLine + publish.StandardOutput);
        Assert.Equal(ConsumerProject.LoggedDigest(publish), pushed.Groups["digest"].Value);
        foreach (var tag in new[] { "1.2.3", "stable" })
        {
            var inspect = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--tls-verify=false", $"docker://{registry.HostPort}/hello.image:{tag}"]);
            using var json = JsonDocument.Parse(inspect.StandardOutput);
            Assert.Equal(pushed.Groups["digest"].Value, json.RootElement.GetProperty("Digest").GetString());
        }
    }

    [Fact]
    public async Task ContainerImageFormat_Docker_pushes_a_Docker_manifest_while_the_local_image_stays_OCI()
    {
        // Given
        var published = await package.GetPublishedAsync();
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var output = Path.Combine(package.Feed.Root, "docker-format-image");

        // When
        var publish = await published.Project.PublishAsync(
            $"-p:ContainerRegistry={registry.HostPort}",
            $"-p:ToolkitInsecureRegistries={registry.HostPort}",
            "-p:ContainerImageTag=docker",
            "-p:ContainerImageFormat=Docker",
            $"-p:ToolkitImageOutput=oci:{output}");

        // Then
        Assert.True(publish.ExitCode == 0, $"dotnet publish exited with {publish.ExitCode}:{Environment.NewLine}{publish.StandardOutput}{publish.StandardError}");
        var pushed = PushedImageLine().Match(publish.StandardOutput);
        Assert.True(pushed.Success, publish.StandardOutput);
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/hello.image:docker"]);
        using var manifest = JsonDocument.Parse(raw.StandardOutputBytes);
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", manifest.RootElement.GetProperty("mediaType").GetString());
        Assert.Equal(pushed.Groups["digest"].Value, Toolkit.Core.Oci.Digest.Compute(raw.StandardOutputBytes).ToString());
        Assert.NotEqual(ConsumerProject.LoggedDigest(publish), pushed.Groups["digest"].Value);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", OciLayoutCheck.Verify(output, "docker").Manifest.GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task A_registry_that_cannot_be_reached_fails_the_publish_with_a_TK1xxx_code()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var output = Path.Combine(package.Feed.Root, "unpushed-image");
        var closedPort = $"127.0.0.1:{ClosedPort()}";

        // When
        var publish = await published.Project.PublishAsync(
            $"-p:ContainerRegistry={closedPort}",
            $"-p:ToolkitInsecureRegistries={closedPort}",
            $"-p:ToolkitImageOutput=oci:{output}");

        // Then
        Assert.NotEqual(0, publish.ExitCode);
        Assert.Matches(@"error TK1\d{3}: ", publish.StandardOutput);
    }

    /// <summary>A port nothing listens on: one the system just handed out and took back.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Pushed image (?<digest>sha256:[a-f0-9]{64}) to ")]
    private static partial Regex PushedImageLine();
}
