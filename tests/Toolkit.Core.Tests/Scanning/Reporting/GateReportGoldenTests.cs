using System.Text;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Core.Tests.Scanning.Reporting;

/// <summary>
/// Every report format of a realistic gate run (<see cref="GateReportSamples"/>) equals its checked-in golden file under
/// <c>Golden/</c>, validates against its schema (the JSON report against <c>docs/schemas/gate-report.schema.json</c>, SARIF
/// against the official OASIS SARIF 2.1.0 schema), and is the same bytes every time. After an intended change, run the
/// tests once with <c>TOOLKIT_UPDATE_GOLDEN=1</c> to rewrite the golden files, and review the diff.
/// </summary>
public sealed class GateReportGoldenTests
{
    public static TheoryData<string, GateReportFormat> Cases => new()
    {
        { "trivy-debian12-dotnet.json", GateReportFormat.Json },
        { "trivy-debian12-dotnet.json", GateReportFormat.Markdown },
        { "trivy-debian12-dotnet.json", GateReportFormat.Sarif },
        { "grype-debian12-dotnet.json", GateReportFormat.Json },
        { "grype-debian12-dotnet.json", GateReportFormat.Markdown },
        { "grype-debian12-dotnet.json", GateReportFormat.Sarif },
    };

    private static string GoldenPath(string sample, GateReportFormat format)
        => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Reporting", "Golden",
            $"{sample.Split('-')[0]}-gate{GateReport.FileExtension(format)}");

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_report_equals_its_golden_file(string sample, GateReportFormat format)
    {
        // Given the gate run over the sample
        var (result, policy) = GateReportSamples.Run(sample);
        var golden = GoldenPath(sample, format);

        // When the report is written
        var actual = GateReport.ToBytes(result, policy, format, GateReportSamples.Options);

        // Then it is the checked-in file, byte for byte
        if (Environment.GetEnvironmentVariable("TOOLKIT_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllBytes(golden, actual);
        }

        Assert.True(File.Exists(golden), $"{golden} is missing; run the tests with TOOLKIT_UPDATE_GOLDEN=1 to write it.");
        Assert.Equal(Encoding.UTF8.GetString(File.ReadAllBytes(golden)), Encoding.UTF8.GetString(actual));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_report_is_the_same_bytes_every_time(string sample, GateReportFormat format)
    {
        // Given two gate runs over the same input
        var (first, firstPolicy) = GateReportSamples.Run(sample);
        var (second, secondPolicy) = GateReportSamples.Run(sample);

        // When both are written
        var a = GateReport.ToBytes(first, firstPolicy, format, GateReportSamples.Options);
        var b = GateReport.ToBytes(second, secondPolicy, format, GateReportSamples.Options);

        // Then the bytes are equal, UTF-8 without BOM, with \n line ends and a final newline
        Assert.Equal(a, b);
        Assert.False(a.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        Assert.DoesNotContain((byte)'\r', a);
        Assert.Equal((byte)'\n', a[^1]);
    }

    [Theory]
    [InlineData("trivy-debian12-dotnet.json")]
    [InlineData("grype-debian12-dotnet.json")]
    public void The_json_report_and_its_golden_file_are_valid_for_the_gate_report_schema(string sample)
    {
        // Given
        var (result, policy) = GateReportSamples.Run(sample);

        // When
        var json = GateReport.ToBytes(result, policy, GateReportFormat.Json, GateReportSamples.Options);

        // Then
        ReportSchemas.AssertValidGateReport(json);
        ReportSchemas.AssertValidGateReport(File.ReadAllBytes(GoldenPath(sample, GateReportFormat.Json)));
    }

    [Theory]
    [InlineData("trivy-debian12-dotnet.json")]
    [InlineData("grype-debian12-dotnet.json")]
    public void The_sarif_report_and_its_golden_file_are_valid_for_the_official_sarif_schema(string sample)
    {
        // Given
        var (result, policy) = GateReportSamples.Run(sample);

        // When
        var sarif = GateReport.ToBytes(result, policy, GateReportFormat.Sarif, GateReportSamples.Options);

        // Then
        ReportSchemas.AssertValidSarif(sarif);
        ReportSchemas.AssertValidSarif(File.ReadAllBytes(GoldenPath(sample, GateReportFormat.Sarif)));
    }

    [Fact]
    public void The_schemas_reject_what_they_must()
    {
        // Given reports with a member the schemas do not allow, and a SARIF log of the wrong version
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");
        var json = Encoding.UTF8.GetString(GateReport.ToBytes(result, policy, GateReportFormat.Json, GateReportSamples.Options));
        var sarif = Encoding.UTF8.GetString(GateReport.ToBytes(result, policy, GateReportFormat.Sarif, GateReportSamples.Options));

        // When
        var badJson = json.Replace("\"decision\": \"fail\"", "\"decision\": \"failed\"", StringComparison.Ordinal);
        var badSarif = sarif.Replace("\"version\": \"2.1.0\"", "\"version\": \"2.0.0\"", StringComparison.Ordinal);

        // Then the validators are not letting everything through
        Assert.NotEqual(json, badJson);
        Assert.NotEqual(sarif, badSarif);
        Assert.NotEmpty(ReportSchemas.ValidateGateReport(Encoding.UTF8.GetBytes(badJson)));
        Assert.NotEmpty(ReportSchemas.ValidateSarif(Encoding.UTF8.GetBytes(badSarif)));
    }
}
