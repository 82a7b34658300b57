using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Reports;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning;

public sealed class ScanReportReaderTests
{
    private const string ImageDigest = "sha256:4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0";

    private static string Sample(string name) => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", name);

    [Fact]
    public async Task A_trivy_report_of_a_debian_dotnet_image_reads_into_findings()
    {
        var scan = await ScanReportReader.ReadAsync(Sample("trivy-debian12-dotnet.json"), CancellationToken.None);

        Assert.Equal(new ScannerInfo("Trivy", "0.58.1"), scan.Scanner);
        Assert.Equal(ImageDigest, scan.ImageDigest);
        Assert.Equal("team/app", scan.Repository);
        Assert.Equal("linux/amd64", scan.Platform);
        Assert.Equal(ScanOutcome.Complete, scan.Outcome);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 14, 31, TimeSpan.Zero).AddTicks(4021170), scan.CompletedAt);
        Assert.Equal(
            ["CVE-2023-45853", "CVE-2023-4911", "CVE-2024-28085", "CVE-2011-3374", "CVE-2005-2541", "CVE-2025-26465", "CVE-2024-43485"],
            scan.Findings.Select(f => f.Id));

        var zlib = scan.Findings[0];
        Assert.Equal(Severity.Critical, zlib.Severity);
        Assert.Equal("zlib1g", zlib.PackageName);
        Assert.Equal("1:1.2.13.dfsg-1", zlib.PackageVersion);
        Assert.Null(zlib.FixedVersion);
        Assert.Equal(FixAvailability.No, zlib.FixAvailable);
        Assert.Equal(9.8, zlib.CvssScore);
        Assert.Equal("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", zlib.CvssVector);
        Assert.Equal("sha256:2cc3ae149d28a36d28d4eefbae70aaa14a0c9eab588c3790f7979f310b893c44", zlib.LayerDigest);
        Assert.Equal("https://avd.aquasec.com/nvd/cve-2023-45853", zlib.Uri);
        Assert.Equal("debian", zlib.Source);
        Assert.StartsWith("zlib: integer overflow", zlib.Title, StringComparison.Ordinal);

        var glibc = scan.Findings[1];
        Assert.Equal("2.36-9+deb12u3", glibc.FixedVersion);
        Assert.Equal(FixAvailability.Yes, glibc.FixAvailable);
        Assert.Null(glibc.ExploitAvailable);

        // The severity source's CVSS (redhat) when NVD has none; v3 before v2; v2 when it is all there is.
        Assert.Equal(5.5, scan.Findings[2].CvssScore);
        Assert.Equal(3.7, scan.Findings[3].CvssScore);
        Assert.Equal("AV:N/AC:L/Au:N/C:C/I:C/A:C", scan.Findings[4].CvssVector);
        Assert.Equal(10, scan.Findings[4].CvssScore);

        var unknown = scan.Findings[5];
        Assert.Equal(Severity.Undefined, unknown.Severity);
        Assert.Equal("UNKNOWN", unknown.SeverityText);
        Assert.Null(unknown.CvssScore);

        var json = scan.Findings[6];
        Assert.Equal("System.Text.Json", json.PackageName);
        Assert.Equal("8.0.5, 6.0.10", json.FixedVersion);
        Assert.Equal(7.5, json.CvssScore);
        Assert.Equal("ghsa", json.Source);
        Assert.Equal(["GHSA-8g4q-xg66-9fp4"], json.Aliases);
        Assert.Empty(zlib.Aliases);
    }

    [Fact]
    public async Task A_grype_report_of_the_same_image_reads_into_findings()
    {
        var scan = await ScanReportReader.ReadAsync(Sample("grype-debian12-dotnet.json"), CancellationToken.None);

        Assert.Equal(new ScannerInfo("grype", "0.86.1"), scan.Scanner);
        Assert.Equal(ImageDigest, scan.ImageDigest);
        Assert.Equal("team/app", scan.Repository);
        Assert.Equal("linux/amd64", scan.Platform);
        Assert.Equal(["CVE-2023-45853", "CVE-2023-4911", "CVE-2005-2541", "CVE-2025-26465", "GHSA-8g4q-xg66-9fp4"], scan.Findings.Select(f => f.Id));
        Assert.Equal([Severity.Critical, Severity.High, Severity.Informational, Severity.Undefined, Severity.High], scan.Findings.Select(f => f.Severity));
        Assert.Equal([FixAvailability.No, FixAvailability.Yes, FixAvailability.No, FixAvailability.Unknown, FixAvailability.Yes], scan.Findings.Select(f => f.FixAvailable));

        var zlib = scan.Findings[0];
        Assert.Equal("zlib1g", zlib.PackageName);
        Assert.Equal(9.8, zlib.CvssScore);
        Assert.StartsWith("MiniZip in zlib", zlib.Description, StringComparison.Ordinal);
        Assert.Equal("sha256:5d4427064ecc46e3c2add169e9b5eafc7ed2be7861081ec925938ab628ac0e25", zlib.LayerDigest);
        Assert.Equal("https://security-tracker.debian.org/tracker/CVE-2023-45853", zlib.Uri);
        Assert.Equal("debian:distro:debian:12", zlib.Source);

        var glibc = scan.Findings[1];
        Assert.True(glibc.ExploitAvailable);
        Assert.Equal("2.36-9+deb12u3", glibc.FixedVersion);
        Assert.Null(zlib.ExploitAvailable);

        Assert.Equal("Negligible", scan.Findings[2].SeverityText);
        Assert.Equal("8.0.5", scan.Findings[4].FixedVersion);
        Assert.Equal(["CVE-2024-43485"], scan.Findings[4].Aliases);
        Assert.Empty(zlib.Aliases);
        Assert.Equal("sha256:e1f0d9c8b7a6958473625140f3e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a2", scan.Findings[4].LayerDigest);
    }

    [Theory]
    [InlineData("{\"SchemaVersion\": 2, ", "not well-formed JSON at line 1")]
    [InlineData("{\"SchemaVersion\": 1, \"Results\": []}", "SchemaVersion is not 2")]
    [InlineData("{\"SchemaVersion\": 2, \"Results\": [{\"Vulnerabilities\": [{\"PkgName\": \"x\"}]}]}", "no VulnerabilityID")]
    [InlineData("{\"matches\": {}}", "\"matches\" is not a list")]
    [InlineData("{\"matches\": [{\"artifact\": {}}]}", "no vulnerability id")]
    [InlineData("{\"bomFormat\": \"CycloneDX\"}", "neither a Trivy report")]
    public void Other_documents_are_TK4031(string content, string expected)
    {
        var exception = Assert.Throws<ToolkitException>(() => ScanReportReader.Parse(content, "report.json"));

        Assert.Equal("TK4031", exception.Code);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_report_is_TK4030()
    {
        using var folder = new TemporaryDirectory();
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => ScanReportReader.ReadAsync(Path.Combine(folder.Path, "none.json"), CancellationToken.None));

        Assert.Equal("TK4030", exception.Code);
    }
}
