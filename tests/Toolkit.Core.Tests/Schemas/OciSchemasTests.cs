using System.Text;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;
using Xunit.Sdk;

namespace Toolkit.Core.Tests.Schemas;

/// <summary>The schema fixture must accept real OCI documents and reject broken ones, or schema tests prove nothing.</summary>
public class OciSchemasTests
{
    private const string Digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static string NotationLayout(params string[] parts)
        => TestPaths.Spec(["notary", "examples", "notation-go", "oci-layout", .. parts]);

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Manifest(string config = $$"""{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{Digest}}","size":2}""",
                                   string layers = $$"""[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{Digest}}","size":32}]""")
        => $$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{config}},"layers":{{layers}}}""";

    [Fact]
    public void Notation_example_layout_documents_are_valid()
    {
        OciSchemas.AssertValidImageLayoutFile(File.ReadAllBytes(NotationLayout("oci-layout")));
        OciSchemas.AssertValidIndex(File.ReadAllBytes(NotationLayout("index.json")));
        OciSchemas.AssertValidManifest(File.ReadAllBytes(NotationLayout("blobs", "sha256", "19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0")));
        OciSchemas.AssertValidConfig(File.ReadAllBytes(NotationLayout("blobs", "sha256", "572996c3caeacea40b947911a9dda21516c082b5a64af30048a02a6f5eb956d4")));
    }

    [Fact]
    public void A_well_formed_manifest_is_valid()
        => Assert.Empty(OciSchemas.ValidateManifest(Utf8(Manifest())));

    [Theory]
    [InlineData("missing config", """{"schemaVersion":2,"layers":[]}""", "config")]
    [InlineData("missing layers", $$$"""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"{{{Digest}}}","size":1}}""", "layers")]
    [InlineData("schemaVersion 1", $$"""{"schemaVersion":1,"config":{"mediaType":"a/b","digest":"{{Digest}}","size":1},"layers":[]}""", "schemaVersion")]
    [InlineData("bad config digest", """{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"not a digest","size":1},"layers":[]}""", "/config/digest")]
    [InlineData("negative layer size", $$"""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"{{Digest}}","size":1},"layers":[{"mediaType":"a/b","digest":"{{Digest}}","size":-1}]}""", "/layers/0/size")]
    [InlineData("fractional size", $$"""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"{{Digest}}","size":1.5},"layers":[]}""", "/config/size")]
    [InlineData("bad media type", $$"""{"schemaVersion":2,"mediaType":"nonsense","config":{"mediaType":"a/b","digest":"{{Digest}}","size":1},"layers":[]}""", "/mediaType")]
    [InlineData("descriptor without digest", """{"schemaVersion":2,"config":{"mediaType":"a/b","size":1},"layers":[]}""", "/config")]
    [InlineData("annotation that is not a string", $$$"""{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"{{{Digest}}}","size":1},"layers":[],"annotations":{"a":1}}""", "/annotations/a")]
    [InlineData("not an object", "[]", "type")]
    public void Invalid_manifests_are_rejected(string why, string json, string expectedInError)
    {
        // When
        var errors = OciSchemas.ValidateManifest(Utf8(json));

        // Then
        Assert.True(errors.Count > 0, $"a manifest with {why} was accepted");
        Assert.Contains(errors, e => e.Contains(expectedInError, StringComparison.Ordinal));
    }

    [Fact]
    public void AssertValid_fails_the_test_and_lists_the_errors()
    {
        var failure = Assert.Throws<FailException>(() => OciSchemas.AssertValidManifest(Utf8("""{"schemaVersion":2,"layers":[]}""")));

        Assert.Contains("image-manifest-schema.json", failure.Message, StringComparison.Ordinal);
        Assert.Contains("config", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_JSON_is_reported_not_thrown()
        => Assert.Contains("not JSON", Assert.Single(OciSchemas.ValidateManifest("{"u8)), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"imageLayoutVersion":"1.0.0"}""", true)]
    [InlineData("""{"imageLayoutVersion":"1.1.0"}""", false)]
    [InlineData("""{}""", false)]
    public void Image_layout_file_version_is_checked(string json, bool valid)
        => Assert.Equal(valid, OciSchemas.ValidateImageLayoutFile(Utf8(json)).Count == 0);

    [Theory]
    [InlineData($$"""{"mediaType":"a/b","digest":"{{Digest}}","size":0}""", true)]
    [InlineData($$"""{"mediaType":"a/b","digest":"{{Digest}}","size":0,"urls":["https://example.com/blob"],"data":"","annotations":{"k":"v"},"artifactType":"c/d"}""", true)]
    [InlineData($$"""{"mediaType":"a/b","digest":"{{Digest}}","size":-5}""", false)]
    [InlineData($$"""{"mediaType":"a/b","digest":"{{Digest}}"}""", false)]
    [InlineData($$"""{"mediaType":"a/b","digest":"{{Digest}}","size":1,"urls":["not a uri"]}""", false)]
    [InlineData("""{"mediaType":"a/b","digest":"sha256:","size":1}""", false)]
    public void Descriptors_are_checked(string json, bool valid)
        => Assert.Equal(valid, OciSchemas.ValidateDescriptor(Utf8(json)).Count == 0);

    [Theory]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""", true)]
    [InlineData("""{"architecture":"amd64","os":"linux","created":"yesterday","rootfs":{"type":"layers","diff_ids":[]}}""", false)]
    [InlineData("""{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""", false)]
    [InlineData("""{"architecture":"amd64","os":"linux","rootfs":{"type":"tarball","diff_ids":[]}}""", false)]
    [InlineData("""{"architecture":"amd64","os":"linux","config":{"Env":"PATH=/bin"},"rootfs":{"type":"layers","diff_ids":[]}}""", false)]
    public void Configs_are_checked(string json, bool valid)
        => Assert.Equal(valid, OciSchemas.ValidateConfig(Utf8(json)).Count == 0);

    [Fact]
    public void Index_with_a_manifest_missing_its_size_is_rejected()
    {
        var json = $$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{Digest}}"}]}""";

        Assert.Contains(OciSchemas.ValidateIndex(Utf8(json)), e => e.Contains("/manifests/0", StringComparison.Ordinal));
    }

    [Fact]
    public void The_general_validator_handles_draft_07_schemas_with_references()
    {
        // Given: CycloneDX 1.6 refs spdx.schema.json and jsf-0.82.schema.json by relative name.
        var validator = new JsonSchemaValidator(
            TestPaths.Spec("cyclonedx", "bom-1.6.schema.json"),
            [TestPaths.Spec("cyclonedx", "spdx.schema.json"), TestPaths.Spec("cyclonedx", "jsf-0.82.schema.json")],
            [new Uri("http://cyclonedx.org/schema/")]);

        // When / Then
        validator.AssertValid("""{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","licenses":[{"license":{"id":"MIT"}}]}]}"""u8);
        Assert.NotEmpty(validator.Validate("""{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","licenses":[{"license":{"id":"NOT-A-LICENSE"}}]}]}"""u8));
        Assert.NotEmpty(validator.Validate("""{"bomFormat":"SPDX","specVersion":"1.6"}"""u8));
    }

    [Fact]
    public void The_general_validator_accepts_the_SPDX_example()
    {
        var validator = new JsonSchemaValidator(TestPaths.Spec("spdx", "spdx-schema.json"));

        validator.AssertValid(File.ReadAllBytes(TestPaths.Spec("spdx", "examples", "SPDXJSONExample-v2.3.spdx.json")));
    }
}
