using Microsoft.Extensions.Time.Testing;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr.Scanning;

/// <summary>
/// The emulator's Debian .NET application seed, read through our <see cref="EcrClient"/> (all pages) and mapped by
/// <see cref="EcrFindingsMapper"/>: once as basic findings and once as Amazon Inspector findings.
/// </summary>
public sealed class EcrFindingsMapperTests : IDisposable
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) + 123);

    private readonly FakeTimeProvider _clock = new(s_start);
    private readonly EmulatedEcr _ecr;

    public EcrFindingsMapperTests()
    {
        _ecr = new EmulatedEcr(new EcrEmulatorOptions { TimeProvider = _clock });
    }

    private EcrClient Client => _ecr.Client;

    public void Dispose() => _ecr.Dispose();

    private async Task<(string Digest, DescribeImageScanFindingsResponse Findings)> ScanAsync(bool enhanced, EcrFindingsSeed seed)
    {
        if (enhanced)
        {
            await Client.PutRegistryScanningConfigurationAsync(
                new PutRegistryScanningConfigurationRequest
                {
                    ScanType = ScanType.Enhanced,
                    Rules = [new RegistryScanningRule { ScanFrequency = ScanFrequency.ScanOnPush, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "*", FilterType = ScanningRepositoryFilterType.Wildcard }] }],
                },
                CancellationToken.None);
        }

        await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var (manifest, digest) = EmulatorChecks.ImageManifest(enhanced ? "enhanced" : "basic");
        await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageTag = "1" }, CancellationToken.None);
        _ecr.Emulator.SeedFindings("team/app", digest, seed);
        var image = new ImageIdentifier { ImageDigest = digest };
        if (!enhanced)
        {
            await Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = image }, CancellationToken.None);
        }

        _clock.Advance(TimeSpan.FromMinutes(10));
        var findings = await Client.DescribeAllImageScanFindingsAsync(new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = image, MaxResults = 3 }, CancellationToken.None);
        return (digest, findings);
    }

    [Fact]
    public async Task Basic_findings_map_with_package_and_cvss_from_their_attributes()
    {
        var (digest, response) = await ScanAsync(enhanced: false, EcrFindingsSeed.DebianDotNetApp);

        var scan = EcrFindingsMapper.ToScanResult(response, platform: "linux/amd64");

        Assert.Equal(EcrFindingsMapper.BasicScanner, scan.Scanner);
        Assert.Equal(ScanOutcome.Complete, scan.Outcome);
        Assert.Equal(digest, scan.ImageDigest);
        Assert.Equal("team/app", scan.Repository);
        Assert.Equal("linux/amd64", scan.Platform);
        Assert.Equal("COMPLETE: The scan was completed successfully.", scan.StatusDescription);
        Assert.Equal(s_start + _ecr.Emulator.Scenario.ScanDelay, scan.CompletedAt);
        Assert.Equal(["CVE-2023-45853", "CVE-2023-4911", "CVE-2024-6387", "CVE-2024-28085", "CVE-2011-3374", "CVE-2005-2541"], scan.Findings.Select(f => f.Id));
        Assert.Equal(
            [Severity.Critical, Severity.High, Severity.High, Severity.Medium, Severity.Low, Severity.Informational],
            scan.Findings.Select(f => f.Severity));
        var glibc = scan.Findings[1];
        Assert.Equal(("glibc", "2.36-9+deb12u1"), (glibc.PackageName, glibc.PackageVersion));
        Assert.Equal(7.8, glibc.CvssScore);
        Assert.Equal("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", glibc.CvssVector);
        Assert.Equal(FixAvailability.Unknown, glibc.FixAvailable);
        Assert.Equal("https://security-tracker.debian.org/tracker/CVE-2023-4911", glibc.Uri);
        var tar = scan.Findings[5];
        Assert.Equal(10.0, tar.CvssScore);
        Assert.Equal("AV:N/AC:L/Au:N/C:C/I:C/A:C", tar.CvssVector);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task Enhanced_findings_map_one_per_package_with_fix_exploit_and_layer()
    {
        var (digest, response) = await ScanAsync(enhanced: true, EcrFindingsSeed.DebianDotNetApp);

        var scan = EcrFindingsMapper.ToScanResult(response);

        Assert.Equal(EcrFindingsMapper.EnhancedScanner, scan.Scanner);
        Assert.Equal(ScanOutcome.Complete, scan.Outcome);
        Assert.Equal(digest, scan.ImageDigest);
        var glibc = scan.Findings.Where(f => f.Id == "CVE-2023-4911").ToArray();
        Assert.Equal(["libc6", "libc-bin"], glibc.Select(f => f.PackageName));
        Assert.All(glibc, f =>
        {
            Assert.Equal("2.36-9+deb12u1", f.PackageVersion);
            Assert.Equal("0:2.36-9+deb12u3", f.FixedVersion);
            Assert.Equal(FixAvailability.Yes, f.FixAvailable);
            Assert.True(f.ExploitAvailable);
            Assert.Equal(Severity.High, f.Severity);
            Assert.Equal(7.8, f.CvssScore);
            Assert.StartsWith("sha256:", f.LayerDigest, StringComparison.Ordinal);
            Assert.Equal("DEBIAN_CVE", f.Source);
        });
        var zlib = Assert.Single(scan.Findings, f => f.Id == "CVE-2023-45853");
        Assert.Equal("1:1.2.13.dfsg-1", zlib.PackageVersion);
        Assert.Null(zlib.FixedVersion);
        Assert.Equal(FixAvailability.No, zlib.FixAvailable);
        Assert.False(zlib.ExploitAvailable);
        var json = Assert.Single(scan.Findings, f => f.PackageName == "System.Text.Json");
        Assert.Equal(["CVE-2024-43485"], json.Aliases);
    }

    [Theory]
    [InlineData(EcrScanOutcome.Failed, ScanOutcome.Failed)]
    [InlineData(EcrScanOutcome.UnsupportedImage, ScanOutcome.Unsupported)]
    public async Task A_scan_that_did_not_complete_has_that_outcome_and_fails_the_gate_closed(EcrScanOutcome ecrOutcome, ScanOutcome expected)
    {
        var (_, response) = await ScanAsync(enhanced: false, EcrFindingsSeed.DebianDotNetApp with { Outcome = ecrOutcome });

        var scan = EcrFindingsMapper.ToScanResult(response);
        var gate = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.Critical }, _clock);

        Assert.Equal(expected, scan.Outcome);
        Assert.Empty(scan.Findings);
        Assert.Equal(GateDecision.Fail, gate.Decision);
        Assert.Equal("TK4001", new GateFailedException(gate).Code);
        Assert.Contains(response.ImageScanStatus!.Status!.Value.Value, Assert.Single(gate.Violations).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("COMPLETE", ScanOutcome.Complete)]
    [InlineData("ACTIVE", ScanOutcome.Complete)]
    [InlineData("FAILED", ScanOutcome.Failed)]
    [InlineData("UNSUPPORTED_IMAGE", ScanOutcome.Unsupported)]
    [InlineData("IN_PROGRESS", ScanOutcome.Unavailable)]
    [InlineData("PENDING", ScanOutcome.Unavailable)]
    [InlineData("SCAN_ELIGIBILITY_EXPIRED", ScanOutcome.Unavailable)]
    [InlineData("FINDINGS_UNAVAILABLE", ScanOutcome.Unavailable)]
    [InlineData("LIMIT_EXCEEDED", ScanOutcome.Unavailable)]
    [InlineData("IMAGE_ARCHIVED", ScanOutcome.Unavailable)]
    [InlineData("SOMETHING_NEW", ScanOutcome.Unavailable)]
    public void Every_scan_status_has_an_outcome(string status, ScanOutcome expected)
    {
        Assert.Equal(expected, EcrFindingsMapper.OutcomeOf(new ScanStatus(status)));
    }

    [Fact]
    public void Enhanced_free_text_severities_and_partial_fixes_map()
    {
        var finding = new EnhancedImageScanFinding
        {
            Severity = "UNTRIAGED",
            FixAvailable = "PARTIAL",
            ExploitAvailable = "NO",
            Title = "CVE-2025-1111 - libfoo, libbar",
            Score = 6.1,
            PackageVulnerabilityDetails = new PackageVulnerabilityDetails
            {
                VulnerabilityId = "CVE-2025-1111",
                RelatedVulnerabilities = ["CVE-2025-1111", "GHSA-aaaa-bbbb-cccc"],
                Cvss = [new CvssScore { BaseScore = 4.3, ScoringVector = "AV:N/AC:M/Au:N/C:N/I:P/A:N", Version = "2.0" }, new CvssScore { BaseScore = 6.1, ScoringVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", Version = "3.1" }],
                ReferenceUrls = ["https://example.com/advisory"],
                VulnerablePackages =
                [
                    new VulnerablePackage { Name = "libfoo", Version = "1.0", Epoch = 2, FixedInVersion = "2:1.1" },
                    new VulnerablePackage { Name = "libbar", Version = "3.2", Release = "1", FixedInVersion = "NotAvailable" },
                    new VulnerablePackage { Name = "libbaz", Version = "0.9" },
                ],
            },
        };

        var mapped = EcrFindingsMapper.FromEnhanced(finding).ToArray();

        Assert.All(mapped, f => Assert.Equal(Severity.Undefined, f.Severity));
        Assert.All(mapped, f => Assert.Equal("UNTRIAGED", f.SeverityText));
        Assert.All(mapped, f => Assert.Equal((6.1, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), (f.CvssScore!.Value, f.CvssVector!)));
        Assert.All(mapped, f => Assert.Equal("https://example.com/advisory", f.Uri));
        Assert.Equal([FixAvailability.Yes, FixAvailability.No, FixAvailability.Partial], mapped.Select(f => f.FixAvailable));
        Assert.Equal(["2:1.0", "3.2-1", "0.9"], mapped.Select(f => f.PackageVersion));
        Assert.All(mapped, f => Assert.False(f.ExploitAvailable));
        Assert.All(mapped, f => Assert.Equal(["GHSA-aaaa-bbbb-cccc"], f.Aliases));
    }
}
