using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Oci;

/// <summary>
/// What <see cref="OciJson"/> writes: valid against the official schemas, byte-stable, equal to the
/// checked-in golden files, and parsed back to an equal object. Set TOOLKIT_UPDATE_GOLDEN=1 to rewrite
/// the golden files after an intended format change (then review the diff).
/// </summary>
public class OciJsonCanonicalTests
{
    public static TheoryData<string> Documents => ["manifest", "index", "config", "descriptor"];

    private static byte[] Serialize(string document) => document switch
    {
        "manifest" => OciJson.Serialize(OciDocuments.Manifest()),
        "index" => OciJson.Serialize(OciDocuments.Index()),
        "config" => OciJson.Serialize(OciDocuments.Config()),
        "descriptor" => OciJson.Serialize(OciDocuments.Descriptor()),
        _ => throw new ArgumentOutOfRangeException(nameof(document)),
    };

    private static string GoldenPath(string document)
        => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "TestData", "golden", $"{document}.json");

    [Theory]
    [MemberData(nameof(Documents))]
    public void Serialized_document_validates_against_the_OCI_schema(string document)
    {
        var json = Serialize(document);

        var errors = document switch
        {
            "manifest" => OciSchemas.ValidateManifest(json),
            "index" => OciSchemas.ValidateIndex(json),
            "config" => OciSchemas.ValidateConfig(json),
            _ => OciSchemas.ValidateDescriptor(json),
        };

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Serialized_bytes_equal_the_golden_file(string document)
    {
        // Given
        var actual = Serialize(document);
        var path = GoldenPath(document);
        if (Environment.GetEnvironmentVariable("TOOLKIT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(path, actual);
        }

        // When
        var expected = File.ReadAllBytes(path);

        // Then
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Serializing_twice_gives_the_same_bytes(string document)
        => Assert.Equal(Serialize(document), Serialize(document));

    [Theory]
    [MemberData(nameof(Documents))]
    public void Output_is_compact_and_maps_are_sorted_by_ordinal_key(string document)
    {
        var json = Serialize(document);

        Assert.DoesNotContain((byte)'\n', json);
        Assert.DoesNotContain((byte)' ', StripStrings(json));
        AssertMapsSorted(JsonNode.Parse(json)!, "$");
    }

    [Fact]
    public void Maps_sort_the_same_whatever_the_dictionary_comparer_or_insertion_order()
    {
        // Given: the same annotations, inserted in opposite orders, one with an ordinal comparer.
        var keys = new[] { "b", "B", "a-b", "a.b", "ab", "A", "_x", "é", "z" };
        var forward = new SortedDictionary<string, string>();
        var backward = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            forward[key] = key;
        }

        foreach (var key in keys.Reverse())
        {
            backward[key] = key;
        }

        var descriptor = new Descriptor(MediaTypes.OciEmpty, OciDocuments.DigestOf("{}"), 2);

        // When
        var a = OciJson.Serialize(descriptor with { Annotations = forward });
        var b = OciJson.Serialize(descriptor with { Annotations = backward });

        // Then
        Assert.Equal(a, b);
        var written = JsonNode.Parse(a)!["annotations"]!.AsObject().Select(p => p.Key).ToArray();
        Assert.Equal(keys.Order(StringComparer.Ordinal), written);
    }

    [Fact]
    public void Manifest_round_trips()
    {
        var manifest = OciDocuments.Manifest();

        var parsed = OciJson.ParseManifest(OciJson.Serialize(manifest));

        Assert.Equal(manifest, parsed);
        Assert.Equal(OciJson.Serialize(manifest), OciJson.Serialize(parsed));
    }

    [Fact]
    public void Index_round_trips()
    {
        var index = OciDocuments.Index();

        var parsed = OciJson.ParseIndex(OciJson.Serialize(index));

        Assert.Equal(index, parsed);
        Assert.Equal(OciJson.Serialize(index), OciJson.Serialize(parsed));
    }

    [Fact]
    public void Config_round_trips()
    {
        var config = OciDocuments.Config();

        var parsed = OciJson.ParseConfig(OciJson.Serialize(config));

        Assert.Equal(config, parsed);
        Assert.Equal(OciJson.Serialize(config), OciJson.Serialize(parsed));
    }

    [Fact]
    public void Descriptor_round_trips()
    {
        var descriptor = OciDocuments.Descriptor();
        var json = OciJson.Serialize(descriptor);

        var parsed = OciJson.ParseDescriptor(json);

        Assert.Equal(descriptor, parsed);
        Assert.Equal(json, OciJson.Serialize(parsed));
    }

    [Fact]
    public void Value_equality_notices_every_field()
    {
        var manifest = OciDocuments.Manifest();
        var config = OciDocuments.Config();
        var descriptor = OciDocuments.Descriptor();

        Assert.NotEqual(manifest, manifest with { Layers = [.. manifest.Layers.Take(1)] });
        Assert.NotEqual(manifest, manifest with { Annotations = null });
        Assert.NotEqual(OciDocuments.Index(), OciDocuments.Index() with { Manifests = [] });
        Assert.NotEqual(config, config with { Config = config.Config! with { Env = ["A=1"] } });
        Assert.NotEqual(config, config with { RootFs = new RootFs { DiffIds = [OciDocuments.DigestOf("other")] } });
        Assert.NotEqual(config, config with { History = [.. config.History!.Skip(1)] });
        Assert.NotEqual(descriptor, descriptor with { Urls = ["https://other.example.com/"] });
        Assert.NotEqual(descriptor, descriptor with { Data = [0x00] });
        Assert.NotEqual(descriptor, descriptor with { Platform = descriptor.Platform! with { OsFeatures = ["other"] } });
        Assert.Equal(OciDocuments.Config().GetHashCode(), OciDocuments.Config().GetHashCode());
        Assert.Equal(OciDocuments.Descriptor().GetHashCode(), OciDocuments.Descriptor().GetHashCode());
    }

    [Fact]
    public void Unknown_config_fields_survive_parse_then_serialize()
    {
        // Given: what docker and buildkit write besides the OCI fields.
        var json = """
            {
              "architecture": "amd64",
              "os": "linux",
              "docker_version": "24.0.7",
              "container": "3f2c0b6a",
              "container_config": { "Hostname": "3f2c0b6a", "Cmd": ["/bin/sh", "-c", "#(nop) CMD [\"bash\"]"], "Image": "sha256:abc", "Labels": {} },
              "config": {
                "Hostname": "",
                "AttachStdout": false,
                "Env": ["PATH=/usr/bin"],
                "Cmd": ["bash"],
                "ArgsEscaped": true,
                "OnBuild": null,
                "Healthcheck": { "Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "Interval": 30000000000, "Retries": 3 },
                "Shell": ["/bin/bash", "-c"]
              },
              "rootfs": { "type": "layers", "diff_ids": [] },
              "moby.buildkit.buildinfo.v1": "eyJ9"
            }
            """u8.ToArray();

        // When
        var parsed = OciJson.ParseConfig(json);
        var written = OciJson.Serialize(parsed);

        // Then
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(written)), Encoding.UTF8.GetString(written));
        Assert.Equal(["bash"], parsed.Config!.Cmd);
        Assert.True(parsed.Extra!.ContainsKey("container_config"));
        Assert.True(parsed.Config.Extra!.ContainsKey("Healthcheck"));
        Assert.Equal(JsonValueKind.True, parsed.Config.Extra["ArgsEscaped"].ValueKind);
        Assert.Equal(written, OciJson.Serialize(OciJson.ParseConfig(written)));
        Assert.Equal(parsed, OciJson.ParseConfig(written));
    }

    [Theory]
    [InlineData("negative size", """{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1},"layers":[]}""")]
    [InlineData("missing digest", """{"schemaVersion":2,"config":{"mediaType":"a/b","size":1},"layers":[]}""")]
    [InlineData("empty media type", """{"schemaVersion":2,"config":{"mediaType":"","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":1},"layers":[]}""")]
    [InlineData("bad digest", """{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:xyz","size":1},"layers":[]}""")]
    [InlineData("missing config", """{"schemaVersion":2,"layers":[]}""")]
    [InlineData("not JSON", """{"schemaVersion":2,""")]
    [InlineData("null", "null")]
    public void Parsing_an_invalid_manifest_throws_TK2016(string why, string json)
    {
        var error = Assert.Throws<ToolkitException>(() => OciJson.ParseManifest(Encoding.UTF8.GetBytes(json)));

        Assert.True(error.Code == ErrorCodes.InvalidManifest.Code, why);
    }

    [Theory]
    [InlineData("""{"mediaType":"a/b","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1}""")]
    [InlineData("""{"mediaType":"a/b","size":1}""")]
    [InlineData("""{"digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":1}""")]
    [InlineData("""{"mediaType":"a/b","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":1,"annotations":[]}""")]
    public void Parsing_an_invalid_descriptor_throws_TK2016(string json)
        => Assert.Equal(ErrorCodes.InvalidManifest.Code, Assert.Throws<ToolkitException>(() => OciJson.ParseDescriptor(Encoding.UTF8.GetBytes(json))).Code);

    [Fact]
    public void Parsed_maps_use_ordinal_keys()
    {
        var descriptor = OciJson.ParseDescriptor("""{"mediaType":"a/b","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":1,"annotations":{"b":"1","B":"2","a":"3"}}"""u8);

        Assert.Same(StringComparer.Ordinal, descriptor.Annotations!.Comparer);
        Assert.Equal(["B", "a", "b"], descriptor.Annotations.Keys);
    }

    private static byte[] StripStrings(byte[] json)
    {
        // Removes string contents so spaces inside values do not count as formatting.
        var result = new List<byte>(json.Length);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    inString = false;
                    result.Add(b);
                }

                continue;
            }

            inString = b == '"';
            result.Add(b);
        }

        return [.. result];
    }

    private static void AssertMapsSorted(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                var name = path[(path.LastIndexOf('.') + 1)..];
                if (name is "annotations" or "Labels" or "ExposedPorts" or "Volumes")
                {
                    var keys = obj.Select(p => p.Key).ToArray();
                    Assert.True(keys.SequenceEqual(keys.Order(StringComparer.Ordinal)), $"{path} is not sorted by ordinal key: {string.Join(", ", keys)}");
                }

                foreach (var (key, child) in obj)
                {
                    if (child is not null)
                    {
                        AssertMapsSorted(child, $"{path}.{key}");
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        AssertMapsSorted(item, $"{path}[{i}]");
                    }
                }

                break;
        }
    }
}
