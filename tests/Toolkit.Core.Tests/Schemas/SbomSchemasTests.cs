using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Schemas;

/// <summary>The SBOM schema fixture must accept real documents and reject broken ones, or the SBOM schema tests prove nothing.</summary>
public class SbomSchemasTests
{
    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string CycloneDx(string version, string component) => $$"""
        {"bomFormat":"CycloneDX","specVersion":"{{version}}","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,
         "components":[{{component}}]}
        """;

    [Fact]
    public void The_official_spdx_example_is_valid()
        => SbomSchemas.AssertValidSpdx(File.ReadAllBytes(TestPaths.Spec("spdx", "examples", "SPDXJSONExample-v2.3.spdx.json")));

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.6")]
    [InlineData("1.7")]
    public void A_minimal_cyclonedx_document_with_a_license_id_is_valid(string version)
        => SbomSchemas.AssertValidCycloneDx(version, Utf8(CycloneDx(version, """{"type":"library","name":"a","licenses":[{"license":{"id":"MIT"}}]}""")));

    [Theory]
    [InlineData("1.5", """{"type":"library","name":"a","licenses":[{"license":{"id":"Not-A-Listed-License"}}]}""", "an unlisted license id")]
    [InlineData("1.6", """{"type":"library","name":"a","licenses":[{"license":{"id":"MIT"}},{"expression":"MIT OR Apache-2.0"}]}""", "a license next to an expression")]
    [InlineData("1.5", """{"type":"library","name":"a","licenses":[{"license":{"id":"MIT","acknowledgement":"declared"}}]}""", "acknowledgement before 1.6")]
    [InlineData("1.5", """{"type":"library","name":"a","evidence":{"occurrences":[{"location":"/a","additionalContext":"x"}]}}""", "additionalContext before 1.6")]
    [InlineData("1.7", """{"type":"library","name":"a","hashes":[{"alg":"SHA-512","content":"not hex"}]}""", "a hash that is not hex")]
    [InlineData("1.6", """{"type":"library","name":"a","scope":"dev"}""", "an unknown scope")]
    [InlineData("1.7", """{"type":"library"}""", "a component without name")]
    public void Invalid_cyclonedx_documents_are_rejected(string version, string component, string why)
    {
        // When
        var errors = SbomSchemas.ValidateCycloneDx(version, Utf8(CycloneDx(version, component)));

        // Then
        Assert.True(errors.Count > 0, $"a CycloneDX {version} document with {why} was accepted");
    }

    [Fact]
    public void A_1_7_document_may_mix_licenses_and_expressions()
        => SbomSchemas.AssertValidCycloneDx("1.7", Utf8(CycloneDx("1.7", """{"type":"library","name":"a","licenses":[{"license":{"id":"MIT"}},{"expression":"MIT OR Apache-2.0"}]}""")));

    [Theory]
    [InlineData("SPDXID")]
    [InlineData("creationInfo")]
    [InlineData("dataLicense")]
    public void Spdx_documents_without_a_required_member_are_rejected(string member)
    {
        // Given the official example without one required member
        var example = JsonNode.Parse(File.ReadAllBytes(TestPaths.Spec("spdx", "examples", "SPDXJSONExample-v2.3.spdx.json")))!.AsObject();
        example.Remove(member);

        // When
        var errors = SbomSchemas.ValidateSpdx(Utf8(example.ToJsonString()));

        // Then
        Assert.Contains(errors, e => e.Contains(member, StringComparison.Ordinal));
    }

    [Fact]
    public void Spdx_relationship_types_outside_the_list_are_rejected()
    {
        // Given
        var example = JsonNode.Parse(File.ReadAllBytes(TestPaths.Spec("spdx", "examples", "SPDXJSONExample-v2.3.spdx.json")))!.AsObject();
        example["relationships"]![0]!["relationshipType"] = "IS_FRIENDS_WITH";

        // When
        var errors = SbomSchemas.ValidateSpdx(Utf8(example.ToJsonString()));

        // Then
        Assert.Contains(errors, e => e.Contains("/relationships/0/relationshipType", StringComparison.Ordinal));
    }
}
