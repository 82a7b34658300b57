using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr.Scanning;

/// <summary>
/// <see cref="EcrImageScans"/>, the wait every front-end runs, through the real client against the emulator on a driven fake
/// clock: references resolved (tag to digest, index to platform manifests with their platforms) and each wait mapped to the
/// vendor-neutral <see cref="ScanResult"/> the gate evaluates.
/// </summary>
public sealed class EcrImageScansTests : IDisposable
{
    private const string Repository = "team/app";
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private readonly DrivenClock _clock = new(s_start);
    private readonly EmulatedEcr _ecr;
    private readonly ConcurrentQueue<ScanWaitProgress> _progress = new();

    public EcrImageScansTests()
    {
        _ecr = new EmulatedEcr(new EcrEmulatorOptions { TimeProvider = _clock, AllowedClockSkew = TimeSpan.FromDays(1) });
    }

    private EcrEmulator Emulator => _ecr.Emulator;

    public void Dispose() => _ecr.Dispose();

    private EcrImageScans Scans(TimeSpan? timeout = null)
        => new(_ecr.Client, new EcrScanWaitOptions { Random = new Random(7), Timeout = timeout ?? TimeSpan.FromMinutes(15) }, _clock);

    private string Reference(string suffix) => $"{Emulator.RegistryHost}/{Repository}{suffix}";

