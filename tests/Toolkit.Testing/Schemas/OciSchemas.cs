namespace Toolkit.Testing.Schemas;

/// <summary>
/// The official OCI image-spec schemas (<c>../shared/spec/oci</c>), for checking what the toolkit writes.
/// Every <c>Validate...</c> returns the violations (empty when valid); every <c>AssertValid...</c> fails the test listing them.
/// </summary>
public static class OciSchemas
{
    public const string ManifestSchema = "image-manifest-schema.json";
    public const string IndexSchema = "image-index-schema.json";
    public const string ConfigSchema = "config-schema.json";
    public const string DescriptorSchema = "content-descriptor.json";
    public const string ImageLayoutSchema = "image-layout-schema.json";

    private static readonly string[] s_files =
    [
        ManifestSchema, IndexSchema, ConfigSchema, DescriptorSchema, ImageLayoutSchema, "defs.json", "defs-descriptor.json",
    ];

    // The schemas' ids live under two bases (…/schema/image/manifest and …/schema/descriptor), and their
    // relative $refs (e.g. "defs-descriptor.json") resolve against whichever base they appear under.
    private static readonly Uri[] s_bases =
    [
        new("https://opencontainers.org/schema/image/"),
        new("https://opencontainers.org/schema/"),
    ];

    private static readonly Dictionary<string, Lazy<JsonSchemaValidator>> s_validators = s_files
        .Take(5)
        .ToDictionary(f => f, f => new Lazy<JsonSchemaValidator>(() => Create(f)), StringComparer.Ordinal);

    /// <summary>A validator for one of the OCI schema files, with all the others available to its references.</summary>
    public static JsonSchemaValidator For(string schemaFile) => s_validators.TryGetValue(schemaFile, out var validator)
        ? validator.Value
        : Create(schemaFile);

    public static IReadOnlyList<string> ValidateManifest(ReadOnlySpan<byte> json) => For(ManifestSchema).Validate(json);

    public static IReadOnlyList<string> ValidateIndex(ReadOnlySpan<byte> json) => For(IndexSchema).Validate(json);

    public static IReadOnlyList<string> ValidateConfig(ReadOnlySpan<byte> json) => For(ConfigSchema).Validate(json);

    public static IReadOnlyList<string> ValidateDescriptor(ReadOnlySpan<byte> json) => For(DescriptorSchema).Validate(json);

    public static IReadOnlyList<string> ValidateImageLayoutFile(ReadOnlySpan<byte> json) => For(ImageLayoutSchema).Validate(json);

    public static void AssertValidManifest(ReadOnlySpan<byte> json) => For(ManifestSchema).AssertValid(json, "The image manifest");

    public static void AssertValidIndex(ReadOnlySpan<byte> json) => For(IndexSchema).AssertValid(json, "The image index");

    public static void AssertValidConfig(ReadOnlySpan<byte> json) => For(ConfigSchema).AssertValid(json, "The image config");

    public static void AssertValidDescriptor(ReadOnlySpan<byte> json) => For(DescriptorSchema).AssertValid(json, "The descriptor");

    public static void AssertValidImageLayoutFile(ReadOnlySpan<byte> json) => For(ImageLayoutSchema).AssertValid(json, "The oci-layout file");

    private static JsonSchemaValidator Create(string schemaFile) => new(
        TestPaths.Spec("oci", schemaFile),
        s_files.Select(f => TestPaths.Spec("oci", f)),
        s_bases);
}
