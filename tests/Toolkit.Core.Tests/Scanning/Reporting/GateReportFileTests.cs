using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Reporting;

/// <summary>Writing reports to streams and files, the JSON document for front-ends, and the options' checks.</summary>
public sealed class GateReportFileTests
{
    [Theory]
    [InlineData(GateReportFormat.Json)]
    [InlineData(GateReportFormat.Markdown)]
    [InlineData(GateReportFormat.Sarif)]
    public async Task A_report_file_is_written_whole_in_a_new_directory(GateReportFormat format)
    {
        // Given a path in a directory that does not exist yet
        using var folder = new TemporaryDirectory();
        var path = Path.Combine(folder.Path, "reports", "nested", "gate" + GateReport.FileExtension(format));
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        await GateReport.WriteFileAsync(result, policy, format, path, GateReportSamples.Options, CancellationToken.None);

        // Then the file holds the report and nothing else is left in its directory
        Assert.Equal(GateReport.ToBytes(result, policy, format, GateReportSamples.Options), await File.ReadAllBytesAsync(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task An_existing_report_file_is_replaced()
    {
        // Given
        using var folder = new TemporaryDirectory();
        var path = Path.Combine(folder.Path, "gate.json");
        await File.WriteAllTextAsync(path, new string('x', 500_000));
        var (result, policy) = GateReportSamples.Run("grype-debian12-dotnet.json");

        // When
        await GateReport.WriteFileAsync(result, policy, GateReportFormat.Json, path, GateReportSamples.Options, CancellationToken.None);

        // Then
        Assert.Equal(GateReport.ToBytes(result, policy, GateReportFormat.Json, GateReportSamples.Options), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_report_that_cannot_be_written_is_TK4040_naming_the_path()
    {
        // Given a path whose parent is a file
        using var folder = new TemporaryDirectory();
        var blocker = Path.Combine(folder.Path, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var path = Path.Combine(blocker, "gate.sarif");
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => GateReport.WriteFileAsync(result, policy, GateReportFormat.Sarif, path, null, CancellationToken.None));

        // Then
        Assert.Equal("TK4040", error.Code);
        Assert.Same(ErrorCodes.GateReportNotWritable, error.ErrorCode);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_is_written_to_a_stream_that_stays_open()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");
        using var stream = new MemoryStream();

        // When
        await GateReport.WriteAsync(result, policy, GateReportFormat.Markdown, stream, GateReportSamples.Options, CancellationToken.None);

        // Then
        Assert.True(stream.CanWrite);
        Assert.Equal(GateReport.ToBytes(result, policy, GateReportFormat.Markdown, GateReportSamples.Options), stream.ToArray());
    }

    [Fact]
    public void The_document_front_ends_embed_serializes_to_the_json_report()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        var document = GateReport.CreateDocument(result, policy, GateReportSamples.Options);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document, GateReport.DocumentTypeInfo);

        // Then it is the JSON report without its final newline
        var report = GateReport.ToBytes(result, policy, GateReportFormat.Json, GateReportSamples.Options);
        Assert.Equal(Encoding.UTF8.GetString(report).TrimEnd('\n'), Encoding.UTF8.GetString(json));
        Assert.Equal("fail", document.Decision);
        Assert.Equal(2, document.Scans.Count);
    }

    [Fact]
    public void Without_options_the_tool_version_is_the_engines()
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        var document = GateReport.CreateDocument(result, policy);

        // Then
        Assert.Equal(GateReportOptions.DefaultToolVersion, document.Tool.Version);
        Assert.False(string.IsNullOrWhiteSpace(document.Tool.Version));
    }

    public static TheoryData<GateReportOptions> InvalidOptions => new()
    {
        new GateReportOptions { TopFindings = -1 },
        new GateReportOptions { MaxSarifResults = 0 },
        new GateReportOptions { MaxMarkdownBytes = 100 },
        new GateReportOptions { ToolVersion = " " },
        new GateReportOptions { SarifArtifactUri = "src\\App\\Dockerfile" },
        new GateReportOptions { SarifArtifactUri = "" },
        new GateReportOptions { SarifMinimumSeverity = Toolkit.Core.Scanning.Severity.Undefined },
        new GateReportOptions { ToolInformationUri = new Uri("docs/toolkit", UriKind.Relative) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Options_out_of_range_are_TK4041(GateReportOptions options)
    {
        // Given
        var (result, policy) = GateReportSamples.Run("trivy-debian12-dotnet.json");

        // When
        var error = Assert.Throws<ToolkitException>(() => GateReport.ToBytes(result, policy, GateReportFormat.Sarif, options));

        // Then
        Assert.Equal("TK4041", error.Code);
    }
}
