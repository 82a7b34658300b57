namespace Toolkit.Testing.Schemas;

/// <summary>
/// The schemas of the gate reports: the official OASIS SARIF 2.1.0 schema (kept beside this file, see SOURCES.md) and
/// the toolkit's own JSON gate report schema (<c>docs/schemas/gate-report.schema.json</c>).
/// </summary>
public static class ReportSchemas
{
    private static readonly Lazy<JsonSchemaValidator> s_sarif = new(() => new JsonSchemaValidator(
        Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Testing", "Schemas", "sarif-schema-2.1.0.json")));

    private static readonly Lazy<JsonSchemaValidator> s_gateReport = new(() => new JsonSchemaValidator(
        Path.Combine(TestPaths.RepositoryRoot, "docs", "schemas", "gate-report.schema.json")));

    public static JsonSchemaValidator Sarif => s_sarif.Value;

    public static JsonSchemaValidator GateReport => s_gateReport.Value;

    public static IReadOnlyList<string> ValidateSarif(ReadOnlySpan<byte> json) => Sarif.Validate(json);

    public static IReadOnlyList<string> ValidateGateReport(ReadOnlySpan<byte> json) => GateReport.Validate(json);

    public static void AssertValidSarif(ReadOnlySpan<byte> json) => Sarif.AssertValid(json, "The SARIF log");

    public static void AssertValidGateReport(ReadOnlySpan<byte> json) => GateReport.AssertValid(json, "The gate report");
}
