using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Storage;

public class OciLayoutTests
{
    private static string NotationLayout => TestPaths.Spec("notary", "examples", "notation-go", "oci-layout");

    private const string NotationManifest = "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0";

    private const string NotationConfig = "sha256:572996c3caeacea40b947911a9dda21516c082b5a64af30048a02a6f5eb956d4";

    [Fact]
    public async Task The_notation_example_reads_back_its_manifest_and_config_bytes_unchanged()
    {
        // Given
        await using var source = await OciLayoutSource.OpenAsync(NotationLayout, "v2", CancellationToken.None);

        // When
        var root = await source.ResolveAsync(CancellationToken.None);
        var manifestBytes = await source.ReadContentAsync(root, CancellationToken.None);
        var manifest = OciJson.ParseManifest(manifestBytes);
        var configBytes = await source.ReadContentAsync(manifest.Config, CancellationToken.None);

        // Then
        Assert.Equal(NotationManifest, root.Digest.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(NotationLayout, "blobs", "sha256", root.Digest.Encoded)), manifestBytes);
        Assert.Equal(NotationConfig, Digest.Compute(configBytes).ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(NotationLayout, "blobs", "sha256", manifest.Config.Digest.Encoded)), configBytes);
        Assert.Equal("linux/amd64", root.Platform?.ToString());
    }

    [Fact]
    public async Task The_notation_example_resolves_without_a_reference_and_by_digest()
    {
        await using var only = await OciLayoutSource.OpenAsync(NotationLayout, null, CancellationToken.None);
        await using var byDigest = await OciLayoutSource.OpenAsync(NotationLayout, NotationManifest, CancellationToken.None);

        Assert.Equal(NotationManifest, (await only.ResolveAsync(CancellationToken.None)).Digest.ToString());
        Assert.Equal(NotationManifest, (await byDigest.ResolveAsync(CancellationToken.None)).Digest.ToString());
    }

    [Fact]
    public async Task The_missing_layer_of_the_notation_example_gives_a_coded_error()
    {
        // Given
        await using var source = await OciLayoutSource.OpenAsync(NotationLayout, "v2", CancellationToken.None);
        var manifest = OciJson.ParseManifest(await source.ReadContentAsync(await source.ResolveAsync(CancellationToken.None), CancellationToken.None));

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.OpenBlobAsync(manifest.Layers[0], CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.BlobNotFound.Code, error.Code);
        Assert.Contains(manifest.Layers[0].Digest.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copying_the_notation_example_fails_with_a_code_when_blobs_are_required()
    {
        // Given
        using var dir = new TemporaryDirectory();
        await using var source = await OciLayoutSource.OpenAsync(NotationLayout, "v2", CancellationToken.None);
        await using var destination = new OciLayoutDestination(dir.Path);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new ImageCopier().CopyAsync(source, destination, ["v2"], CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.BlobNotFound.Code, error.Code);
        Assert.False(File.Exists(Path.Combine(dir.Path, "index.json")));
    }

    [Fact]
    public async Task Copying_what_the_notation_example_has_does_not_change_a_byte()
    {
        // Given
        using var dir = new TemporaryDirectory();
        await using var source = await OciLayoutSource.OpenAsync(NotationLayout, "v2", CancellationToken.None);
        await using var destination = new OciLayoutDestination(dir.Path);

        // When
        var root = await new ImageCopier().CopyAsync(source, destination, ["v2"], new ImageCopyOptions { SkipMissingBlobs = true }, CancellationToken.None);

        // Then
        Assert.Equal(NotationManifest, root.Digest.ToString());
        foreach (var digest in new[] { NotationManifest, NotationConfig })
        {
            var hex = digest["sha256:".Length..];
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(NotationLayout, "blobs", "sha256", hex)),
                File.ReadAllBytes(Path.Combine(dir.Path, "blobs", "sha256", hex)));
        }

        await using var copy = await OciLayoutSource.OpenAsync(dir.Path, "v2", CancellationToken.None);
        Assert.Equal(root, await copy.ResolveAsync(CancellationToken.None) with { Annotations = root.Annotations });
    }

    [Fact]
    public async Task A_layout_written_reads_back_with_the_same_bytes()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await image.WriteLayoutAsync(dir.Path, "1.0");

        // When
        await using var source = await OciLayoutSource.OpenAsync(dir.Path, "1.0", CancellationToken.None);
        var root = await source.ResolveAsync(CancellationToken.None);
        await using var layer = await source.OpenBlobAsync(image.LayerDescriptor, CancellationToken.None);
        var layerBytes = new MemoryStream();
        await layer.CopyToAsync(layerBytes);

        // Then
        Assert.Equal(image.ManifestDescriptor.Digest, root.Digest);
        Assert.Equal(image.Manifest, await source.ReadContentAsync(root, CancellationToken.None));
        Assert.Equal(image.Config, await source.ReadContentAsync(image.ConfigDescriptor, CancellationToken.None));
        Assert.Equal(image.Layer, layerBytes.ToArray());
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(Path.Combine(dir.Path, "oci-layout")));
    }

    [Fact]
    public async Task Adding_an_image_with_an_existing_tag_replaces_that_entry_and_keeps_the_others()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var first = TestImage.Create("first");
        var second = TestImage.Create("second");
        var third = TestImage.Create("third");
        await first.WriteLayoutAsync(dir.Path, "latest");
        await second.WriteLayoutAsync(dir.Path, "keep");

        // When
        await third.WriteLayoutAsync(dir.Path, "latest");

        // Then
        var index = OciJson.ParseIndex(File.ReadAllBytes(Path.Combine(dir.Path, "index.json")));
        Assert.Equal(2, index.Manifests.Count);
        Assert.Equal(("keep", second.ManifestDescriptor.Digest), (index.Manifests[0].RefName, index.Manifests[0].Digest));
        Assert.Equal(("latest", third.ManifestDescriptor.Digest), (index.Manifests[1].RefName, index.Manifests[1].Digest));
        Assert.True(File.Exists(Path.Combine(dir.Path, "blobs", "sha256", first.ManifestDescriptor.Digest.Encoded)));
    }

    [Fact]
    public async Task An_image_committed_with_several_tags_has_one_entry_per_tag()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();

        // When
        await image.WriteLayoutAsync(dir.Path, "1.0", "1", "latest");

        // Then
        foreach (var tag in new[] { "1.0", "1", "latest" })
        {
            await using var source = await OciLayoutSource.OpenAsync(dir.Path, tag, CancellationToken.None);
            Assert.Equal(image.ManifestDescriptor.Digest, (await source.ResolveAsync(CancellationToken.None)).Digest);
        }
    }

    [Fact]
    public async Task Several_images_and_no_reference_is_a_coded_error_listing_the_refs()
    {
        // Given
        using var dir = new TemporaryDirectory();
        await TestImage.Create("a").WriteLayoutAsync(dir.Path, "alpha");
        await TestImage.Create("b").WriteLayoutAsync(dir.Path, "beta");
        await using var source = await OciLayoutSource.OpenAsync(dir.Path, null, CancellationToken.None);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.AmbiguousImage.Code, error.Code);
        Assert.Contains("alpha", error.Message, StringComparison.Ordinal);
        Assert.Contains("beta", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_tag_is_image_not_found()
    {
        using var dir = new TemporaryDirectory();
        await TestImage.Create().WriteLayoutAsync(dir.Path, "alpha");
        await using var source = await OciLayoutSource.OpenAsync(dir.Path, "nope", CancellationToken.None);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.ImageNotFound.Code, error.Code);
        Assert.Contains("alpha", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_json_is_canonical()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();

        // When
        await image.WriteLayoutAsync(dir.Path, "b", "a");

        // Then
        var written = File.ReadAllBytes(Path.Combine(dir.Path, "index.json"));
        Assert.Equal(OciJson.Serialize(OciJson.ParseIndex(written)), written);
        var expected =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
            + $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{image.ManifestDescriptor.Digest}\",\"size\":{image.Manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"b\"}}}},"
            + $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{image.ManifestDescriptor.Digest}\",\"size\":{image.Manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"a\"}}}}]}}";
        Assert.Equal(expected, Encoding.UTF8.GetString(written));
    }

    [Fact]
    public async Task A_blob_corrupted_on_disk_fails_with_digest_mismatch()
    {
        // Given
        using var dir = new TemporaryDirectory();
        var image = TestImage.Create();
        await image.WriteLayoutAsync(dir.Path, "1");
        var configPath = Path.Combine(dir.Path, "blobs", "sha256", image.ConfigDescriptor.Digest.Encoded);
        var bytes = File.ReadAllBytes(configPath);
        bytes[^2] ^= 0x20;
        File.WriteAllBytes(configPath, bytes);
        await using var source = await OciLayoutSource.OpenAsync(dir.Path, "1", CancellationToken.None);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ReadContentAsync(image.ConfigDescriptor, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch.Code, error.Code);
    }

    [Fact]
    public async Task A_folder_without_oci_layout_is_not_a_layout()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => OciLayoutSource.OpenAsync(dir.Path, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidImageLayout.Code, error.Code);
    }

    [Fact]
    public async Task An_unsupported_layout_version_is_refused()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
        File.WriteAllText(Path.Combine(dir.Path, "index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => OciLayoutSource.OpenAsync(dir.Path, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidImageLayout.Code, error.Code);
        Assert.Contains("2.0.0", error.Message, StringComparison.Ordinal);
    }
}
