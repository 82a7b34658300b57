using System.Text.Json.Nodes;
using Toolkit.Core.Oci;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Oci;

/// <summary>Real documents written by other tools (notation-go's test layout, built by docker/buildkit).</summary>
public class NotationExampleTests
{
    private const string ManifestDigest = "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0";
    private const string ConfigDigest = "sha256:572996c3caeacea40b947911a9dda21516c082b5a64af30048a02a6f5eb956d4";

    private static string LayoutPath(params string[] parts)
        => TestPaths.Spec(["notary", "examples", "notation-go", "oci-layout", .. parts]);

    private static byte[] Blob(string digest) => File.ReadAllBytes(LayoutPath("blobs", "sha256", digest["sha256:".Length..]));

    [Theory]
    [InlineData(ManifestDigest)]
    [InlineData(ConfigDigest)]
    public void Blob_bytes_hash_to_their_file_name(string digest)
    {
        var bytes = Blob(digest);

        Assert.Equal(Digest.Parse(digest), Digest.Compute(bytes));
        Assert.True(Digest.Parse(digest).Matches(bytes));
    }

    [Fact]
    public void Index_points_at_the_manifest_with_its_size_and_platform()
    {
        // When
        var index = OciJson.ParseIndex(File.ReadAllBytes(LayoutPath("index.json")));

        // Then
        var entry = Assert.Single(index.Manifests);
        Assert.Equal(Digest.Parse(ManifestDigest), entry.Digest);
        Assert.Equal(Blob(ManifestDigest).Length, entry.Size);
        Assert.Equal(MediaTypes.OciManifest, entry.MediaType);
        Assert.Equal("v2", entry.RefName);
        Assert.Equal(Platform.LinuxAmd64, entry.Platform);
    }

    [Fact]
    public void Manifest_parses_and_describes_the_config_blob()
    {
        // When
        var manifest = OciJson.ParseManifest(Blob(ManifestDigest));

        // Then
        Assert.Equal(MediaTypes.OciManifest, manifest.MediaType);
        Assert.Equal(MediaTypes.OciManifest, OciJson.DetectManifestMediaType(Blob(ManifestDigest)));
        Assert.Equal(2, manifest.SchemaVersion);
        Assert.Equal(MediaTypes.OciConfig, manifest.Config.MediaType);
        Assert.Equal(Digest.Parse(ConfigDigest), manifest.Config.Digest);
        Assert.Equal(Blob(ConfigDigest).Length, manifest.Config.Size);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.OciLayerGzip, layer.MediaType);
        Assert.Equal(3_374_446, layer.Size);
        Assert.Null(manifest.Subject);
    }

    [Fact]
    public void Config_parses_with_docker_fields_kept()
    {
        // When
        var config = OciJson.ParseConfig(Blob(ConfigDigest));

        // Then
        Assert.Equal(Platform.LinuxAmd64, config.Platform);
        Assert.Equal("2023-02-11T04:46:42.558343068Z", config.Created);
        Assert.Equal(["/bin/bash"], config.Config!.Cmd);
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], config.Config.Env);
        Assert.Equal("sha256:7cd52847ad775a5ddc4b58326cf884beee34544296402c6292ed76474c686d39", Assert.Single(config.RootFs.DiffIds).ToString());
        Assert.Equal(3, config.History!.Count);
        Assert.True(config.History[1].EmptyLayer);
        Assert.Equal("buildkit.dockerfile.v0", config.History[2].Comment);
        Assert.True(config.Extra!.ContainsKey("moby.buildkit.buildinfo.v1"));
        Assert.True(config.Config.Extra!.ContainsKey("ArgsEscaped"));
        Assert.True(config.Config.Extra.ContainsKey("OnBuild"));
    }

    [Fact]
    public void Config_reserialises_to_the_same_JSON_value()
    {
        // Given
        var original = Blob(ConfigDigest);

        // When
        var written = OciJson.Serialize(OciJson.ParseConfig(original));

        // Then: same members and values (our canonical member order differs from docker's).
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(written)), System.Text.Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void Manifest_reserialises_to_the_same_JSON_value()
    {
        var original = Blob(ManifestDigest);

        var written = OciJson.Serialize(OciJson.ParseManifest(original));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(written)), System.Text.Encoding.UTF8.GetString(written));
    }
}
