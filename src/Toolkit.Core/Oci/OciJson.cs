using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>
/// Reads and writes the OCI JSON documents. Writing is canonical and stable: properties in a fixed
/// order, maps sorted by key (ordinal), no insignificant whitespace, nulls omitted, and only the
/// characters JSON requires escaped.
/// </summary>
public static class OciJson
{
    private static readonly JsonSerializerOptions s_options = new(OciJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static OciJsonContext Context { get; } = new(s_options);

    public static byte[] Serialize(ImageManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Context.ImageManifest);

    public static byte[] Serialize(ImageIndex index) => JsonSerializer.SerializeToUtf8Bytes(index, Context.ImageIndex);

    public static byte[] Serialize(ImageConfig config) => JsonSerializer.SerializeToUtf8Bytes(config, Context.ImageConfig);

    public static byte[] Serialize(Descriptor descriptor) => JsonSerializer.SerializeToUtf8Bytes(descriptor, Context.Descriptor);

    public static ImageManifest ParseManifest(ReadOnlySpan<byte> json) => Parse(json, Context.ImageManifest, "image manifest");

    public static ImageIndex ParseIndex(ReadOnlySpan<byte> json) => Parse(json, Context.ImageIndex, "image index");

    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json) => Parse(json, Context.ImageConfig, "image config");

    public static Descriptor ParseDescriptor(ReadOnlySpan<byte> json) => Parse(json, Context.Descriptor, "descriptor");

    /// <summary>The fields of a manifest or index that tell what it is (and what it refers to), without its full shape.</summary>
    internal static ManifestProbe Probe(ReadOnlySpan<byte> json) => Parse(json, Context.ManifestProbe, "manifest");

    /// <summary>
    /// The media type of a manifest or index whose descriptor did not say (or to check that it did):
    /// the <c>mediaType</c> field when present, else guessed from the shape as the spec allows.
    /// </summary>
    public static string DetectManifestMediaType(ReadOnlySpan<byte> json)
    {
        var probe = Parse(json, Context.ManifestProbe, "manifest");
        if (!string.IsNullOrEmpty(probe.MediaType))
        {
            return probe.MediaType;
        }

        if (probe.Manifests is not null)
        {
            return MediaTypes.OciIndex;
        }

        if (probe.Config is not null)
        {
            return MediaTypes.OciManifest;
        }

        throw new ToolkitException(ErrorCodes.InvalidManifest, "The content is neither an image manifest nor an image index (no mediaType, config or manifests).");
    }

    private static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo)
                ?? throw new ToolkitException(ErrorCodes.InvalidManifest, $"The {what} is empty (JSON null).");
        }
        catch (JsonException e)
        {
            throw new ToolkitException(ErrorCodes.InvalidManifest, $"The {what} is not valid JSON for its schema: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            // Descriptor's constructor rejects a missing digest, an empty media type or a negative size.
            throw new ToolkitException(ErrorCodes.InvalidManifest, $"The {what} has an invalid descriptor: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    Converters = [typeof(OrdinalMapConverter<string>), typeof(OrdinalMapConverter<EmptyObject>)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(ManifestProbe))]
[JsonSerializable(typeof(EmptyObject))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
