using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Referrers;

/// <summary>Referrers in an <c>oci:</c> layout: attach, list, and the image still resolves and still reads with skopeo.</summary>
public sealed class OciLayoutReferrersTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-layout-referrers");
    private readonly ImageReferrers _referrers = new();

    public void Dispose() => _temp.Dispose();

    private async Task<(string Directory, TestImage Image)> LayoutAsync(params string[] tags)
    {
        var image = TestImage.Create();
        var directory = await image.WriteLayoutAsync(_temp.Combine("layout"), tags);
        return (directory, image);
    }

    private static Artifact Bytes(string artifactType, string content) => new()
    {
        ArtifactType = artifactType,
        Layers = [ArtifactBlob.FromBytes(artifactType, Encoding.UTF8.GetBytes(content))],
        Annotations = new Dictionary<string, string> { ["com.example.content"] = content },
    };

    [Fact]
    public async Task Attached_artifacts_are_stored_and_recorded_untagged_with_their_type_and_listed_by_subject()
    {
        // Given a layout with one tagged image
        var (directory, image) = await LayoutAsync("1.0");
        var location = ImageLocation.Parse($"oci:{directory}:1.0");

        // When an SBOM and a signature are attached, and listed
        var sbom = await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        var signature = await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SignatureType, "signature"), CancellationToken.None);
        var all = await _referrers.ListAsync(location, null, CancellationToken.None);
        var signatures = await _referrers.ListAsync(location, ArtifactManifestTests.SignatureType, CancellationToken.None);

        // Then both name the image, and are in index.json without a ref name but with their artifact type
        Assert.Equal(image.ManifestDescriptor.Digest, sbom.Subject.Digest);
        Assert.Equal(ReferrerIndexKind.OciLayout, sbom.RecordedIn);
        var entries = JsonNode.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, "index.json")))!["manifests"]!.AsArray();
        Assert.Equal(3, entries.Count);
        foreach (var (attached, type) in new[] { (sbom, ArtifactManifestTests.SbomType), (signature, ArtifactManifestTests.SignatureType) })
        {
            var entry = entries.Single(e => e!["digest"]!.GetValue<string>() == attached.Referrer.Digest.ToString())!;
            Assert.Equal(type, entry["artifactType"]!.GetValue<string>());
            Assert.Null(entry["annotations"]?[AnnotationKeys.RefName]);
        }

        // And listing finds both by their subject (with annotations), or the one type asked for
        Assert.Equal(ReferrerIndexKind.OciLayout, all.Source);
        Assert.Equal([sbom.Referrer.Digest, signature.Referrer.Digest], all.Referrers.Select(r => r.Digest));
        Assert.Equal("sbom", all.Referrers[0].Annotations["com.example.content"]);
        Assert.Equal(signature.Referrer.Digest, Assert.Single(signatures.Referrers).Digest);

        // And the layout is still a valid layout whose tagged image an independent reader checks
        var checkedImage = OciLayoutCheck.Verify(directory, "1.0");
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), checkedImage.ManifestDigest);
    }

    [Fact]
    public async Task Attaching_the_same_artifact_twice_records_it_once()
    {
        // Given
        var (directory, _) = await LayoutAsync("1.0");
        var location = ImageLocation.Parse($"oci:{directory}:1.0");

        // When
        await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);

        // Then
        Assert.Single((await _referrers.ListAsync(location, null, CancellationToken.None)).Referrers);
        Assert.Equal(2, JsonNode.Parse(await File.ReadAllBytesAsync(Path.Combine(directory, "index.json")))!["manifests"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_layout_with_one_image_and_its_referrers_still_resolves_to_the_image_without_a_tag()
    {
        // Given a layout with one untagged image, with referrers attached through the untagged location
        var (directory, image) = await LayoutAsync();
        var untagged = ImageLocation.Parse($"oci:{directory}");
        await _referrers.AttachAsync(untagged, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        var signature = await _referrers.AttachAsync(untagged, Bytes(ArtifactManifestTests.SignatureType, "signature"), CancellationToken.None);

        // When the layout is opened without a tag
        await using var source = await OciLayoutSource.OpenAsync(directory, null, CancellationToken.None);
        var resolved = await source.ResolveAsync(CancellationToken.None);

        // Then it is the image (the referrers do not count), and the second referrer named the image, not the first one
        Assert.Equal(image.ManifestDescriptor.Digest, resolved.Digest);
        Assert.Equal(image.ManifestDescriptor.Digest, signature.Subject.Digest);
        Assert.Equal(3, source.Index.Manifests.Count);
    }

    [Fact]
    public async Task Two_images_with_referrers_are_still_ambiguous_and_the_message_lists_only_the_images()
    {
        // Given a layout with two tagged images, one of them with a referrer
        var (directory, first) = await LayoutAsync("1.0");
        var second = TestImage.Create("another image");
        await second.WriteLayoutAsync(directory, "2.0");
        var referrer = await _referrers.AttachAsync(ImageLocation.Parse($"oci:{directory}:1.0"), Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);

        // When it is opened without a tag
        await using var source = await OciLayoutSource.OpenAsync(directory, null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ToolkitException>(() => source.ResolveAsync(CancellationToken.None));

        // Then it is TK2050, naming the two images and not the referrer
        Assert.Equal(ErrorCodes.AmbiguousImage, error.ErrorCode);
        Assert.Contains("holds 2 images", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.ManifestDescriptor.Digest.ToString(), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(referrer.Referrer.Digest.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skopeo_still_reads_the_tagged_image_after_referrers_are_attached()
    {
        // Given a layout with a tagged image and two referrers
        var (directory, image) = await LayoutAsync("1.0");
        var location = ImageLocation.Parse($"oci:{directory}:1.0");
        await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        await _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SignatureType, "signature"), CancellationToken.None);

        // When skopeo inspects the tagged image
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", $"oci:{directory}:1.0"]);
        var inspect = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"oci:{directory}:1.0"]);

        // Then it reads the image's manifest and config
        Assert.Equal(image.Manifest, raw.StandardOutputBytes);
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), JsonNode.Parse(inspect.StandardOutput)!["Digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Image_push_of_an_untagged_layout_with_referrers_copies_the_image()
    {
        // Given an untagged layout with an image and a referrer
        var (directory, image) = await LayoutAsync();
        await _referrers.AttachAsync(ImageLocation.Parse($"oci:{directory}"), Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        var registry = new InMemoryRegistry();

        // When it is pushed to a registry
        var result = await new RegistryPusher(registry).PushAsync(
            ImageLocation.Parse($"oci:{directory}"), ImageLocation.Parse("registry.test/team/app:1.0"), new PushOptions(), CancellationToken.None);

        // Then the image is what was pushed and tagged
        Assert.Equal(image.ManifestDescriptor.Digest, result.Root.Digest);
        Assert.Equal(image.ManifestDescriptor.Digest, registry.Tag("team/app", "1.0"));
        Assert.Empty(registry.DanglingReferences());
    }

    [Fact]
    public async Task Archives_hold_no_referrers()
    {
        // Given an OCI archive location
        var location = ImageLocation.Parse($"oci-archive:{_temp.Combine("image.tar")}");

        // When an artifact is attached to it
        var error = await Assert.ThrowsAsync<ToolkitException>(() => _referrers.AttachAsync(location, Bytes(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None));

        // Then it is refused as a location that cannot hold referrers
        Assert.Equal(ErrorCodes.UnsupportedLocation, error.ErrorCode);
    }
}