    private async Task<string> PushAsync(string seed, EcrFindingsSeed? findings = null)
    {
        var (manifest, digest) = EmulatorChecks.ImageManifest(seed);
        Emulator.SeedFindings(Repository, digest, findings ?? EcrFindingsSeed.DebianDotNetApp);
        await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = manifest, ImageTag = seed }, CancellationToken.None);
        return digest;
    }

    private async Task<IReadOnlyList<EcrImageScan>> WaitAsync(EcrImageScans scans, int images, params string[] references)
        => await _clock.DriveAsync(
            scans.WaitAsync([.. references.Select(EcrImageTarget.Parse)], new SynchronousProgress(_progress), CancellationToken.None),
            sleepers: () => images - _progress.Count(p => p.Message is "findings final" or "scan unavailable" or "timed out"));

    [Fact]
    public async Task A_tagged_index_is_resolved_to_its_platforms_and_each_becomes_a_scan_result()
    {
        // Given an index tagged 1.0 over an amd64 image (findings) and an arm64/v8 image ECR cannot scan
        await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = Repository, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true } }, CancellationToken.None);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        var amd64 = await PushAsync("amd64");
        var arm64 = await PushAsync("arm64", EcrFindingsSeed.DebianDotNetApp with { Outcome = EcrScanOutcome.UnsupportedImage });
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(
                new JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = amd64, ["size"] = 400, ["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" } },
                new JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = arm64, ["size"] = 400, ["platform"] = new JsonObject { ["architecture"] = "arm64", ["os"] = "linux", ["variant"] = "v8" } }),
        }.ToJsonString();
        await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = index, ImageTag = "1.0" }, CancellationToken.None);

        // When the tag is waited for
        var scans = await WaitAsync(Scans(), 2, Reference(":1.0"));

        // Then there is one scan per platform, with its platform, repository and outcome
        Assert.Equal([(amd64, "linux/amd64"), (arm64, "linux/arm64/v8")], scans.Select(s => (s.Result.ImageDigest, s.Result.Platform)));
        Assert.All(scans, s => Assert.Equal(Repository, s.Result.Repository));
        Assert.Equal(ScanOutcome.Complete, scans[0].Result.Outcome);
        Assert.Equal(EcrFindingsMapper.BasicScanner, scans[0].Result.Scanner);
        Assert.Equal(6, scans[0].Result.Findings.Count);
        Assert.Equal(ScanOutcome.Unsupported, scans[1].Result.Outcome);
        Assert.StartsWith("UNSUPPORTED_IMAGE", scans[1].Result.StatusDescription, StringComparison.Ordinal);
        Assert.Empty(scans[1].Result.Findings);
        Assert.Equal(1, _ecr.Count("DescribeImages"));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_scan_still_in_progress_at_the_timeout_is_a_timed_out_result_with_its_last_status()
    {
        await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = Repository, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true } }, CancellationToken.None);
        Emulator.Scenario.ScanDelay = TimeSpan.FromMinutes(5);
        var digest = await PushAsync("slow");

        var scan = Assert.Single(await WaitAsync(Scans(TimeSpan.FromSeconds(20)), 1, Reference("@" + digest)));

        Assert.Equal(EcrScanWaitOutcome.TimedOut, scan.Wait.Outcome);
        Assert.Equal(ScanOutcome.TimedOut, scan.Result.Outcome);
        Assert.Null(scan.Result.Platform);
        Assert.StartsWith("IN_PROGRESS (timed out): The scan was still IN_PROGRESS after 20 s", scan.Result.StatusDescription, StringComparison.Ordinal);
        Assert.Equal(0, _ecr.Count("DescribeImages"));
    }

    [Fact]
    public async Task A_tag_that_names_no_image_is_TK3034()
    {
        await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = Repository }, CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<ToolkitException>(() => Scans().ResolveDigestAsync(EcrImageTarget.Parse(Reference(":nope")), CancellationToken.None));

        Assert.Equal("TK3034", error.Code);
    }

    [Theory]
    [InlineData("ghcr.io/team/app:1.0", "TK3078")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app", "TK3102")]
    [InlineData("not a reference", "TK3102")]
    public void References_other_than_ECR_images_with_a_tag_or_digest_are_refused(string reference, string code)
    {
        var error = Assert.Throws<ToolkitException>(() => EcrImageTarget.Parse(reference));

        Assert.Equal(code, error.Code);
        Assert.Contains(reference, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_names_registry_account_repository_and_tag_or_digest()
    {
        var tagged = EcrImageTarget.Parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0");
        var digested = EcrImageTarget.Parse($"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@{EmulatorChecks.Sha256("x")}");

        Assert.Equal(("123456789012", "eu-west-1", "team/app", "1.0", (string?)null), (tagged.Registry.AccountId, tagged.Registry.Region, tagged.Repository, tagged.Tag, tagged.Digest));
        Assert.Equal((null, EmulatorChecks.Sha256("x")), (digested.Tag, digested.Digest));
    }

    [Fact]
    public void Describe_and_ThrowIfNotFinal_name_each_image_and_how_its_wait_ended()
    {
        // Given one complete scan with two findings, and one that timed out in progress
        var target = EcrImageTarget.Parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0");
        EcrImageScan Scan(string digest, EcrScanWaitOutcome outcome, string status, string? description, params Finding[] findings) => new(
            target,
            new EcrPlatformImage(digest, "linux/arm64"),
            new EcrScanWaitResult { RepositoryName = "team/app", ImageDigest = digest, Outcome = outcome, Status = new ScanStatus(status), Description = description },
            new ScanResult { Scanner = EcrFindingsMapper.BasicScanner, Findings = findings });
        var complete = Scan(EmulatorChecks.Sha256("a"), EcrScanWaitOutcome.Complete, "COMPLETE", null, new Finding { Id = "CVE-1", Severity = Severity.Critical }, new Finding { Id = "CVE-2", Severity = Severity.Low });
        var slow = Scan(EmulatorChecks.Sha256("b"), EcrScanWaitOutcome.TimedOut, "IN_PROGRESS", "The scan is in progress.");

        // When
        var error = Assert.Throws<ToolkitException>(() => EcrImageScan.ThrowIfNotFinal([complete, slow]));

        // Then
        Assert.Equal($"team/app@{EmulatorChecks.Sha256("a")[..19]} (linux/arm64): COMPLETE, 2 finding(s): CRITICAL 1, HIGH 0, MEDIUM 0, LOW 1, INFORMATIONAL 0, UNDEFINED 0", complete.Describe());
        Assert.Equal(ErrorCodes.ScanWaitNotFinal, error.ErrorCode);
        Assert.StartsWith($"The findings of 1 of 2 image(s) are not final: team/app@{EmulatorChecks.Sha256("b")[..19]} (linux/arm64): timed out, IN_PROGRESS: The scan is in progress.", error.Message, StringComparison.Ordinal);
        EcrImageScan.ThrowIfNotFinal([complete]);
    }
}
