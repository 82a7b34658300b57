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

        // The SBOM went along: the registry has no Referrers API, so skopeo finds it under the referrers tag of the image.
        var attached = AttachedSbomLine().Matches(publish.StandardOutput).Select(m => m.Groups["referrer"].Value).Distinct().ToArray();
        var referrerDigest = Assert.Single(attached); // the same referrer, in the layout and in the registry
        var fallbackTag = "sha256-" + pushed.Groups["digest"].Value["sha256:".Length..];
        var referrers = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/hello.image:{fallbackTag}"]);
        using var index = JsonDocument.Parse(referrers.StandardOutputBytes);
        var entry = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray().ToArray());
        Assert.Equal(referrerDigest, entry.GetProperty("digest").GetString());
        Assert.Equal("application/vnd.cyclonedx+json", entry.GetProperty("artifactType").GetString());
        var sbomManifest = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/hello.image@{referrerDigest}"]);
        using var manifest = JsonDocument.Parse(sbomManifest.StandardOutputBytes);
        Assert.Equal(pushed.Groups["digest"].Value, manifest.RootElement.GetProperty("subject").GetProperty("digest").GetString());
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

        // The SBOM describes the OCI manifest built, not the converted one: attached locally only, with a warning.
        Assert.Matches(@"warning TK5080: The SBOM was not attached to the image pushed to ", publish.StandardOutput);
        Assert.Single(AttachedSbomLine().Matches(publish.StandardOutput));
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

    [GeneratedRegex(@"Attached SBOM (?<referrer>sha256:[a-f0-9]{64}) to ")]
    private static partial Regex AttachedSbomLine();
}
