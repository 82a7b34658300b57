using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;

namespace Toolkit.Core.Tests.Sbom.Documents;

public sealed class SbomDocumentBuilderTests
{
    private static readonly DateTimeOffset Clock = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private static SbomDocumentBuilder Builder(Dictionary<string, string>? environment = null)
        => new(new DictionaryEnvironmentVariables(environment ?? []), new FakeTimeProvider(Clock));

    private static SbomComponent Library(string name, string version = "1.0.0") => new()
    {
        BomRef = $"pkg:nuget/{name}@{version}",
        Type = SbomComponentType.Library,
        Name = name,
        Version = version,
        Purl = $"pkg:nuget/{name}@{version}",
    };

    private static SbomDocument Build(params CatalogResult[] results) => Builder().Build(SbomSamples.Subject(), results, SbomSamples.Options());

    public sealed class SerialNumber
    {
        [Fact]
        public void Is_a_uuid_v5_of_the_image_digest_in_the_toolkit_namespace()
        {
            // Given / When
            var document = Build();

            // Then
            Assert.Equal(NameBasedUuid.Create(NameBasedUuid.SbomNamespace, SbomSamples.ImageDigest.ToString()), document.SerialNumber);
            Assert.Equal(5, document.SerialNumber.Version);
            Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", document.SerialNumberUrn);
        }

        [Fact]
        public void Differs_between_images_and_stays_for_the_same_image()
        {
            // Given
            var other = SbomSubject.ForImage("app", Digest.Parse("sha256:" + new string('c', 64)));

            // When
            var first = Build().SerialNumber;
            var again = Build().SerialNumber;
            var forOther = Builder().Build(other, []).SerialNumber;

            // Then
            Assert.Equal(first, again);
            Assert.NotEqual(first, forOther);
        }

        [Fact]
        public void Is_the_given_one_when_the_caller_gives_one()
        {
            // Given
            var given = SbomDocumentOptions.ParseSerialNumber("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");

            // When
            var document = Builder().Build(SbomSamples.Subject(), [], new SbomDocumentOptions { SerialNumber = given });

            // Then
            Assert.Equal("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", document.SerialNumberUrn);
        }

        [Theory]
        [InlineData("urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79")]
        [InlineData("3e671687-395b-41f5-a30f-a58921a69b79")]
        [InlineData("  3e671687-395b-41f5-a30f-a58921a69b79 ")]
        public void Parses_from_urn_or_bare_uuid(string text)
            => Assert.Equal(new Guid("3e671687-395b-41f5-a30f-a58921a69b79"), SbomDocumentOptions.ParseSerialNumber(text));

        [Theory]
        [InlineData("")]
        [InlineData("urn:uuid:")]
        [InlineData("3e671687395b41f5a30fa58921a69b79")]
        [InlineData("urn:isbn:0451450523")]
        public void Is_refused_with_TK5001_when_not_a_uuid(string text)
        {
            var error = Assert.Throws<ToolkitException>(() => SbomDocumentOptions.ParseSerialNumber(text));
            Assert.Equal(ErrorCodes.InvalidSbomSerialNumber, error.ErrorCode);
        }

        [Fact]
        public void Of_a_project_comes_from_its_identity()
        {
            // Given / When
            var byName = Builder().Build(SbomSubject.ForProject("App", "1.0.0"), []);
            var byIdentity = Builder().Build(SbomSubject.ForProject("App", "1.0.0", identity: "src/App/App.csproj"), []);

            // Then
            Assert.Equal(NameBasedUuid.Create(NameBasedUuid.SbomNamespace, "project:App@1.0.0"), byName.SerialNumber);
            Assert.Equal(NameBasedUuid.Create(NameBasedUuid.SbomNamespace, "project:src/App/App.csproj"), byIdentity.SerialNumber);
        }
    }

    public sealed class Tools
    {
        [Fact]
        public void Are_the_toolkit_with_the_engine_assemblys_version_unless_given()
        {
            // Given / When
            var document = Builder().Build(SbomSamples.Subject(), []);

            // Then
            var tool = Assert.Single(document.Tools);
            Assert.Equal("dotnet-toolkit", tool.Name);
            var expected = typeof(SbomDocument).Assembly
                .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
                .Single().InformationalVersion;
            Assert.Equal(expected, tool.Version);
        }
    }

