using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Toolkit.Testing;

/// <summary>One image found in an OCI layout by <see cref="OciLayoutCheck"/>: its manifest and config, parsed independently of Toolkit.Core.</summary>
public sealed record OciLayoutImage(string Tag, string ManifestDigest, JsonElement Manifest, string ConfigDigest, JsonElement Config)
{
    /// <summary><c>config.config</c> of the image config (Entrypoint, Env, Labels, ...).</summary>
    public JsonElement ContainerConfig => Config.GetProperty("config");
}

/// <summary>
/// Checks an OCI image layout on disk with its own small reader, so that a bug in the engine's reader
/// cannot hide a bug in its writer: <c>oci-layout</c> and <c>index.json</c> parse, every blob a
/// descriptor names exists with the size and sha256 the descriptor says, and the manifest and config
/// have the fields the image spec requires; <c>oci-layout</c>, <c>index.json</c>, the manifest and the
/// config validate against the official schemas (<see cref="Schemas.OciSchemas"/>).
/// </summary>
public static partial class OciLayoutCheck
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>Checks the whole layout and returns the image tagged <paramref name="tag"/>.</summary>
    public static OciLayoutImage Verify(string layoutDirectory, string tag)
    {
        ArgumentNullException.ThrowIfNull(layoutDirectory);
        ArgumentNullException.ThrowIfNull(tag);
        Assert.True(Directory.Exists(layoutDirectory), $"No OCI layout at {layoutDirectory}.");

        var layoutBytes = File.ReadAllBytes(Path.Combine(layoutDirectory, "oci-layout"));
        var indexBytes = File.ReadAllBytes(Path.Combine(layoutDirectory, "index.json"));
        Schemas.OciSchemas.AssertValidImageLayoutFile(layoutBytes);
        Schemas.OciSchemas.AssertValidIndex(indexBytes);
        using var layout = JsonDocument.Parse(layoutBytes);
        Assert.Equal("1.0.0", layout.RootElement.GetProperty("imageLayoutVersion").GetString());

        using var index = JsonDocument.Parse(indexBytes);
        Assert.Equal(2, index.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("application/vnd.oci.image.index.v1+json", index.RootElement.GetProperty("mediaType").GetString());
        var descriptors = index.RootElement.GetProperty("manifests").EnumerateArray().ToArray();
        Assert.NotEmpty(descriptors);
        foreach (var descriptor in descriptors)
        {
            ReadBlob(layoutDirectory, descriptor);
        }

        var tagged = descriptors.Where(d => d.TryGetProperty("annotations", out var a)
                && a.TryGetProperty(RefNameAnnotation, out var name) && name.GetString() == tag).ToArray();
        var found = Assert.Single(tagged);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", found.GetProperty("mediaType").GetString());

        var manifestBytes = ReadBlob(layoutDirectory, found);
        Schemas.OciSchemas.AssertValidManifest(manifestBytes);
        var manifest = JsonDocument.Parse(manifestBytes).RootElement.Clone();
        Assert.Equal(2, manifest.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", manifest.GetProperty("mediaType").GetString());
        var configDescriptor = manifest.GetProperty("config");
        Assert.Equal("application/vnd.oci.image.config.v1+json", configDescriptor.GetProperty("mediaType").GetString());
        var configBytes = ReadBlob(layoutDirectory, configDescriptor);
        Schemas.OciSchemas.AssertValidConfig(configBytes);
        var config = JsonDocument.Parse(configBytes).RootElement.Clone();

        var layers = manifest.GetProperty("layers").EnumerateArray().ToArray();
        foreach (var layer in layers)
        {
            Assert.StartsWith("application/vnd.oci.image.layer.v1.tar", layer.GetProperty("mediaType").GetString(), StringComparison.Ordinal);
            ReadBlob(layoutDirectory, layer);
        }

        Assert.False(string.IsNullOrEmpty(config.GetProperty("architecture").GetString()), "The config has no architecture.");
        Assert.False(string.IsNullOrEmpty(config.GetProperty("os").GetString()), "The config has no os.");
        var rootfs = config.GetProperty("rootfs");
        Assert.Equal("layers", rootfs.GetProperty("type").GetString());
        var diffIds = rootfs.GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()).ToArray();
        Assert.Equal(layers.Length, diffIds.Length);
        Assert.All(diffIds, d => Assert.Matches(DigestPattern(), d!));

        return new OciLayoutImage(tag, found.GetProperty("digest").GetString()!, manifest, configDescriptor.GetProperty("digest").GetString()!, config);
    }

    private static byte[] ReadBlob(string layoutDirectory, JsonElement descriptor)
    {
        var digest = descriptor.GetProperty("digest").GetString();
        Assert.NotNull(digest);
        Assert.Matches(DigestPattern(), digest);
        var hex = digest!["sha256:".Length..];
        var path = Path.Combine(layoutDirectory, "blobs", "sha256", hex);
        Assert.True(File.Exists(path), $"Blob {digest} is named by a descriptor but missing from {layoutDirectory}.");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(descriptor.GetProperty("size").GetInt64(), bytes.LongLength);
        Assert.Equal(hex, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        return bytes;
    }

    [GeneratedRegex("^sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestPattern();
}
