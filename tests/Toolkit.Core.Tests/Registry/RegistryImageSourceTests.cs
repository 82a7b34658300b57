using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class RegistryImageSourceTests
{
    private static async Task<(InMemoryRegistry Registry, MemoryImage Image)> PushedAsync(params Platform[] platforms)
    {
        var registry = new InMemoryRegistry();
        var image = MemoryImage.Create(2, 256, "source", platforms);
        await using var destination = new RegistryImageDestination(registry.Client(), ImageReference.Parse("registry.test/app:1"));
        await new RegistryPusher(registry).CopyAsync(image, destination, new PushOptions(), CancellationToken.None);
        return (registry, image);
    }

    [Fact]
    public async Task A_tag_resolves_to_the_exact_manifest_bytes_and_their_digest()
    {
        // Given
        var (registry, image) = await PushedAsync();
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:1"));

        // When
        var root = await source.ResolveAsync(CancellationToken.None);
        var content = await source.ReadContentAsync(root, CancellationToken.None);

        // Then
        Assert.Equal(image.Root.Digest, root.Digest);
        Assert.Equal(MediaTypes.OciManifest, root.MediaType);
        Assert.Equal(image[image.Root.Digest], content);
    }

    [Fact]
    public async Task Pulling_by_digest_fails_with_TK2008_when_the_registry_answers_other_bytes()
    {
        // Given
        var (registry, image) = await PushedAsync();
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(image[image.Root.Digest]).Replace("amd64", "arm64", StringComparison.Ordinal) + " ");
        registry.Tamper("app", image.Root.Digest.ToString(), image.Root, forged);
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse($"registry.test/app@{image.Root.Digest}"));

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
    }

    [Fact]
    public async Task A_tag_whose_bytes_do_not_match_the_digest_the_registry_claims_fails_with_TK2008()
    {
        // Given
        var (registry, image) = await PushedAsync();
        registry.Tamper("app", "1", image.Root, "{\"schemaVersion\":2,\"config\":{}}"u8.ToArray());
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:1"));

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
    }

    [Fact]
    public async Task A_child_manifest_that_does_not_match_the_index_fails_with_TK2008()
    {
        // Given
        var (registry, image) = await PushedAsync(Platform.LinuxAmd64, Platform.LinuxArm64);
        var child = image.Manifests[1];
        registry.Tamper("app", child.Digest.ToString(), child, image[image.Manifests[0].Digest]);
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:1"));
        await source.ResolveAsync(CancellationToken.None);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ReadContentAsync(child, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
    }

    [Fact]
    public async Task A_corrupt_blob_fails_with_TK2008_when_its_stream_ends()
    {
        // Given
        var (registry, image) = await PushedAsync();
        var layer = image.Blobs[0];
        var corrupt = (byte[])image[layer.Digest].Clone();
        corrupt[10] ^= 0xFF;
        registry.TamperBlob("app", layer.Digest, corrupt);
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:1"));

        // When
        await using var stream = await source.OpenBlobAsync(layer, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ToolkitException>(() => stream.CopyToAsync(Stream.Null));

        // Then
        Assert.Equal(ErrorCodes.DigestMismatch, error.ErrorCode);
    }

    [Fact]
    public async Task A_missing_tag_is_image_not_found()
    {
        // Given
        var (registry, _) = await PushedAsync();
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:nope"));

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.ImageNotFound, error.ErrorCode);
    }

    [Fact]
    public async Task A_config_is_read_whole_and_verified()
    {
        // Given
        var (registry, image) = await PushedAsync();
        var source = new RegistryImageSource(registry.Client(), ImageReference.Parse("registry.test/app:1"));
        var config = image.Blobs[^1];

        // When
        var content = await source.ReadContentAsync(config, CancellationToken.None);

        // Then
        Assert.Equal(MediaTypes.OciConfig, config.MediaType);
        Assert.Equal(image[config.Digest], content);
    }
}
