using System.Text.Json.Nodes;
using Toolkit.Core.Host;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;

namespace Toolkit.Core.Tests.Sbom.Documents;

/// <summary>What each format and version requires of the writers, checked on the written JSON and against the schema.</summary>
public sealed class FormatRulesTests
{
    private static SbomComponent Library(string name, params SbomLicense[] licenses) => new()
    {
        BomRef = $"pkg:nuget/{name}@1.0.0",
        Type = SbomComponentType.Library,
        Name = name,
        Version = "1.0.0",
        Purl = $"pkg:nuget/{name}@1.0.0",
        Licenses = licenses,
    };

    private static SbomDocument Document(SbomSubject subject, params SbomComponent[] components)
        => new SbomDocumentBuilder(new DictionaryEnvironmentVariables(new Dictionary<string, string>()))
            .Build(subject, [new CatalogResult { Components = components }], SbomSamples.Options());

    private static JsonObject Write(SbomDocument document, SbomFormat format)
    {
        var json = SbomWriter.ToBytes(document, format);
        SbomWriterTests.AssertSchemaValid(format, json);
        return JsonNode.Parse(json)!.AsObject();
    }

    private static JsonNode Component(JsonObject bom, string name)
        => bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;

    public sealed class CycloneDx
    {
        [Theory]
        [InlineData("1.5")]
        [InlineData("1.6")]
        public void Before_1_7_an_expression_and_listed_ids_become_one_expression(string version)
        {
            // Given
            var component = Library("Lib", new SbomLicense { Expression = "MIT OR Apache-2.0" }, new SbomLicense { Id = "BSD-3-Clause" });

            // When
            var bom = Write(Document(SbomSamples.Subject(), component), SbomFormat.Parse($"cyclonedx-json@{version}"));

            // Then
            var licenses = Component(bom, "Lib")["licenses"]!.AsArray();
            Assert.Equal("BSD-3-Clause AND (MIT OR Apache-2.0)", Assert.Single(licenses)!["expression"]!.GetValue<string>());
        }

        [Fact]
        public void From_1_7_licenses_and_expressions_stand_side_by_side()
        {
            // Given
            var component = Library("Lib", new SbomLicense { Expression = "MIT OR Apache-2.0" }, new SbomLicense { Id = "BSD-3-Clause" });

            // When
            var bom = Write(Document(SbomSamples.Subject(), component), SbomFormat.CycloneDxJson17);

            // Then
            var licenses = Component(bom, "Lib")["licenses"]!.AsArray();
            Assert.Equal(2, licenses.Count);
            Assert.Equal("BSD-3-Clause", licenses[0]!["license"]!["id"]!.GetValue<string>());
            Assert.Equal("MIT OR Apache-2.0", licenses[1]!["expression"]!.GetValue<string>());
        }

        [Theory]
        [InlineData("1.5")]
        [InlineData("1.6")]
        public void Before_1_7_an_expression_next_to_a_named_license_is_listed_as_a_name(string version)
        {
            // Given
            var component = Library("Lib", new SbomLicense { Expression = "MIT OR Apache-2.0" }, new SbomLicense { Name = "Vendor EULA" });

            // When
            var bom = Write(Document(SbomSamples.Subject(), component), SbomFormat.Parse($"cyclonedx-json@{version}"));

            // Then
            var names = Component(bom, "Lib")["licenses"]!.AsArray().Select(l => l!["license"]!["name"]!.GetValue<string>());
            Assert.Equal(["Vendor EULA", "MIT OR Apache-2.0"], names);
        }

        [Theory]
        [InlineData("1.5", "LicenseRef-x")]
        [InlineData("1.6", "GPL-2.0-or-later WITH Classpath-exception-2.0")]
        [InlineData("1.7", "Apache-1.1+")]
        public void An_id_that_is_an_expression_is_written_as_one(string version, string id)
        {
            var bom = Write(Document(SbomSamples.Subject(), Library("Lib", new SbomLicense { Id = id })), SbomFormat.Parse($"cyclonedx-json@{version}"));
            Assert.Equal(id, Assert.Single(Component(bom, "Lib")["licenses"]!.AsArray())!["expression"]!.GetValue<string>());
        }

