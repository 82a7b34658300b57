using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Referrers;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Referrers;

/// <summary>
/// The artifact manifest: image spec 1.1 shape (artifactType, empty config, subject), schema-valid, deterministic and equal to
/// the checked-in golden file (TOOLKIT_UPDATE_GOLDEN=1 rewrites it after an intended change).
/// </summary>
public sealed class ArtifactManifestTests
{
    internal const string SbomType = "application/spdx+json";
    internal const string SignatureType = "application/vnd.cncf.notary.signature";

    internal static readonly Descriptor Subject = new Descriptor(MediaTypes.OciManifest, Digest.Compute("the subject"u8), 481)
    {
        Platform = Platform.LinuxAmd64,
        Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.RefName] = "1.0" },
    };

    private static Artifact Sbom() => new()
    {
        ArtifactType = SbomType,
        Layers = [ArtifactBlob.FromBytes(SbomType, """{"spdxVersion":"SPDX-2.3"}"""u8, new Dictionary<string, string> { [AnnotationKeys.Title] = "sbom.spdx.json" })],
        Annotations = new Dictionary<string, string> { [AnnotationKeys.Created] = "2024-01-02T03:04:05Z", ["com.example.tool"] = "toolkit" },
    };

    [Fact]
    public void An_artifact_without_config_gets_the_empty_descriptor_with_its_data_and_names_the_subject_by_digest_only()
    {
        // Given an SBOM artifact
        // When its manifest is built for a subject that carries a platform and a ref name
        var manifest = ArtifactManifest.Create(Subject, Sbom());
        var json = JsonNode.Parse(manifest.Content)!;

        // Then the config is the empty descriptor (image spec 1.1), embedded as e30=
        Assert.Equal(MediaTypes.OciEmpty, json["config"]!["mediaType"]!.GetValue<string>());
        Assert.Equal("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", json["config"]!["digest"]!.GetValue<string>());
        Assert.Equal(2, json["config"]!["size"]!.GetValue<int>());
        Assert.Equal("e30=", json["config"]!["data"]!.GetValue<string>());

        // And artifactType, the subject (media type, digest, size only) and the annotations are set
        Assert.Equal(SbomType, json["artifactType"]!.GetValue<string>());
        Assert.Equal(MediaTypes.OciManifest, json["mediaType"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse($$"""{"mediaType":"{{MediaTypes.OciManifest}}","digest":"{{Subject.Digest}}","size":481}"""),
            json["subject"]));
        Assert.Equal("toolkit", json["annotations"]!["com.example.tool"]!.GetValue<string>());

        // And the referrer descriptor carries the artifact type and the manifest's annotations
        Assert.Equal(SbomType, manifest.Descriptor.ArtifactType);
        Assert.Equal(Digest.Compute(manifest.Content), manifest.Descriptor.Digest);
        Assert.Equal("2024-01-02T03:04:05Z", manifest.Descriptor.Annotations![AnnotationKeys.Created]);

        // And the blobs to store are the empty config and the layer
        Assert.Equal([MediaTypes.OciEmpty, SbomType], manifest.Blobs.Select(b => b.Descriptor.MediaType));
    }

    [Fact]
    public void An_artifact_without_layers_has_the_empty_descriptor_as_its_one_layer_and_stores_it_once()
    {
        // Given an artifact with no content (all in annotations)
        var artifact = new Artifact { ArtifactType = "application/vnd.example.marker" };

        // When its manifest is built
        var manifest = ArtifactManifest.Create(Subject, artifact);

        // Then the schema's one layer is the empty descriptor, and the {} blob is stored once
        Assert.Equal(MediaTypes.OciEmpty, Assert.Single(manifest.Manifest.Layers).MediaType);
        Assert.Single(manifest.Blobs);
        OciSchemas.AssertValidManifest(manifest.Content);
    }

    [Fact]
    public void A_given_config_replaces_the_empty_one()
    {
        // Given an artifact with its own config
        var config = ArtifactBlob.FromBytes("application/vnd.example.config.v1+json", """{"tool":"x"}"""u8);
        var artifact = Sbom() with { Config = config };

        // When
        var manifest = ArtifactManifest.Create(Subject, artifact);

        // Then
        Assert.Equal(config.Descriptor, manifest.Manifest.Config);
        Assert.DoesNotContain(manifest.Blobs, b => b.Descriptor.MediaType == MediaTypes.OciEmpty);
        OciSchemas.AssertValidManifest(manifest.Content);
    }

    [Fact]
    public void The_same_subject_and_artifact_give_the_same_bytes_and_the_schema_accepts_them()
    {
        // Given / When the manifest is built twice
        var first = ArtifactManifest.Create(Subject, Sbom());
        var second = ArtifactManifest.Create(Subject, Sbom());

        // Then it is byte-identical, and valid for the OCI manifest schema and its descriptor for the descriptor schema
        Assert.Equal(first.Content, second.Content);
        OciSchemas.AssertValidManifest(first.Content);
        OciSchemas.AssertValidDescriptor(OciJson.Serialize(first.Descriptor));
    }

    [Fact]
    public void The_manifest_equals_the_golden_file()
    {
        // Given
        var actual = ArtifactManifest.Create(Subject, Sbom()).Content;
        var path = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "golden", "artifact-manifest.json");
        if (Environment.GetEnvironmentVariable("TOOLKIT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(path, actual);
        }

        // When
        var expected = File.ReadAllBytes(path);

        // Then
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
    }

    [Theory]
    [InlineData("sbom")]
    [InlineData("application/spdx+json; charset=utf-8")]
    [InlineData("application/")]
    [InlineData("")]
    public void An_artifact_type_that_is_not_a_media_type_is_refused(string artifactType)
    {
        // Given / When
        var error = Assert.Throws<ToolkitException>(() => ArtifactManifest.Create(Subject, Sbom() with { ArtifactType = artifactType }));

        // Then
        Assert.Equal(ErrorCodes.InvalidArtifactType, error.ErrorCode);
    }

    [Fact]
    public void A_layer_media_type_with_parameters_is_refused()
    {
        // Given a layer typed like an HTTP Content-Type (ECR refuses ';' in media types)
        var artifact = Sbom() with { Layers = [ArtifactBlob.FromBytes("text/plain;charset=utf-8", "x"u8)] };

        // When / Then
        var error = Assert.Throws<ToolkitException>(() => ArtifactManifest.Create(Subject, artifact));
        Assert.Equal(ErrorCodes.InvalidArtifactType, error.ErrorCode);
        Assert.Contains("text/plain;charset=utf-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_blob_is_hashed_and_titled_with_its_file_name_and_a_missing_file_is_TK1101()
    {
        // Given a file
        using var temp = new TemporaryDirectory("tk-artifact");
        var path = temp.Combine("sbom.cdx.json");
        await File.WriteAllTextAsync(path, "{\"bomFormat\":\"CycloneDX\"}");

        // When it becomes a blob, and a missing one is asked for
        var blob = await ArtifactBlob.FromFileAsync(path, "application/vnd.cyclonedx+json", CancellationToken.None);
        var missing = await Assert.ThrowsAsync<ToolkitException>(() => ArtifactBlob.FromFileAsync(temp.Combine("nope.json"), "application/json", CancellationToken.None));

        // Then its digest and size are the file's and its title is the file name
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(Digest.Compute(bytes), blob.Descriptor.Digest);
        Assert.Equal(bytes.Length, blob.Descriptor.Size);
        Assert.Equal("sbom.cdx.json", blob.Descriptor.Annotations![AnnotationKeys.Title]);
        await using var stream = await blob.OpenAsync(CancellationToken.None);
        Assert.Equal(blob.Descriptor.Digest, await Digest.ComputeAsync(stream, Digest.Sha256, CancellationToken.None));
        Assert.Equal(ErrorCodes.ArtifactFileNotFound, missing.ErrorCode);
    }

    [Fact]
    public void The_fallback_tag_is_the_algorithm_and_hex_and_a_long_digest_is_cut_to_64_hex_digits()
    {
        // Given a sha256 and a sha512 digest
        var sha256 = Digest.Compute("x"u8);
        var sha512 = Digest.Compute("x"u8, Digest.Sha512);

        // When / Then (distribution spec: <alg>-<ref>, ref at most 64 characters)
        Assert.Equal($"sha256-{sha256.Encoded}", Referrer.FallbackTag(sha256));
        Assert.Equal($"sha512-{sha512.Encoded[..64]}", Referrer.FallbackTag(sha512));
    }
}
