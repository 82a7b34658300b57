using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Core.Diagnostics;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr.Scanning;

/// <summary>
/// <see cref="EcrScanWaiter"/> through the real <see cref="EcrClient"/> against the <see cref="EcrEmulator"/>, which shares the
/// waiter's fake clock: the test moves the clock from timer to timer while the wait runs, so nothing sleeps, and checks from the
/// emulator's request log (stamped on that clock) that no image is polled more than once a second.
/// </summary>
public sealed class EcrScanWaiterTests : IDisposable
{
    private const string Repository = "team/app";
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private readonly DrivenClock _clock = new(s_start);
    private readonly EmulatedEcr _ecr;
    private readonly ConcurrentQueue<ScanWaitProgress> _progress = new();

    public EcrScanWaiterTests()
    {
        _ecr = new EmulatedEcr(new EcrEmulatorOptions { TimeProvider = _clock, AllowedClockSkew = TimeSpan.FromDays(1) });
    }

    private EcrEmulator Emulator => _ecr.Emulator;

    public void Dispose() => _ecr.Dispose();

    private EcrScanWaiter Waiter(EcrScanWaitOptions? options = null)
        => new(_ecr.Client, (options ?? new EcrScanWaitOptions()) with { Random = new Random(42) }, _clock);

    private async Task CreateRepositoryAsync(bool scanOnPush)
        => await _ecr.Client.CreateRepositoryAsync(
            new CreateRepositoryRequest { RepositoryName = Repository, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = scanOnPush } },
            CancellationToken.None);

    private async Task EnhancedAsync(ScanFrequency frequency, string filter = "*")
        => await _ecr.Client.PutRegistryScanningConfigurationAsync(
            new PutRegistryScanningConfigurationRequest
            {
                ScanType = ScanType.Enhanced,
                Rules = [new RegistryScanningRule { ScanFrequency = frequency, RepositoryFilters = [new ScanningRepositoryFilter { Filter = filter, FilterType = ScanningRepositoryFilterType.Wildcard }] }],
            },
            CancellationToken.None);

    private async Task<string> PushAsync(string seed, EcrFindingsSeed? findings = null, string? tag = null)
    {
        var (manifest, digest) = EmulatorChecks.ImageManifest(seed);
        Emulator.SeedFindings(Repository, digest, findings ?? EcrFindingsSeed.DebianDotNetApp);
        await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = manifest, ImageTag = tag ?? seed }, CancellationToken.None);
        return digest;
    }

    private async Task<EcrScanWaitResult> WaitOneAsync(string digest, EcrScanWaitOptions? options = null)
    {
        var progress = new SynchronousProgress(_progress);
        var results = await _clock.DriveAsync(Waiter(options).WaitAsync(Repository, [digest], null, progress, CancellationToken.None));
        return Assert.Single(results);
    }

    /// <summary>The status polls (first pages of DescribeImageScanFindings that were not throttled) per image digest, with their times.</summary>
    private Dictionary<string, List<DateTimeOffset>> Polls()
        => Emulator.Requests
            .Where(r => r.Operation == "DescribeImageScanFindings" && r.ErrorCode != "ThrottlingException")
            .Select(r => (Body: JsonNode.Parse(r.RequestBody)!, r.Time))
            .Where(r => r.Body["nextToken"] is null)
            .GroupBy(r => r.Body["imageId"]!["imageDigest"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Select(r => r.Time).ToList());

    private void AssertAtMostOncePerSecondPerImage()
    {
        foreach (var (digest, times) in Polls())
        {
            for (var i = 1; i < times.Count; i++)
            {
                Assert.True(times[i] - times[i - 1] >= TimeSpan.FromSeconds(1), $"{digest} was polled at {times[i - 1]:O} and again at {times[i]:O}.");
            }
        }
    }

    private void AssertHealthy()
    {
        AssertAtMostOncePerSecondPerImage();
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task Basic_scan_on_push_is_waited_for_and_decided_within_two_seconds_of_completing()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(30);
        var digest = await PushAsync("basic");

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(ScanStatus.Complete, result.Status);
        Assert.Equal((ScanType.Basic, EcrScanMode.ScanOnPush), (result.ScanType!.Value, result.Mode));
        Assert.Equal(6, result.Findings!.Findings!.Count);
        Assert.False(result.ScanStarted);
        Assert.Equal(0, _ecr.Count("StartImageScan"));
        Assert.InRange(result.DecidedAt - (s_start + TimeSpan.FromSeconds(30)), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.InRange(result.Polls, 15, 31);
        Assert.Contains(_progress, p => p.Status == ScanStatus.InProgress);
        Assert.Equal("findings final", _progress.Last().Message);
        AssertHealthy();
    }

    [Fact]
    public async Task Manual_basic_scanning_starts_the_scan_once()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(10);
        var digest = await PushAsync("manual");

        var result = await WaitOneAsync(digest);

        Assert.Equal((EcrScanWaitOutcome.Complete, EcrScanMode.Manual, true), (result.Outcome, result.Mode, result.ScanStarted));
        Assert.Equal(1, _ecr.Count("StartImageScan"));
        Assert.Equal(6, result.Findings!.Findings!.Count);
        AssertHealthy();
    }

    [Fact]
    public async Task A_scan_in_the_last_24_hours_LimitExceeded_is_used_instead_of_a_new_one()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        var digest = await PushAsync("quota");
        await _ecr.Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = Repository, ImageId = new ImageIdentifier { ImageDigest = digest } }, CancellationToken.None);

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(2, _ecr.Count("StartImageScan"));
        Assert.Equal("LimitExceededException", Emulator.Requests.Last(r => r.Operation == "StartImageScan").ErrorCode);
        Assert.Contains(_progress, p => p.Message.Contains("last 24 hours", StringComparison.Ordinal));
        Assert.Equal(6, result.Findings!.Findings!.Count);
        AssertHealthy();
    }

    [Fact]
    public async Task ScanNotFound_right_after_the_push_is_waited_out_within_the_grace_period()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanNotFoundAfterPush = TimeSpan.FromSeconds(20);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        var digest = await PushAsync("late");

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.False(result.ScanStarted);
        Assert.Equal(0, _ecr.Count("StartImageScan"));
        Assert.Contains(Emulator.Requests, r => r.ErrorCode == "ScanNotFoundException");
        Assert.InRange(result.DecidedAt - (s_start + TimeSpan.FromSeconds(25)), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        AssertHealthy();
    }

    [Fact]
    public async Task ScanNotFound_past_the_grace_period_under_basic_scanning_starts_a_scan()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanNotFoundAfterPush = TimeSpan.FromHours(1);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        var digest = await PushAsync("never");

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { ScanNotFoundGracePeriod = TimeSpan.FromSeconds(30) });

        Assert.Equal((EcrScanWaitOutcome.Complete, true), (result.Outcome, result.ScanStarted));
        var start = Assert.Single(Emulator.Requests, r => r.Operation == "StartImageScan");
        Assert.InRange(start.Time - s_start, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(33));
        Assert.Null(start.ErrorCode);
        Assert.Equal(6, result.Findings!.Findings!.Count);
        AssertHealthy();
    }

    [Fact]
    public async Task ScanNotFound_past_the_grace_period_under_enhanced_scanning_is_waited_out_without_a_manual_scan()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.ScanNotFoundAfterPush = TimeSpan.FromSeconds(90);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(10);
        var digest = await PushAsync("inspector-late");

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { ScanNotFoundGracePeriod = TimeSpan.FromSeconds(30) });

        Assert.Equal((EcrScanWaitOutcome.Complete, false), (result.Outcome, result.ScanStarted));
        Assert.Equal(0, _ecr.Count("StartImageScan"));
        Assert.InRange(result.DecidedAt - (s_start + TimeSpan.FromSeconds(100)), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.NotEmpty(result.Findings!.EnhancedFindings!);
        AssertHealthy();
    }

    [Fact]
    public async Task Enhanced_scan_goes_PENDING_IN_PROGRESS_COMPLETE_and_all_pages_are_read()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.EnhancedPendingDuration = TimeSpan.FromSeconds(10);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(20);
        var digest = await PushAsync("enhanced");

        var result = await WaitOneAsync(digest);

        Assert.Equal((EcrScanWaitOutcome.Complete, EcrScanMode.ScanOnPush), (result.Outcome, result.Mode));
        Assert.Equal(ScanType.Enhanced, result.ScanType);
        Assert.Equal(ScanStatus.Complete, result.Status);
        Assert.Equal(EcrFindingsSeed.DebianDotNetApp.Vulnerabilities.Count, result.Findings!.EnhancedFindings!.Count);
        Assert.Equal([ScanStatus.Pending, ScanStatus.InProgress, ScanStatus.Complete], _progress.Select(p => p.Status).OfType<ScanStatus>().Distinct());
        Assert.Equal(0, _ecr.Count("StartImageScan"));
        Assert.InRange(result.DecidedAt - (s_start + TimeSpan.FromSeconds(30)), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        AssertHealthy();
    }

    [Fact]
    public async Task Enhanced_COMPLETE_before_the_findings_arrive_waits_for_them()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        Emulator.Scenario.FindingsDelayAfterComplete = TimeSpan.FromSeconds(12);
        Emulator.Scenario.CompletedAtOnlyWithFindings = true;
        var digest = await PushAsync("slow-findings");

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { StablePolls = 12 });

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(EcrFindingsSeed.DebianDotNetApp.Vulnerabilities.Count, result.Findings!.EnhancedFindings!.Count);
        Assert.NotNull(result.Findings.ImageScanCompletedAt);
        Assert.True(result.DecidedAt >= s_start + TimeSpan.FromSeconds(17));
        Assert.Contains(_progress, p => p.Message == "waiting for the findings to settle");
        AssertHealthy();
    }

    [Fact]
    public async Task Enhanced_findings_without_a_completion_time_are_final_once_stable_for_the_configured_polls()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.CompletedAtOnlyWithFindings = true;
        Emulator.Scenario.FindingsDelayAfterComplete = TimeSpan.FromDays(1);
        var digest = await PushAsync("clean", EcrFindingsSeed.None);

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { StablePolls = 3, EnhancedSettleTime = TimeSpan.Zero });

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Empty(result.Findings!.EnhancedFindings!);
        Assert.Equal(3, result.Polls);
        AssertHealthy();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_finding_that_arrives_seconds_after_an_enhanced_COMPLETE_is_caught_by_the_settle_time(bool completedAtFromTheStart)
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        Emulator.Scenario.FindingsDelayAfterComplete = TimeSpan.FromSeconds(7);
        Emulator.Scenario.CompletedAtOnlyWithFindings = !completedAtFromTheStart;
        var late = EcrFindingsSeed.AmazonLinux2;
        var digest = await PushAsync("late-finding", late);

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(ScanStatus.Complete, result.Status);
        Assert.Equal(
            late.Vulnerabilities.Select(v => v.Id),
            result.Findings!.EnhancedFindings!.Select(f => f.PackageVulnerabilityDetails!.VulnerabilityId));
        // Decided once the finding was there (12 s after the push), not on the empty answers before it.
        Assert.InRange(result.DecidedAt - s_start, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(14));
        Assert.Contains(_progress, p => p.Message == "waiting for the findings to settle");
        AssertHealthy();
    }

    [Fact]
    public async Task Without_the_settle_time_the_same_late_finding_is_missed()
    {
        // The control for the test above: the stable-polls rule alone takes the empty answers after COMPLETE as final.
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        Emulator.Scenario.FindingsDelayAfterComplete = TimeSpan.FromSeconds(7);
        var digest = await PushAsync("late-finding", EcrFindingsSeed.AmazonLinux2);

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { EnhancedSettleTime = TimeSpan.Zero });

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Empty(result.Findings!.EnhancedFindings ?? []);
        Assert.True(result.DecidedAt - s_start < TimeSpan.FromSeconds(12));
        AssertHealthy();
    }

    [Fact]
    public async Task An_enhanced_image_without_findings_is_final_after_the_settle_time_and_stable_polls()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ContinuousScan);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        var digest = await PushAsync("clean-enhanced", EcrFindingsSeed.None);

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { EnhancedSettleTime = TimeSpan.FromSeconds(8) });

        Assert.Equal((EcrScanWaitOutcome.Complete, ScanStatus.Active), (result.Outcome, result.Status));
        Assert.Empty(result.Findings!.EnhancedFindings ?? []);
        // ACTIVE from 5 s; the first poll that saw it was within 2 s of that; then 8 s of settling and at most one more poll gap.
        Assert.InRange(result.DecidedAt - s_start, TimeSpan.FromSeconds(13), TimeSpan.FromSeconds(17));
        AssertHealthy();
    }

    [Fact]
    public async Task With_the_default_settle_time_basic_scans_on_push_are_still_decided_within_one_second_median()
    {
        // The benchmark's basic scan-on-push timeline, shortened: scans of 5-60 s at seeded random times, defaults throughout.
        await CreateRepositoryAsync(scanOnPush: true);
        var random = new Random(7);
        var latencies = new List<TimeSpan>();
        var waiter = Waiter();
        for (var i = 0; i < 15; i++)
        {
            var duration = TimeSpan.FromMilliseconds(Math.Round((5 + (random.NextDouble() * 55)) * 1000));
            Emulator.Scenario.ScanDelay = duration;
            var pushedAt = _clock.GetUtcNow();
            var digest = await PushAsync($"median-{i}");
            var result = Assert.Single(await _clock.DriveAsync(waiter.WaitAsync(Repository, [digest], null, null, CancellationToken.None)));
            Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
            latencies.Add(result.DecidedAt - (pushedAt + duration));
        }

        var sorted = latencies.Order().ToList();
        Assert.All(sorted, l => Assert.InRange(l, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        Assert.True(sorted[sorted.Count / 2] <= TimeSpan.FromSeconds(1), $"median added latency {sorted[sorted.Count / 2]}");
        AssertHealthy();
    }

    [Fact]
    public async Task A_basic_image_without_findings_is_not_held_back_by_the_enhanced_settle_time()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(20);
        var digest = await PushAsync("clean-basic", EcrFindingsSeed.None);

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { EnhancedSettleTime = TimeSpan.FromMinutes(5) });

        Assert.Equal((EcrScanWaitOutcome.Complete, ScanType.Basic), (result.Outcome, result.ScanType!.Value));
        Assert.Empty(result.Findings!.Findings ?? []);
        Assert.InRange(result.DecidedAt - (s_start + TimeSpan.FromSeconds(20)), TimeSpan.Zero, TimeSpan.FromSeconds(2));
        AssertHealthy();
    }

    [Fact]
    public async Task Continuous_enhanced_scanning_ACTIVE_with_findings_is_final()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ContinuousScan, "team/*");
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(8);
        var digest = await PushAsync("continuous");

        var result = await WaitOneAsync(digest);

        Assert.Equal((EcrScanWaitOutcome.Complete, EcrScanMode.Continuous), (result.Outcome, result.Mode));
        Assert.Equal(ScanStatus.Active, result.Status);
        Assert.NotEmpty(result.Findings!.EnhancedFindings!);
        AssertHealthy();
    }

    [Theory]
    [InlineData(EcrScanOutcome.Failed, false, "FAILED", "The scan failed.")]
    [InlineData(EcrScanOutcome.UnsupportedImage, false, "UNSUPPORTED_IMAGE", "UnsupportedImageError: The operating system and/or package manager are not supported.")]
    [InlineData(EcrScanOutcome.FindingsUnavailable, true, "FINDINGS_UNAVAILABLE", "Findings are unavailable for this image.")]
    [InlineData(EcrScanOutcome.ScanEligibilityExpired, true, "SCAN_ELIGIBILITY_EXPIRED", "The image is no longer eligible for continuous scanning.")]
    [InlineData(EcrScanOutcome.LimitExceeded, true, "LIMIT_EXCEEDED", "The scan limit for this account has been exceeded.")]
    [InlineData(EcrScanOutcome.ImageArchived, true, "IMAGE_ARCHIVED", "The image is archived and cannot be scanned.")]
    public async Task A_failure_status_ends_the_wait_with_that_status_and_its_description(EcrScanOutcome outcome, bool enhanced, string status, string description)
    {
        await CreateRepositoryAsync(scanOnPush: true);
        if (enhanced)
        {
            await EnhancedAsync(ScanFrequency.ScanOnPush);
        }

        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(4);
        var digest = await PushAsync("failing", EcrFindingsSeed.DebianDotNetApp with { Outcome = outcome });

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.ScanUnavailable, result.Outcome);
        Assert.Equal((status, description), (result.Status!.Value.Value, result.Description));
        Assert.Null(result.Findings);
        Assert.Equal("scan unavailable", _progress.Last().Message);
        AssertHealthy();
    }

    [Fact]
    public async Task An_image_StartImageScan_refuses_as_unsupported_is_an_unavailable_scan()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        var subject = await PushAsync("subject");
        var (sbom, sbomDigest) = EmulatorChecks.ReferrerManifest(subject, 400, "application/spdx+json");
        await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = sbom }, CancellationToken.None);

        var result = await WaitOneAsync(sbomDigest);

        Assert.Equal((EcrScanWaitOutcome.ScanUnavailable, ScanStatus.UnsupportedImage, true), (result.Outcome, result.Status, result.ScanStarted));
        Assert.Contains("not an image manifest that can be scanned", result.Description, StringComparison.Ordinal);
        Assert.Equal(0, _ecr.Count("DescribeImageScanFindings"));
        AssertHealthy();
    }

    [Fact]
    public async Task Without_permission_to_read_the_scanning_configuration_the_findings_shape_gives_the_scan_type()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(3);
        Emulator.Scenario.Fail("GetRegistryScanningConfiguration", new EcrFault(400, "AccessDeniedException", "User is not authorized to perform: ecr:GetRegistryScanningConfiguration"));
        var digest = await PushAsync("no-permission");

        var result = await WaitOneAsync(digest);

        Assert.Equal((EcrScanWaitOutcome.Complete, EcrScanMode.Unknown), (result.Outcome, result.Mode));
        Assert.Equal(ScanType.Basic, result.ScanType);
        Assert.Equal(6, result.Findings!.Findings!.Count);
        AssertHealthy();
    }

    [Fact]
    public async Task Throttling_while_polling_is_retried_by_the_client_and_the_wait_goes_on()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        Emulator.Scenario.Fail("DescribeImageScanFindings", EcrFault.Throttling, times: 2);
        var digest = await PushAsync("throttled");

        var result = await WaitOneAsync(digest);

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(2, Emulator.Requests.Count(r => r.ErrorCode == "ThrottlingException"));
        Assert.Equal(0, Emulator.Scenario.PendingFaults("DescribeImageScanFindings"));
        AssertHealthy();
    }

    [Fact]
    public async Task Throttling_beyond_the_clients_attempts_backs_the_wait_off_instead_of_failing_it()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(5);
        Emulator.Scenario.Fail("DescribeImageScanFindings", EcrFault.Throttling, times: 3);
        var digest = await PushAsync("throttled-hard");
        var client = _ecr.NewClient(maxAttempts: 1);
        var waiter = new EcrScanWaiter(client, new EcrScanWaitOptions { Random = new Random(7) }, _clock);

        var result = Assert.Single(await _clock.DriveAsync(waiter.WaitAsync(Repository, [digest], null, null, CancellationToken.None)));

        Assert.Equal(EcrScanWaitOutcome.Complete, result.Outcome);
        Assert.Equal(3, Emulator.Requests.Count(r => r.ErrorCode == "ThrottlingException"));
        AssertHealthy();
    }

    [Fact]
    public async Task A_scan_still_running_at_the_timeout_is_a_timed_out_result()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromHours(1);
        var digest = await PushAsync("slow");

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { Timeout = TimeSpan.FromMinutes(3) });

        Assert.Equal(EcrScanWaitOutcome.TimedOut, result.Outcome);
        Assert.Equal(ScanStatus.InProgress, result.Status);
        Assert.Equal("The scan was still IN_PROGRESS after 3 min (The scan is in progress.).", result.Description);
        Assert.InRange(result.DecidedAt - s_start, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(2));
        AssertHealthy();
    }

    [Fact]
    public async Task Enhanced_scanning_whose_rules_skip_the_repository_times_out_without_starting_a_scan()
    {
        await CreateRepositoryAsync(scanOnPush: false);
        await EnhancedAsync(ScanFrequency.ScanOnPush, "prod/*");
        var digest = await PushAsync("unscanned");

        var result = await WaitOneAsync(digest, new EcrScanWaitOptions { Timeout = TimeSpan.FromMinutes(2) });

        Assert.Equal((EcrScanWaitOutcome.TimedOut, EcrScanMode.NotScanned), (result.Outcome, result.Mode));
        Assert.Null(result.Status);
        Assert.Contains("match no filter for this repository", result.Description, StringComparison.Ordinal);
        Assert.Equal(0, _ecr.Count("StartImageScan"));
        AssertHealthy();
    }

    [Fact]
    public async Task Each_platform_of_an_index_is_waited_for_separately()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(6);
        var amd64 = await PushAsync("amd64");
        Emulator.Scenario.ScanDelay = TimeSpan.FromSeconds(40);
        var arm64 = await PushAsync("arm64", EcrFindingsSeed.DebianDotNetApp with { Outcome = EcrScanOutcome.UnsupportedImage });
        var (attestation, attestationDigest) = EmulatorChecks.ImageManifest("attestation");
        await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = attestation, ImageTag = "att" }, CancellationToken.None);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(
                Entry(amd64, "amd64"),
                Entry(arm64, "arm64"),
                new JsonObject
                {
                    ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = attestationDigest, ["size"] = attestation.Length,
                    ["platform"] = new JsonObject { ["architecture"] = "unknown", ["os"] = "unknown" },
                    ["annotations"] = new JsonObject { ["vnd.docker.reference.type"] = "attestation-manifest", ["vnd.docker.reference.digest"] = amd64 },
                }),
        }.ToJsonString();
        var pushed = await _ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = index, ImageTag = "1.0" }, CancellationToken.None);
        var waiter = Waiter();

        var digests = await waiter.ResolveImageDigestsAsync(Repository, pushed.Image!.ImageId!.ImageDigest!, null, CancellationToken.None);
        var results = await _clock.DriveAsync(
            waiter.WaitAsync(Repository, digests, null, new SynchronousProgress(_progress), CancellationToken.None),
            sleepers: () => digests.Count - _progress.Count(p => p.Message is "findings final" or "scan unavailable" or "timed out"));

        Assert.Equal([amd64, arm64], digests);
        Assert.Equal([amd64, arm64], results.Select(r => r.ImageDigest));
        Assert.Equal(EcrScanWaitOutcome.Complete, results[0].Outcome);
        Assert.Equal((EcrScanWaitOutcome.ScanUnavailable, ScanStatus.UnsupportedImage), (results[1].Outcome, results[1].Status));
        Assert.InRange(results[0].DecidedAt - s_start, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(8));
        Assert.InRange(results[1].DecidedAt - s_start, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(42));
        Assert.Equal(new[] { amd64, arm64 }.Order(StringComparer.Ordinal), Polls().Keys.Order(StringComparer.Ordinal));
        Assert.Contains(_progress, p => p.ImageDigest == amd64);
        Assert.Contains(_progress, p => p.ImageDigest == arm64);

        // The two images' polls run concurrently, so the client may log two requests in flight in another order than the
        // emulator answered them: the same requests, every one model-valid, is what holds.
        AssertAtMostOncePerSecondPerImage();
        Emulator.AssertNoModelViolations();
        var logged = _ecr.RequestLog.Records.Select(r => r.RequestId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Assert.Subset(logged, Emulator.Requests.Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal));
        Assert.Equal(Emulator.Requests.Count(r => r.AccessKeyId == EmulatedEcr.Credentials.AccessKeyId), logged.Count);

        static JsonObject Entry(string digest, string architecture) => new()
        {
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = digest, ["size"] = 400,
            ["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" },
        };
    }

    [Fact]
    public async Task A_digest_that_is_not_in_the_repository_is_TK3100()
    {
        await CreateRepositoryAsync(scanOnPush: true);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => Waiter().ResolveImageDigestsAsync(Repository, EmulatorChecks.Sha256("missing"), null, CancellationToken.None));

        Assert.Equal("TK3100", error.Code);
        Assert.Contains("ImageNotFound", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait()
    {
        await CreateRepositoryAsync(scanOnPush: true);
        Emulator.Scenario.ScanDelay = TimeSpan.FromHours(1);
        var digest = await PushAsync("cancelled");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(10), _clock);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _clock.DriveAsync(Waiter().WaitAsync(Repository, [digest], null, null, cancellation.Token), sleepers: () => 2));

        Assert.InRange(Polls()[digest].Count, 5, 10);
    }

    [Theory]
    [InlineData("*", "team/app", true)]
    [InlineData("team/*", "team/app", true)]
    [InlineData("team/*", "other/app", false)]
    [InlineData("*app", "team/app", true)]
    [InlineData("t*m/*p", "team/app", true)]
    [InlineData("team/app", "team/app", true)]
    [InlineData("team/ap", "team/app", false)]
    [InlineData("a*a", "a", false)]
    public void Wildcard_filters_match_like_ECR(string filter, string name, bool matches)
        => Assert.Equal(matches, EcrScanWaiter.WildcardMatches(filter, name));
}