        [Theory]
        [InlineData("1.5")]
        [InlineData("1.6")]
        [InlineData("1.7")]
        public void Ids_off_the_SPDX_list_and_unparsable_expressions_become_names(string version)
        {
            // Given Debian-style ids and an expression with an operator SPDX does not have
            var component = Library("Lib", new SbomLicense { Id = "GPL-2+" }, new SbomLicense { Expression = "MIT/X11" });

            // When
            var bom = Write(Document(SbomSamples.Subject(), component), SbomFormat.Parse($"cyclonedx-json@{version}"));

            // Then
            var names = Component(bom, "Lib")["licenses"]!.AsArray().Select(l => l!["license"]!["name"]!.GetValue<string>());
            Assert.Equal(["GPL-2+", "MIT/X11"], names);
        }

        [Fact]
        public void Version_1_5_has_neither_acknowledgement_nor_occurrence_context_and_keeps_the_layer_in_properties()
        {
            // Given / When
            var bom = Write(SbomSamples.Document(), SbomFormat.CycloneDxJson15);
            var libc = Component(bom, "libc6");

            // Then
            Assert.Null(libc["licenses"]![0]!["license"]!["acknowledgement"]);
            Assert.Null(libc["evidence"]!["occurrences"]![0]!["additionalContext"]);
            Assert.Contains(libc["properties"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "toolkit:layer:digest"
                && p["value"]!.GetValue<string>() == SbomSamples.BaseLayer.ToString());
        }

        [Theory]
        [InlineData("1.6")]
        [InlineData("1.7")]
        public void From_1_6_licenses_are_declared_and_occurrences_name_their_layer(string version)
        {
            // Given / When
            var bom = Write(SbomSamples.Document(), SbomFormat.Parse($"cyclonedx-json@{version}"));
            var libc = Component(bom, "libc6");

            // Then
            Assert.Equal("declared", libc["licenses"]![0]!["license"]!["acknowledgement"]!.GetValue<string>());
            Assert.Equal($"layer {SbomSamples.BaseLayer}", libc["evidence"]!["occurrences"]![0]!["additionalContext"]!.GetValue<string>());
        }

        [Theory]
        [InlineData("1.5")]
        [InlineData("1.6")]
        [InlineData("1.7")]
        public void Metadata_names_the_tool_in_the_object_form_and_the_image_with_its_base_as_ancestor(string version)
        {
            // Given / When
            var bom = Write(SbomSamples.Document(), SbomFormat.Parse($"cyclonedx-json@{version}"));
            var metadata = bom["metadata"]!;

            // Then
            Assert.Equal($"http://cyclonedx.org/schema/bom-{version}.schema.json", bom["$schema"]!.GetValue<string>());
            Assert.Equal(version, bom["specVersion"]!.GetValue<string>());
            Assert.Equal("2024-05-06T07:08:09Z", metadata["timestamp"]!.GetValue<string>());
            var tool = Assert.Single(metadata["tools"]!["components"]!.AsArray())!;
            Assert.Equal(["application", "dotnet-toolkit", "1.2.3"], new[] { "type", "name", "version" }.Select(k => tool[k]!.GetValue<string>()));
            Assert.Equal("container", metadata["component"]!["type"]!.GetValue<string>());
            Assert.Null(metadata["component"]!["scope"]);
            var ancestor = Assert.Single(metadata["component"]!["pedigree"]!["ancestors"]!.AsArray())!;
            Assert.Equal("docker.io/library/debian", ancestor["name"]!.GetValue<string>());
        }

        [Fact]
        public void Development_only_components_are_excluded_and_the_rest_required()
        {
            var bom = Write(SbomSamples.Document(), SbomFormat.Default);
            Assert.Equal("excluded", Component(bom, "StyleCop.Analyzers")["scope"]!.GetValue<string>());
            Assert.Equal("required", Component(bom, "Newtonsoft.Json")["scope"]!.GetValue<string>());
        }
    }

    public sealed class Spdx
    {
        [Fact]
        public void Ids_are_unique_valid_and_stable_even_when_bom_refs_sanitise_alike()
        {
            // Given bom-refs that differ only in characters SPDX ids cannot hold, and one that would be the document's id
            var components = new[] { "a/b", "a:b", "a b", "DOCUMENT", "ünï" }
                .Select(r => new SbomComponent { BomRef = r, Type = SbomComponentType.Library, Name = r })
                .ToArray();

            // When
            var spdx = Write(Document(SbomSubject.ForProject("App"), components), SbomFormat.SpdxJson23);
            var ids = spdx["packages"]!.AsArray().Select(p => p!["SPDXID"]!.GetValue<string>()).ToArray();

            // Then
            Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
            Assert.All(ids, id => Assert.Matches("^SPDXRef-[A-Za-z0-9.-]+$", id));
            Assert.DoesNotContain("SPDXRef-DOCUMENT", ids);
            Assert.Contains("SPDXRef-uni", ids);
            Assert.Equal(3, ids.Count(i => i.StartsWith("SPDXRef-a-b-", StringComparison.Ordinal)));
            var again = Write(Document(SbomSubject.ForProject("App"), components.Reverse().ToArray()), SbomFormat.SpdxJson23);
            Assert.Equal(ids, again["packages"]!.AsArray().Select(p => p!["SPDXID"]!.GetValue<string>()));
        }

