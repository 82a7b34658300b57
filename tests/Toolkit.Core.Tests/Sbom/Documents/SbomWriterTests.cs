using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Host;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Sbom.Documents;

/// <summary>
/// Every format the writer produces is valid for its official schema, equal to its checked-in golden file
/// (TOOLKIT_UPDATE_GOLDEN=1 rewrites them after an intended change; review the diff), and the same whatever the
/// order of the inputs.
/// </summary>
public sealed class SbomWriterTests
{
    public static TheoryData<string> Formats => new() { "cyclonedx-json@1.5", "cyclonedx-json@1.6", "cyclonedx-json@1.7", "spdx-json@2.3" };

    internal static void AssertSchemaValid(SbomFormat format, byte[] json)
    {
        if (format.Standard == SbomStandard.CycloneDx)
        {
            SbomSchemas.AssertValidCycloneDx(format.SpecVersion, json);
        }
        else
        {
            SbomSchemas.AssertValidSpdx(json);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_sample_document_is_valid_for_the_official_schema(string formatName)
    {
        // Given
        var format = SbomFormat.Parse(formatName);

        // When
        var json = SbomWriter.ToBytes(SbomSamples.Document(), format);

        // Then
        AssertSchemaValid(format, json);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_document_with_nothing_but_a_project_is_valid(string formatName)
    {
        // Given a project with no components and no clock but the injected one
        var format = SbomFormat.Parse(formatName);
        var document = new SbomDocumentBuilder(new DictionaryEnvironmentVariables(new Dictionary<string, string>()), new FakeTimeProvider(SbomSamples.Timestamp))
            .Build(SbomSubject.ForProject("App"), []);

        // When
        var json = SbomWriter.ToBytes(document, format);

        // Then
        AssertSchemaValid(format, json);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_sample_document_equals_its_golden_file(string formatName)
    {
        // Given
        var format = SbomFormat.Parse(formatName);
        var actual = SbomWriter.ToBytes(SbomSamples.Document(), format);
        var path = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "golden", "sbom",
            $"sample.{format.Name}-{format.SpecVersion}{(format.Standard == SbomStandard.CycloneDx ? ".cdx" : ".spdx")}.json");
        if (Environment.GetEnvironmentVariable("TOOLKIT_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, actual);
        }

        // When
        var expected = File.ReadAllBytes(path);

        // Then
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Shuffled_inputs_give_identical_bytes(string formatName)
    {
        // Given the sample's catalog results, and the same results reversed and shuffled inside and out
        var format = SbomFormat.Parse(formatName);
        var builder = new SbomDocumentBuilder(new DictionaryEnvironmentVariables(new Dictionary<string, string>()));
        var expected = SbomWriter.ToBytes(builder.Build(SbomSamples.Subject(), [SbomSamples.NuGet(), SbomSamples.Image()], SbomSamples.Options()), format);
        var random = new Random(20240506);

        for (var round = 0; round < 5; round++)
        {
            var results = new[] { SbomSamples.NuGet(), SbomSamples.Image() }.Select(r => Shuffle(r, random)).ToArray();
            random.Shuffle(results);

            // When
            var actual = SbomWriter.ToBytes(builder.Build(SbomSamples.Subject(), results, SbomSamples.Options()), format);

            // Then
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Non_ascii_text_quotes_and_control_characters_round_trip(string formatName)
    {
        // Given
        var format = SbomFormat.Parse(formatName);
        var component = SbomSamples.NuGet().Components.Single(c => c.BomRef == SbomSamples.Unicode);

        // When
        var json = SbomWriter.ToBytes(SbomSamples.Document(), format);
        var text = Encoding.UTF8.GetString(json);
        using var parsed = JsonDocument.Parse(json);

        // Then the text is UTF-8 as is (no \u escapes for letters), JSON's own escapes are used where needed
        Assert.Contains("Ünïcødé", text, StringComparison.Ordinal);
        Assert.Contains("日本語", text, StringComparison.Ordinal);
        Assert.Contains("\\\"quotes\\\"", text, StringComparison.Ordinal);
        Assert.Contains("back\\\\slash", text, StringComparison.Ordinal);
        Assert.Contains("a tab\\tand", text, StringComparison.Ordinal);
        Assert.Contains("<html> &", text, StringComparison.Ordinal);

        // And a reader gets back exactly what went in
        var descriptions = Descendants(parsed.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("description", out _))
            .Select(e => e.GetProperty("description").GetString())
            .ToArray();
        Assert.Contains(component.Description, descriptions);
        var names = Descendants(parsed.RootElement)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            .Select(e => e.GetProperty("name").GetString())
            .ToArray();
        Assert.Contains(component.Name, names);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Output_is_indented_utf8_without_bom_with_lf_line_ends(string formatName)
    {
        // Given / When
        var json = SbomWriter.ToBytes(SbomSamples.Document(), SbomFormat.Parse(formatName));

        // Then
        Assert.Equal((byte)'{', json[0]);
        Assert.DoesNotContain((byte)'\r', json);
        Assert.Equal((byte)'\n', json[^1]);
        Assert.StartsWith("{\n  \"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_and_Write_give_the_bytes_of_ToBytes()
    {
        // Given
        var document = SbomSamples.Document();
        var expected = SbomWriter.ToBytes(document, SbomFormat.Default);
        using var synchronous = new MemoryStream();
        using var asynchronous = new MemoryStream();

        // When
        SbomWriter.Write(document, SbomFormat.Default, synchronous);
        await SbomWriter.WriteAsync(document, SbomFormat.Default, asynchronous, CancellationToken.None);

        // Then
        Assert.Equal(expected, synchronous.ToArray());
        Assert.Equal(expected, asynchronous.ToArray());
    }

    private static CatalogResult Shuffle(CatalogResult result, Random random)
    {
        T[] Shuffled<T>(IEnumerable<T> items)
        {
            var array = items.ToArray();
            random.Shuffle(array);
            return array;
        }

        return result with
        {
            Components = Shuffled(result.Components.Select(c => c with
            {
                Hashes = Shuffled(c.Hashes),
                Licenses = Shuffled(c.Licenses),
                Evidence = Shuffled(c.Evidence),
                Properties = Shuffled(c.Properties),
            })),
            Dependencies = Shuffled(result.Dependencies.Select(d => d with { DependsOn = Shuffled(d.DependsOn) })),
            Notes = Shuffled(result.Notes),
        };
    }

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children.SelectMany(Descendants))
        {
            yield return child;
        }
    }
}
