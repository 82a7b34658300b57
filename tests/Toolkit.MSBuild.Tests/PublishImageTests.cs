using System.Text.Json;
using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// The package as a user gets it: packed, restored from a folder feed by a console app, and run by a
/// real <c>dotnet publish -c Release -r linux-x64 -p:ToolkitImage=true</c>.
/// </summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed class PublishImageTests(PackedToolkitMSBuild package)
{
    [Fact]
    public async Task Publish_with_ToolkitImage_writes_a_valid_OCI_layout_under_the_output_path()
    {
        // Given
        var published = await package.GetPublishedAsync();

        // When
        var publish = published.FirstPublish;

        // Then
        Assert.True(publish.ExitCode == 0, $"dotnet publish exited with {publish.ExitCode}:{Environment.NewLine}{publish.StandardOutput}{publish.StandardError}");
        var image = OciLayoutCheck.Verify(published.Project.ImageDirectory, ConsumerProject.Tag);
        Assert.Equal(ConsumerProject.LoggedDigest(publish), image.ManifestDigest);
        Assert.Single(image.Manifest.GetProperty("layers").EnumerateArray());
    }

    [Fact]
    public async Task The_image_config_carries_the_app_host_entrypoint_working_directory_and_the_Container_items()
    {
        // Given
        var published = await package.GetPublishedAsync();

        // When
        var image = OciLayoutCheck.Verify(published.Project.ImageDirectory, ConsumerProject.Tag);

        // Then
        var config = image.ContainerConfig;
        Assert.Equal("linux", image.Config.GetProperty("os").GetString());
        Assert.Equal("amd64", image.Config.GetProperty("architecture").GetString());
        Assert.Equal([$"/app/{ConsumerProject.Name}"], Strings(config.GetProperty("Entrypoint")));
        Assert.Equal("/app/", config.GetProperty("WorkingDir").GetString());
        Assert.Equal(["DOTNET_gcServer=0", "GREETING=hello"], Strings(config.GetProperty("Env")).Order(StringComparer.Ordinal));
        Assert.Equal("payments", config.GetProperty("Labels").GetProperty("com.example.team").GetString());
        Assert.Equal(
            ["5353/udp", "8080/tcp"],
            config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("2023-11-14T22:13:20Z", image.Config.GetProperty("created").GetString());
    }

    [Fact]
    public async Task Skopeo_reads_the_published_image_by_its_tag()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var image = OciLayoutCheck.Verify(published.Project.ImageDirectory, ConsumerProject.Tag);

        // When
        var inspect = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"oci:{published.Project.ImageDirectory}:{ConsumerProject.Tag}"]);

        // Then
        using var json = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(image.ManifestDigest, json.RootElement.GetProperty("Digest").GetString());
        Assert.Equal("amd64", json.RootElement.GetProperty("Architecture").GetString());
        Assert.Contains("GREETING=hello", Strings(json.RootElement.GetProperty("Env")));
    }

    [Fact]
    public async Task A_second_publish_from_a_clean_output_gives_the_same_digest()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var first = OciLayoutCheck.Verify(published.Project.ImageDirectory, ConsumerProject.Tag).ManifestDigest;
        Directory.Delete(Path.Combine(published.Project.Directory, "bin"), recursive: true);
        Directory.Delete(Path.Combine(published.Project.Directory, "obj"), recursive: true);

        // When
        var again = await published.Project.PublishAsync();

        // Then
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
        Assert.Equal(first, ConsumerProject.LoggedDigest(again));
        Assert.Equal(first, OciLayoutCheck.Verify(published.Project.ImageDirectory, ConsumerProject.Tag).ManifestDigest);
    }

    [Fact]
    public async Task A_base_image_that_does_not_exist_fails_the_publish_with_a_TK_code()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var elsewhere = Path.Combine(package.Feed.Root, "error-image");

        // When
        var publish = await published.Project.PublishAsync("-p:ContainerBaseImage=oci:/does/not/exist", $"-p:ToolkitImageOutput=oci:{elsewhere}");

        // Then
        Assert.NotEqual(0, publish.ExitCode);
        Assert.Matches(@"error TK\d{4}: .*/does/not/exist", publish.StandardOutput);
        Assert.False(File.Exists(Path.Combine(elsewhere, "index.json")), "A failed build must not leave an image behind.");
    }

    [Fact]
    public async Task Several_ContainerRuntimeIdentifiers_publish_each_and_make_one_multi_platform_index()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var output = Path.Combine(package.Feed.Root, "multi-arch-image");

        // When
        var publish = await published.Project.PublishAsync("-p:ContainerRuntimeIdentifiers=linux-x64%3Blinux-arm64", $"-p:ToolkitImageOutput=oci:{output}");

        // Then
        Assert.True(publish.ExitCode == 0, publish.StandardOutput + publish.StandardError);
        var indexJson = File.ReadAllBytes(Path.Combine(output, "index.json"));
        using var layoutIndex = JsonDocument.Parse(indexJson);
        var entries = layoutIndex.RootElement.GetProperty("manifests").EnumerateArray().ToArray();
        var root = Assert.Single(entries, e => !e.TryGetProperty("artifactType", out _));
        Assert.Equal("application/vnd.oci.image.index.v1+json", root.GetProperty("mediaType").GetString());
        var imageIndexBytes = File.ReadAllBytes(Path.Combine(output, "blobs", "sha256", root.GetProperty("digest").GetString()!["sha256:".Length..]));
        Toolkit.Testing.Schemas.OciSchemas.AssertValidIndex(imageIndexBytes);
        using var imageIndex = JsonDocument.Parse(imageIndexBytes);
        var platforms = imageIndex.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()!)
            .ToArray();
        Assert.Equal(["amd64", "arm64"], platforms);
        var layers = imageIndex.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "blobs", "sha256", m.GetProperty("digest").GetString()!["sha256:".Length..]))))
            .Select(d => d.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString())
            .ToArray();
        Assert.NotEqual(layers[0], layers[1]); // each platform carries its own app host

        // The SBOM describes the first runtime identifier's platform and is attached to that platform's manifest.
        var sbom = Assert.Single(entries, e => e.TryGetProperty("artifactType", out var type) && type.GetString() == "application/vnd.cyclonedx+json");
        using var referrer = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "blobs", "sha256", sbom.GetProperty("digest").GetString()!["sha256:".Length..])));
        Assert.Equal(
            imageIndex.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString(),
            referrer.RootElement.GetProperty("subject").GetProperty("digest").GetString());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