        [Fact]
        public void A_project_depends_on_the_tops_of_its_graph_instead_of_containing_everything()
        {
            // Given
            var (a, b) = (Library("A"), Library("B"));
            var document = new SbomDocumentBuilder(new DictionaryEnvironmentVariables(new Dictionary<string, string>())).Build(
                SbomSubject.ForProject("App", "1.0.0"),
                [new CatalogResult { Components = [a, b], Dependencies = [new SbomDependency(a.BomRef, [b.BomRef])] }],
                SbomSamples.Options());

            // When
            var spdx = Write(document, SbomFormat.SpdxJson23);
            var relationships = spdx["relationships"]!.AsArray()
                .Select(r => $"{r!["spdxElementId"]} {r["relationshipType"]} {r["relatedSpdxElement"]}")
                .ToArray();

            // Then
            Assert.Equal(
                [
                    "SPDXRef-DOCUMENT DESCRIBES SPDXRef-project-App-1.0.0",
                    "SPDXRef-pkg-nuget-A-1.0.0 DEPENDS_ON SPDXRef-pkg-nuget-B-1.0.0",
                    "SPDXRef-project-App-1.0.0 DEPENDS_ON SPDXRef-pkg-nuget-A-1.0.0",
                ],
                relationships);
        }

        [Fact]
        public void Every_LicenseRef_used_is_declared_once_and_valid_licenses_stay_as_they_are()
        {
            // Given / When
            var spdx = Write(SbomSamples.Document(), SbomFormat.SpdxJson23);
            var declared = spdx["packages"]!.AsArray().Select(p => p!["licenseDeclared"]!.GetValue<string>()).ToArray();
            var extracted = spdx["hasExtractedLicensingInfos"]!.AsArray().Select(e => e!["licenseId"]!.GetValue<string>()).ToArray();

            // Then
            var used = declared.SelectMany(d => d.Split([' ', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
                .Where(t => t.StartsWith("LicenseRef-", StringComparison.Ordinal))
                .Distinct()
                .Order(StringComparer.Ordinal);
            Assert.Equal(used, extracted);
            Assert.Contains("MIT OR Apache-2.0", declared);
            Assert.Contains("LicenseRef-GPL-2 AND LGPL-2.1", declared);
            Assert.All(spdx["packages"]!.AsArray(), p => Assert.Equal("NOASSERTION", p!["licenseConcluded"]!.GetValue<string>()));
        }

        [Fact]
        public void The_namespace_ends_with_the_serial_number_under_the_given_base()
        {
            // Given
            var document = SbomSamples.Document() with { SpdxNamespaceBase = new Uri("https://sbom.example.com/spdx") };

            // When
            var spdx = Write(document, SbomFormat.SpdxJson23);

            // Then
            Assert.Equal(
                $"https://sbom.example.com/spdx/registry.example.com-team-app-1.0-{document.SerialNumber:D}",
                spdx["documentNamespace"]!.GetValue<string>());
        }

        [Fact]
        public void Checksums_use_SPDX_algorithm_names_and_purls_are_package_manager_references()
        {
            // Given / When
            var spdx = Write(SbomSamples.Document(), SbomFormat.SpdxJson23);
            var newtonsoft = spdx["packages"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "Newtonsoft.Json")!;

            // Then
            Assert.Equal("SHA512", newtonsoft["checksums"]![0]!["algorithm"]!.GetValue<string>());
            var reference = Assert.Single(newtonsoft["externalRefs"]!.AsArray())!;
            Assert.Equal(["PACKAGE-MANAGER", "purl", SbomSamples.Newtonsoft],
                new[] { "referenceCategory", "referenceType", "referenceLocator" }.Select(k => reference[k]!.GetValue<string>()));
            Assert.False(newtonsoft["filesAnalyzed"]!.GetValue<bool>());
            Assert.Equal("NOASSERTION", newtonsoft["downloadLocation"]!.GetValue<string>());
        }
    }
}
