namespace Toolkit.Testing.Schemas;

/// <summary>
/// The official CycloneDX (<c>../shared/spec/cyclonedx</c>, 1.5, 1.6, 1.7) and SPDX 2.3 (<c>../shared/spec/spdx</c>)
/// JSON schemas, resolved offline: the CycloneDX schemas' references to <c>spdx.schema.json</c>,
/// <c>jsf-0.82.schema.json</c> and <c>cryptography-defs.schema.json</c> are served from the files beside them.
/// </summary>
public static class SbomSchemas
{
    private static readonly string[] s_cycloneDxReferences = ["spdx.schema.json", "jsf-0.82.schema.json", "cryptography-defs.schema.json"];

    private static readonly Uri s_cycloneDxBase = new("http://cyclonedx.org/schema/");

    private static readonly Dictionary<string, Lazy<JsonSchemaValidator>> s_cycloneDx = new[] { "1.5", "1.6", "1.7" }
        .ToDictionary(
            v => v,
            v => new Lazy<JsonSchemaValidator>(() => new JsonSchemaValidator(
                TestPaths.Spec("cyclonedx", $"bom-{v}.schema.json"),
                s_cycloneDxReferences.Select(f => TestPaths.Spec("cyclonedx", f)),
                [s_cycloneDxBase])),
            StringComparer.Ordinal);

    private static readonly Lazy<JsonSchemaValidator> s_spdx = new(() => new JsonSchemaValidator(TestPaths.Spec("spdx", "spdx-schema.json")));

    /// <summary>The validator for CycloneDX <paramref name="specVersion"/> (1.5, 1.6 or 1.7).</summary>
    public static JsonSchemaValidator CycloneDx(string specVersion) => s_cycloneDx.TryGetValue(specVersion, out var validator)
        ? validator.Value
        : throw new ArgumentOutOfRangeException(nameof(specVersion), specVersion, "The CycloneDX schemas here are 1.5, 1.6 and 1.7.");

    public static JsonSchemaValidator Spdx23 => s_spdx.Value;

    public static IReadOnlyList<string> ValidateCycloneDx(string specVersion, ReadOnlySpan<byte> json) => CycloneDx(specVersion).Validate(json);

    public static IReadOnlyList<string> ValidateSpdx(ReadOnlySpan<byte> json) => Spdx23.Validate(json);

    public static void AssertValidCycloneDx(string specVersion, ReadOnlySpan<byte> json)
        => CycloneDx(specVersion).AssertValid(json, $"The CycloneDX {specVersion} document");

    public static void AssertValidSpdx(ReadOnlySpan<byte> json) => Spdx23.AssertValid(json, "The SPDX 2.3 document");
}