    public sealed class Timestamp
    {
        [Fact]
        public void Is_the_given_one_first()
        {
            var document = Builder(new() { ["SOURCE_DATE_EPOCH"] = "1700000000" })
                .Build(SbomSamples.Subject(), [], new SbomDocumentOptions { Timestamp = SbomSamples.Timestamp });
            Assert.Equal(SbomSamples.Timestamp, document.Timestamp);
        }

        [Fact]
        public void Is_SOURCE_DATE_EPOCH_when_none_is_given()
        {
            var document = Builder(new() { ["SOURCE_DATE_EPOCH"] = "1700000000" }).Build(SbomSamples.Subject(), []);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), document.Timestamp);
        }

        [Fact]
        public void Is_the_injected_clock_in_whole_seconds_otherwise()
        {
            var document = Builder().Build(SbomSamples.Subject(), []);
            Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), document.Timestamp);
        }

        [Fact]
        public void Refuses_a_SOURCE_DATE_EPOCH_that_is_not_seconds()
        {
            var error = Assert.Throws<ToolkitException>(() => Builder(new() { ["SOURCE_DATE_EPOCH"] = "yesterday" }).Build(SbomSamples.Subject(), []));
            Assert.Equal(ErrorCodes.InvalidOption, error.ErrorCode);
        }
    }

    public sealed class Merging
    {
        [Fact]
        public void The_same_bom_ref_from_two_catalogers_is_one_component_with_everything_both_found()
        {
            // Given / When
            var document = SbomSamples.Document();

            // Then Newtonsoft.Json, reported by NuGet (hash as base64, license, property) and by the image (hash as hex, evidence, property), is one component
            var merged = Assert.Single(document.Components, c => c.BomRef == SbomSamples.Newtonsoft);
            var hash = Assert.Single(merged.Hashes);
            Assert.Equal("SHA-512", hash.Algorithm);
            Assert.Equal(Convert.ToHexStringLower(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()), hash.Value);
            Assert.Equal([new SbomLicense { Expression = "MIT" }], merged.Licenses);
            Assert.Equal(["/app/App.deps.json", "/app/Newtonsoft.Json.dll"], merged.Evidence.Select(e => e.Path));
            Assert.All(merged.Evidence, e => Assert.Equal(SbomSamples.AppLayer, e.Layer));
            Assert.Equal(["toolkit:dotnet:assemblyVersion", "toolkit:nuget:targetFramework"], merged.Properties.Select(p => p.Key));
            Assert.Equal("James Newton-King", merged.Supplier);
        }

        [Fact]
        public void Components_are_ordered_by_bom_ref()
        {
            var refs = SbomSamples.Document().Components.Select(c => c.BomRef).ToArray();
            Assert.Equal(refs.Order(StringComparer.Ordinal), refs);
        }

        [Fact]
        public void The_strongest_scope_wins_so_a_package_seen_shipping_is_not_development_only()
        {
            // Given one cataloger saw the package as development-only and another in the image
            var dev = Library("Shared") with { Scope = SbomComponentScope.Excluded };
            var shipped = Library("Shared");

            // When
            var document = Build(new CatalogResult { Components = [dev] }, new CatalogResult { Components = [shipped] });

            // Then
            Assert.Equal(SbomComponentScope.Required, Assert.Single(document.Components).Scope);
        }

        [Fact]
        public void Disagreeing_values_resolve_to_the_ordinal_least_whatever_the_order()
        {
            // Given
            var a = Library("Lib") with { Description = "beta", Supplier = "Zed" };
            var b = Library("Lib") with { Description = "alpha", Supplier = null };

            // When
            var ab = Assert.Single(Build(new CatalogResult { Components = [a, b] }).Components);
            var ba = Assert.Single(Build(new CatalogResult { Components = [b, a] }).Components);

            // Then
            Assert.Equal("alpha", ab.Description);
            Assert.Equal("Zed", ab.Supplier);
            Assert.Equal(ab.Description, ba.Description);
        }

        [Fact]
        public void Hashes_that_neither_format_can_carry_are_left_out_and_noted()
        {
            // Given
            var component = Library("Lib") with
            {
                Hashes = [new SbomHash("SHA-256", "not hex"), new SbomHash("CRC32", "cbf43926"), new SbomHash("sha256", new string('A', 64))],
            };

            // When
            var document = Build(new CatalogResult { Components = [component] });

            // Then
            Assert.Equal([new SbomHash("SHA-256", new string('a', 64))], Assert.Single(document.Components).Hashes);
            Assert.Equal(2, document.Notes.Count(n => n.Contains("A hash of 'pkg:nuget/Lib@1.0.0' was left out", StringComparison.Ordinal)));
        }

        [Fact]
        public void A_component_with_the_subjects_bom_ref_adds_what_was_found_to_the_subject_instead_of_being_listed()
        {
            // Given a project SBOM, and the NuGet cataloger reporting the project itself with its evidence and graph
            var subject = SbomSubject.ForProject("App", "1.0.0");
            var lib = Library("Lib");
            var project = new SbomComponent
            {
                BomRef = subject.Component.BomRef,
                Type = SbomComponentType.Library,
                Name = "other name",
                Description = "The app",
                Evidence = [new SbomEvidence("src/App/App.csproj")],
            };

            // When
            var document = Builder().Build(
                subject,
                [new CatalogResult { Components = [project, lib], Dependencies = [new SbomDependency(project.BomRef, [lib.BomRef])] }],
                SbomSamples.Options());

            // Then the subject keeps its own identity and gains the rest, and is no component
            Assert.DoesNotContain(document.Components, c => c.BomRef == subject.Component.BomRef);
            Assert.Equal("App", document.Subject.Component.Name);
            Assert.Equal(SbomComponentType.Application, document.Subject.Component.Type);
            Assert.Equal("The app", document.Subject.Component.Description);
            Assert.Equal("src/App/App.csproj", Assert.Single(document.Subject.Component.Evidence).Path);
            Assert.Equal([lib.BomRef], document.Dependencies.Single(d => d.Ref == subject.Component.BomRef).DependsOn);
            Assert.Empty(document.Notes);
        }

        [Fact]
        public void Notes_of_all_catalogers_are_kept_once_in_order()
        {
            // Given / When
            var document = Build(
                new CatalogResult { Notes = ["b note", "a note"] },
                new CatalogResult { Notes = ["a note"] });

            // Then
            Assert.Equal(["a note", "b note"], document.Notes);
        }
    }

    public sealed class Dependencies
    {
        [Fact]
        public void Are_unioned_per_ref_and_sorted()
        {
            // Given two catalogers that each know part of what A depends on
            var (a, b, c) = (Library("A"), Library("B"), Library("C"));
            var first = new CatalogResult { Components = [a, b, c], Dependencies = [new SbomDependency(a.BomRef, [c.BomRef])] };
            var second = new CatalogResult { Dependencies = [new SbomDependency(a.BomRef, [b.BomRef, c.BomRef, a.BomRef])] };

            // When
            var document = Build(first, second);

            // Then A depends on B and C once each, never on itself
            Assert.Equal([b.BomRef, c.BomRef], document.Dependencies.Single(d => d.Ref == a.BomRef).DependsOn);
        }

        [Fact]
        public void The_subject_depends_on_every_component_nothing_else_depends_on()
        {
            // Given A -> B, and C alone
            var (a, b, c) = (Library("A"), Library("B"), Library("C"));
            var result = new CatalogResult { Components = [a, b, c], Dependencies = [new SbomDependency(a.BomRef, [b.BomRef])] };

            // When
            var document = Build(result);

            // Then
            var root = document.Dependencies.Single(d => d.Ref == document.Subject.Component.BomRef);
            Assert.Equal([a.BomRef, c.BomRef], root.DependsOn);
        }

        [Fact]
        public void A_cycle_nothing_else_reaches_hangs_from_the_subject_by_its_least_member()
        {
            // Given B <-> C, which nothing depends on
            var (b, c) = (Library("B"), Library("C"));
            var result = new CatalogResult
            {
                Components = [c, b],
                Dependencies = [new SbomDependency(b.BomRef, [c.BomRef]), new SbomDependency(c.BomRef, [b.BomRef])],
            };

            // When
            var document = Build(result);

            // Then
            Assert.Equal([b.BomRef], document.Dependencies.Single(d => d.Ref == document.Subject.Component.BomRef).DependsOn);
        }

        [Fact]
        public void Edges_to_unknown_bom_refs_are_left_out_and_noted()
        {
            // Given
            var a = Library("A");
            var result = new CatalogResult
            {
                Components = [a],
                Dependencies = [new SbomDependency(a.BomRef, ["pkg:nuget/Missing@1.0.0"]), new SbomDependency("pkg:nuget/Ghost@1.0.0", [a.BomRef])],
            };

            // When
            var document = Build(result);

            // Then
            Assert.Empty(document.Dependencies.Single(d => d.Ref == a.BomRef).DependsOn);
            Assert.DoesNotContain(document.Dependencies, d => d.Ref == "pkg:nuget/Ghost@1.0.0");
            Assert.Contains(document.Notes, n => n.Contains("2 bom-ref(s)", StringComparison.Ordinal));
        }

        [Fact]
        public void A_component_no_cataloger_gave_a_graph_for_has_no_entry_so_its_dependencies_stay_unknown()
        {
            var document = Build(new CatalogResult { Components = [Library("A")] });
            Assert.DoesNotContain(document.Dependencies, d => d.Ref == "pkg:nuget/A@1.0.0");
        }
    }

    public sealed class Subjects
    {
        [Fact]
        public void An_image_is_a_container_with_an_oci_purl_its_digest_as_hash_and_its_base_image_as_ancestor()
        {
            // Given / When
            var subject = SbomSamples.Subject();

            // Then
            Assert.Equal(SbomSubjectKind.Image, subject.Kind);
            Assert.Equal(SbomComponentType.Container, subject.Component.Type);
            Assert.Equal("registry.example.com/team/app", subject.Component.Name);
            Assert.Equal("1.0", subject.Component.Version);
            Assert.Equal(
                $"pkg:oci/app@sha256:{new string('a', 64)}?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapp&tag=1.0",
                subject.Component.Purl);
            Assert.Equal([new SbomHash("SHA-256", new string('a', 64))], subject.Component.Hashes);
            var ancestor = Assert.Single(subject.Ancestors);
            Assert.Equal($"pkg:oci/debian@sha256:{new string('b', 64)}?repository_url=docker.io%2Flibrary%2Fdebian&tag=12-slim", ancestor.Purl);
            Assert.Equal("docker.io/library/debian", ancestor.Name);
        }

        [Fact]
        public void An_image_without_a_tag_has_its_digest_as_version()
        {
            var subject = SbomSubject.ForImage("app", SbomSamples.ImageDigest);
            Assert.Equal(SbomSamples.ImageDigest.ToString(), subject.Component.Version);
            Assert.Equal($"pkg:oci/app@sha256:{new string('a', 64)}", subject.Component.Purl);
        }

        [Fact]
        public void A_base_image_named_without_a_digest_has_no_purl_but_a_stable_bom_ref()
        {
            var ancestor = SbomSubject.BaseImage(new Dictionary<string, string> { [AnnotationKeys.BaseName] = "debian:12" });
            Assert.NotNull(ancestor);
            Assert.Null(ancestor.Purl);
            Assert.Equal("base-image:docker.io/library/debian:12", ancestor.BomRef);
        }

        [Fact]
        public void A_base_image_reference_with_a_digest_gives_the_purl()
        {
            var ancestor = SbomSubject.BaseImage(new Dictionary<string, string> { [AnnotationKeys.BaseName] = $"ghcr.io/org/base@{SbomSamples.BaseDigest}" });
            Assert.Equal($"pkg:oci/base@{SbomSamples.BaseDigest}?repository_url=ghcr.io%2Forg%2Fbase", ancestor?.Purl);
        }

        [Fact]
        public void No_base_annotations_means_no_ancestor()
            => Assert.Empty(SbomSubject.ForImage("app", SbomSamples.ImageDigest, annotations: new Dictionary<string, string> { [AnnotationKeys.Source] = "x" }).Ancestors);

        [Fact]
        public void A_project_is_an_application()
        {
            var subject = SbomSubject.ForProject("App", "2.0.0", purl: "pkg:nuget/App@2.0.0");
            Assert.Equal(SbomSubjectKind.Project, subject.Kind);
            Assert.Equal(SbomComponentType.Application, subject.Component.Type);
            Assert.Equal("pkg:nuget/App@2.0.0", subject.Component.BomRef);
        }
    }
}
