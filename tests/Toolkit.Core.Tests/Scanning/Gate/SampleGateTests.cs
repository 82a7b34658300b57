using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reports;
using Toolkit.Core.Tests.Scanning.Reporting;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Gate;

/// <summary>The gate over the checked-in Trivy and Grype samples with an allowlist file and a VEX file, as a front-end runs it.</summary>
public sealed class SampleGateTests
{
    [Theory]
    [InlineData("trivy-debian12-dotnet.json")]
    [InlineData("grype-debian12-dotnet.json")]
    public async Task The_debian_dotnet_image_passes_high_only_with_its_acceptances(string report)
    {
        // Given the image's report, an allowlist (one entry expired) and a VEX document for the same image
        using var folder = new TemporaryDirectory();
        var allowlistPath = Path.Combine(folder.Path, "allowlist.yaml");
        await File.WriteAllTextAsync(allowlistPath, GateReportSamples.Allowlist);
        var vexPath = Path.Combine(folder.Path, "app.vex.json");
        await File.WriteAllTextAsync(vexPath, """
            {
              "@context": "https://openvex.dev/ns/v0.2.0",
              "@id": "https://example.com/vex/team-app-1.4.2",
              "author": "Team App",
              "timestamp": "2026-11-20T09:00:00Z",
              "version": 1,
              "statements": [
                {
                  "vulnerability": {"name": "CVE-2023-4911"},
                  "products": [{"@id": "pkg:oci/app@sha256%3A4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0?repository_url=123456789012.dkr.ecr.us-east-1.amazonaws.com%2Fteam%2Fapp"}],
                  "status": "not_affected",
                  "justification": "vulnerable_code_cannot_be_controlled_by_adversary",
                  "impact_statement": "The image runs as a non-root user and has no setuid binaries that read GLIBC_TUNABLES"
                },
                {
                  "vulnerability": {"name": "GHSA-8g4q-xg66-9fp4", "aliases": ["CVE-2024-43485"]},
                  "status": "affected",
                  "action_statement": "Upgrade System.Text.Json to 8.0.5"
                }
              ]
            }
            """);
        var scan = await ScanReportReader.ReadAsync(GateReportSamples.SamplePath(report), CancellationToken.None);
        var policy = new GatePolicy
        {
            FailOn = GatePolicy.ParseThreshold("high"),
            Allowlist = await AllowlistReader.ReadAsync(allowlistPath, CancellationToken.None),
            Vex = await VexReader.ReadAsync(vexPath, CancellationToken.None),
        };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

        // When the gate runs
        var result = GateEvaluator.Evaluate(scan, policy, time);

        // Then zlib is allowed, glibc is not affected, and the System.Text.Json finding (VEX: affected) fails the gate
        Assert.Equal(GateDecision.Fail, result.Decision);
        Assert.Contains(result.Suppressed, s => s.Finding.Id == "CVE-2023-45853" && s.Kind == SuppressionKind.Allowlist && s.Expires == new DateOnly(2027, 1, 31));
        Assert.Contains(result.Suppressed, s => s.Finding.Id == "CVE-2023-4911" && s.Kind == SuppressionKind.Vex && s.Justification!.StartsWith("vulnerable_code_cannot_be_controlled_by_adversary: ", StringComparison.Ordinal));
        var violation = Assert.Single(result.Violations);
        Assert.Equal("System.Text.Json", Assert.Single(violation.Findings).Finding.PackageName);
        var expired = Assert.Single(result.ExpiredEntries);
        Assert.Equal("CVE-2011-3374", expired.Entry.Id);
        Assert.Equal(report.StartsWith("trivy", StringComparison.Ordinal) ? 1 : 0, expired.Findings.Count);
        Assert.Equal(scan.Findings.Count, result.CountsBeforeSuppression.Values.Sum());
        Assert.Equal(scan.Findings.Count - 2, result.Counts.Values.Sum());
    }
}
