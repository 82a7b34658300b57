using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Scanning;
using Toolkit.Core.Host;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Benchmarks.ScanWait;

/// <summary>
/// <c>scanwait [--images 100] [--others 50] [--seed 1] [--min-scan 5] [--max-scan 120] [--findings-delay 8] [--only name]</c>:
/// how soon after an ECR scan's findings are final each waiter decides, whether the decision is right, and how many calls it
/// makes per image: ours (<see cref="EcrScanWaiter"/> with its defaults) against botocore's <c>ImageScanComplete</c> waiter
/// (<c>aws ecr wait image-scan-complete</c>, from botocore's <c>ecr/2015-09-21/waiters-2.json</c>: DescribeImageScanFindings
/// every 5 s, at most 60 attempts, success on status <c>COMPLETE</c>, failure on <c>FAILED</c>, and, with no acceptor for
/// errors, an end with an error on any error answer such as <c>ScanNotFoundException</c>).
/// <para>
/// Five timelines, each on its own ECR emulator in simulated time (one fake clock shared by the emulator and both waiters,
/// which watch the same scans at the same time, each with its own credentials so the emulator's request log tells their calls
/// apart; images one after another; seeded): basic scan on push; enhanced scan on push whose findings arrive some seconds
/// after <c>COMPLETE</c>; enhanced continuous scanning (<c>ACTIVE</c>); <c>ScanNotFoundException</c> for a while after the
/// push; and scans that end <c>FAILED</c> or <c>UNSUPPORTED_IMAGE</c>. Every verdict is computed from what the policy did
/// against the emulator: the findings in the answer it took as final (or the status it ended on) against what the emulator
/// was seeded to report.
/// </para>
/// </summary>
internal sealed class ScanWaitBenchmark : IBenchmarkVerb
{
    private const string Repository = "bench/app";
    private const int BotocoreDelaySeconds = 5;
    private const int BotocoreMaxAttempts = 60;
    private static readonly SigV4Credentials s_ours = new("AKIAIOSFODNN7OURWAIT", "ours/Scan/Wait/Benchmark/Key/000000000001");
    private static readonly SigV4Credentials s_botocore = new("AKIAIOSFODNN7BOTOCOR", "botocore/Waiter/Benchmark/Key/00000000002");

    public string Name => "scanwait";

    public string Description
        => "[--images 100] [--others 50] [--seed 1] [--min-scan 5] [--max-scan 120] [--findings-delay 8] [--only basic|enhanced|continuous|notfound|failure]: "
        + "ECR scan wait on five timelines, added latency, correctness and calls per image, ours vs the botocore waiter (simulated time)";

    private enum Scanning
    {
        BasicScanOnPush,
        EnhancedScanOnPush,
        EnhancedContinuous,
    }

    private enum Verdict
    {
        Correct,
        Wrong,
        Missing,
    }

    /// <summary>One image's timeline: scan duration, the ScanNotFound window after the push, the findings' delay after COMPLETE, and what the scan reports.</summary>
    private sealed record ImagePlan(TimeSpan ScanDelay, TimeSpan NotFound, TimeSpan FindingsDelay, EcrFindingsSeed Seed);

    private sealed record Scenario(string Key, string Title, Scanning Scanning, int Images, Func<Random, ImagePlan> Plan);

    /// <summary>What a policy ended with for one image: when, the verdict, a short reason, and (when right) the added latency.</summary>
    private sealed record Judged(DateTimeOffset DecidedAt, Verdict Verdict, string Reason, double? Latency);

    private sealed record Row(Judged Ours, Judged Botocore, int OursCalls, int BotocoreCalls);

    private sealed record BotocoreEnd(DateTimeOffset DecidedAt, int Attempts, string Outcome, string? Status, IReadOnlySet<string>? Ids);

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var images = arguments.Int("images", 100);
        var others = arguments.Int("others", 50);
        var seed = arguments.Int("seed", 1);
        var minScan = arguments.Int("min-scan", 5);
        var maxScan = arguments.Int("max-scan", 120);
        var findingsDelay = arguments.Int("findings-delay", 8);
        var only = arguments.String("only");

        static TimeSpan Uniform(Random random, double min, double max) => TimeSpan.FromMilliseconds(Math.Round((min + (random.NextDouble() * (max - min))) * 1000));

        // Four images in five have findings (alternately a Debian .NET image and an Amazon Linux 2 image), one is clean.
        static EcrFindingsSeed Findings(Random random)
            => random.NextDouble() < 0.2 ? EcrFindingsSeed.None : random.NextDouble() < 0.5 ? EcrFindingsSeed.DebianDotNetApp : EcrFindingsSeed.AmazonLinux2;

        var shortScan = Math.Min(maxScan, 60);
        Scenario[] scenarios =
        [
            new("basic", $"basic scan on push, scans of {minScan}-{maxScan} s", Scanning.BasicScanOnPush, images,
                r => new ImagePlan(Uniform(r, minScan, maxScan), TimeSpan.Zero, TimeSpan.Zero, EcrFindingsSeed.DebianDotNetApp)),
            new("enhanced", $"enhanced scan on push, scans of {minScan}-{shortScan} s, findings 1-{findingsDelay} s after COMPLETE (no imageScanCompletedAt until then), one image in five clean",
                Scanning.EnhancedScanOnPush, others,
                r => new ImagePlan(Uniform(r, minScan, shortScan), TimeSpan.Zero, Uniform(r, 1, findingsDelay), Findings(r))),
            new("continuous", $"enhanced continuous scanning (ACTIVE), scans of {minScan}-{shortScan} s, one image in five clean", Scanning.EnhancedContinuous, others,
                r => new ImagePlan(Uniform(r, minScan, shortScan), TimeSpan.Zero, TimeSpan.Zero, Findings(r))),
            new("notfound", $"basic scan on push, ScanNotFoundException for 3-45 s after the push, then scans of {minScan}-{shortScan} s", Scanning.BasicScanOnPush, others,
                r => new ImagePlan(Uniform(r, minScan, shortScan), Uniform(r, 3, 45), TimeSpan.Zero, EcrFindingsSeed.DebianDotNetApp)),
            new("failure", $"basic scan on push ending FAILED or UNSUPPORTED_IMAGE (half each) {minScan}-{shortScan} s after the push", Scanning.BasicScanOnPush, others,
                r => new ImagePlan(
                    Uniform(r, minScan, shortScan),
                    TimeSpan.Zero,
                    TimeSpan.Zero,
                    EcrFindingsSeed.DebianDotNetApp with { Outcome = r.NextDouble() < 0.5 ? EcrScanOutcome.Failed : EcrScanOutcome.UnsupportedImage })),
        ];

        Console.WriteLine(
            "scanwait: SIMULATED time (one fake clock shared by the ECR emulator and both waiters; nothing sleeps); images one after another; "
            + $"both waiters watch the same scans at the same time; seed {seed}.");
        Console.WriteLine(
            "ours = EcrScanWaiter with its defaults; botocore = ImageScanComplete (aws ecr wait image-scan-complete): every 5 s, 60 attempts, success on COMPLETE, failure on FAILED, ends on any error.");
        Console.WriteLine(
            "added latency: from the moment the final findings (or the failure status) are visible to the decision, over right decisions; "
            + "right = the findings in the answer taken as final are the ones the scan reports, or the failure status is the scan's; "
            + "missing = gave up (botocore: 60 attempts) without a decision.");

        var ok = true;
        foreach (var scenario in scenarios.Where(s => only is null || s.Key == only))
        {
            var rows = await RunScenarioAsync(scenario, seed, cancellationToken);
            ok &= Report(scenario, rows.Rows, rows.OursGap, rows.BotocoreGap, rows.ConfigurationCalls);
        }

        return ok ? 0 : 1;
    }

    private static async Task<(List<Row> Rows, TimeSpan OursGap, TimeSpan BotocoreGap, int ConfigurationCalls)> RunScenarioAsync(
        Scenario scenario, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var clock = new DrivenClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var emulator = new EcrEmulator(new EcrEmulatorOptions { TimeProvider = clock, AllowedClockSkew = TimeSpan.FromDays(3650) });
        emulator.AddCredentials(s_ours);
        emulator.AddCredentials(s_botocore);
        using var ours = Client(emulator, s_ours);
        using var botocore = Client(emulator, s_botocore);
        await ours.CreateRepositoryAsync(
            new CreateRepositoryRequest
            {
                RepositoryName = Repository,
                ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = scenario.Scanning == Scanning.BasicScanOnPush },
            },
            cancellationToken);
        var enhanced = scenario.Scanning != Scanning.BasicScanOnPush;
        if (enhanced)
        {
            await ours.PutRegistryScanningConfigurationAsync(
                new PutRegistryScanningConfigurationRequest
                {
                    ScanType = ScanType.Enhanced,
                    Rules =
                    [
                        new RegistryScanningRule
                        {
                            ScanFrequency = scenario.Scanning == Scanning.EnhancedContinuous ? ScanFrequency.ContinuousScan : ScanFrequency.ScanOnPush,
                            RepositoryFilters = [new ScanningRepositoryFilter { Filter = "*", FilterType = ScanningRepositoryFilterType.Wildcard }],
                        },
                    ],
                },
                cancellationToken);
            emulator.Scenario.EnhancedPendingDuration = TimeSpan.FromSeconds(2);
            emulator.Scenario.CompletedAtOnlyWithFindings = true;
        }

        var waiter = new EcrScanWaiter(ours, new EcrScanWaitOptions { Random = new Random(seed + 1) }, clock);
        var rows = new List<Row>();
        for (var i = 0; i < scenario.Images; i++)
        {
            var plan = scenario.Plan(random);
            emulator.Scenario.ScanDelay = plan.ScanDelay;
            emulator.Scenario.ScanNotFoundAfterPush = plan.NotFound;
            emulator.Scenario.FindingsDelayAfterComplete = plan.FindingsDelay;
            var (manifest, digest) = Manifest($"{scenario.Key}-{i}");
            emulator.SeedFindings(Repository, digest, plan.Seed);
            var pushedAt = clock.GetUtcNow();
            await ours.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = manifest, ImageTag = $"v{i}" }, cancellationToken);

            // The emulator's timeline for this image, as its knobs define it.
            var completesAt = pushedAt + plan.NotFound + (enhanced ? emulator.Scenario.EnhancedPendingDuration : TimeSpan.Zero) + plan.ScanDelay;
            var expectedIds = plan.Seed.Vulnerabilities.Where(v => enhanced || v.IsOperatingSystemVulnerability).Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
            string? expectedFailure = plan.Seed.Outcome switch
            {
                EcrScanOutcome.Complete => null,
                EcrScanOutcome.Failed => "FAILED",
                EcrScanOutcome.UnsupportedImage => "UNSUPPORTED_IMAGE",
                _ => throw new InvalidOperationException($"The scenario {scenario.Key} uses {plan.Seed.Outcome}, which the benchmark does not judge."),
            };

            // A clean image's findings (none) are final when the scan completes; others' when the findings become visible.
            var finalAt = expectedFailure is null && expectedIds.Count > 0 ? completesAt + plan.FindingsDelay : completesAt;

            var oursTask = waiter.WaitAsync(Repository, [digest], null, null, cancellationToken);
            var botoTask = BotocoreWaiterAsync(botocore, digest, clock, cancellationToken);
            await clock.DriveAsync(
                Task.WhenAll(oursTask, botoTask).ContinueWith(_ => true, TaskScheduler.Default),
                limit: TimeSpan.FromHours(1),
                sleepers: () => (oursTask.IsCompleted ? 0 : 1) + (botoTask.IsCompleted ? 0 : 1));
            var result = (await oursTask)[0];
            var boto = await botoTask;
            rows.Add(new Row(
                JudgeOurs(result, expectedIds, expectedFailure, finalAt),
                JudgeBotocore(boto, expectedIds, expectedFailure, finalAt, completesAt),
                CallsFor(emulator, s_ours.AccessKeyId, digest),
                CallsFor(emulator, s_botocore.AccessKeyId, digest)));
        }

        var configurationCalls = emulator.Requests.Count(r => r.AccessKeyId == s_ours.AccessKeyId && r.Operation is "GetRegistryScanningConfiguration" or "DescribeRepositories");
        return (rows, MinimumGap(emulator, s_ours.AccessKeyId), MinimumGap(emulator, s_botocore.AccessKeyId), configurationCalls);
    }

    private static Judged JudgeOurs(EcrScanWaitResult result, IReadOnlySet<string> expectedIds, string? expectedFailure, DateTimeOffset finalAt)
    {
        switch (result.Outcome)
        {
            case EcrScanWaitOutcome.Complete:
                var ids = Ids(result.Findings);
                return expectedFailure is null && ids.SetEquals(expectedIds)
                    ? new Judged(result.DecidedAt, Verdict.Correct, "findings final", (result.DecidedAt - finalAt).TotalSeconds)
                    : new Judged(result.DecidedAt, Verdict.Wrong, expectedFailure is null ? $"took {ids.Count} of {expectedIds.Count} findings as final" : $"took findings though the scan ended {expectedFailure}", null);
            case EcrScanWaitOutcome.ScanUnavailable:
                return result.Status?.Value == expectedFailure
                    ? new Judged(result.DecidedAt, Verdict.Correct, $"ended {expectedFailure}", (result.DecidedAt - finalAt).TotalSeconds)
                    : new Judged(result.DecidedAt, Verdict.Wrong, $"ended {result.Status?.Value}", null);
            default:
                return new Judged(result.DecidedAt, Verdict.Missing, $"timed out ({result.Status?.Value ?? "no scan"})", null);
        }
    }

    private static Judged JudgeBotocore(BotocoreEnd end, IReadOnlySet<string> expectedIds, string? expectedFailure, DateTimeOffset finalAt, DateTimeOffset completesAt)
    {
        switch (end.Outcome)
        {
            case "success":
                if (expectedFailure is null && end.Ids!.SetEquals(expectedIds))
                {
                    return new Judged(end.DecidedAt, Verdict.Correct, "COMPLETE", (end.DecidedAt - finalAt).TotalSeconds);
                }

                return new Judged(
                    end.DecidedAt,
                    Verdict.Wrong,
                    end.Ids!.Count == 0 && end.DecidedAt < finalAt && end.DecidedAt >= completesAt ? "accepted COMPLETE before the findings" : $"accepted COMPLETE with {end.Ids.Count} of {expectedIds.Count} findings",
                    null);
            case "failure":
                return expectedFailure == end.Status
                    ? new Judged(end.DecidedAt, Verdict.Correct, $"failed on {end.Status}", (end.DecidedAt - finalAt).TotalSeconds)
                    : new Judged(end.DecidedAt, Verdict.Wrong, $"failed on {end.Status}", null);
            case "max attempts":
                return new Judged(end.DecidedAt, Verdict.Missing, $"gave up after {BotocoreMaxAttempts} attempts on {end.Status}", null);
            default:
                return new Judged(end.DecidedAt, Verdict.Wrong, $"ended with {end.Outcome}", null);
        }
    }

    private static bool Report(Scenario scenario, List<Row> rows, TimeSpan oursGap, TimeSpan botoGap, int configurationCalls)
    {
        Console.WriteLine();
        Console.WriteLine($"== {scenario.Key}: {scenario.Title} ({rows.Count} images)");
        Console.WriteLine("policy                            right  wrong  missing   added latency (right): median    p90      max   calls/image: median  max   shortest gap per image");
        var oursLatency = Print("ours (EcrScanWaiter, defaults)", rows.Select(r => r.Ours).ToList(), rows.Select(r => r.OursCalls).ToList(), oursGap);
        var botoLatency = Print($"botocore ImageScanComplete ({BotocoreDelaySeconds} s)", rows.Select(r => r.Botocore).ToList(), rows.Select(r => r.BotocoreCalls).ToList(), botoGap);
        var oursCalls = Measurements.Median(rows.Select(r => (double)r.OursCalls).ToList());
        var botoCalls = Measurements.Median(rows.Select(r => (double)r.BotocoreCalls).ToList());
        var latencyRatio = oursLatency is { } o && botoLatency is { } b && b > 0 ? string.Create(CultureInfo.InvariantCulture, $"{o / b:F2}x") : "n/a (botocore made no right decision)";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio ours/botocore: median added latency {latencyRatio}, median calls per image {oursCalls / botoCalls:F2}x"));
        Console.WriteLine($"ours: {Reasons(rows.Select(r => r.Ours))}");
        Console.WriteLine($"botocore: {Reasons(rows.Select(r => r.Botocore))}");
        Console.WriteLine($"ours also read the scanning configuration: {configurationCalls} GetRegistryScanningConfiguration/DescribeRepositories calls for {rows.Count} waits (once per wait; once per repository in a multi-image wait)");
        var oursRight = rows.All(r => r.Ours.Verdict == Verdict.Correct);
        if (scenario.Key == "basic")
        {
            var goal = oursLatency <= 1.0 && oursGap >= TimeSpan.FromSeconds(1);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"goal (median added latency <= 1 s, never more than one call per second per image): {(goal ? "met" : "NOT met")} (median {oursLatency:F2} s, shortest gap {oursGap.TotalSeconds:F3} s)"));
            return goal && oursRight;
        }

        return oursRight && oursGap >= TimeSpan.FromSeconds(1);
    }

    private static double? Print(string name, IReadOnlyList<Judged> judged, IReadOnlyList<int> calls, TimeSpan gap)
    {
        var latencies = judged.Where(j => j.Latency is not null).Select(j => j.Latency!.Value).Order().ToArray();
        var right = judged.Count(j => j.Verdict == Verdict.Correct);
        var wrong = judged.Count(j => j.Verdict == Verdict.Wrong);
        var missing = judged.Count(j => j.Verdict == Verdict.Missing);
        double? median = latencies.Length == 0 ? null : Measurements.Median(latencies);
        var latencyText = latencies.Length == 0
            ? $"{"n/a",10} {"n/a",8} {"n/a",8}"
            : string.Create(CultureInfo.InvariantCulture, $"{median,8:F2} s {latencies[(int)Math.Floor(0.9 * (latencies.Length - 1))],6:F2} s {latencies[^1],6:F2} s");
        var gapText = gap == TimeSpan.MaxValue ? "  (one call)" : string.Create(CultureInfo.InvariantCulture, $"{gap.TotalSeconds,10:F3} s");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name,-33} {right,5} {wrong,6} {missing,8}   {latencyText,37}   {Measurements.Median(calls.Select(c => (double)c).ToList()),16:F1} {calls.Max(),4}   {gapText}"));
        return median;
    }

    private static string Reasons(IEnumerable<Judged> judged)
        => string.Join(", ", judged.GroupBy(j => (j.Verdict, j.Reason)).OrderBy(g => g.Key.Verdict).ThenByDescending(g => g.Count())
            .Select(g => $"{g.Key.Verdict.ToString().ToLowerInvariant()}: {g.Key.Reason} {g.Count()}"));

    /// <summary>
    /// botocore's <c>ImageScanComplete</c> waiter as <c>waiters-2.json</c> defines it: call; COMPLETE is success, FAILED is
    /// failure; an error answer matches no acceptor and ends the wait with that error; else sleep 5 s, at most 60 attempts.
    /// The ids of the findings in the answer it ends on are kept, since that is what a pipeline reads next.
    /// </summary>
    private static async Task<BotocoreEnd> BotocoreWaiterAsync(EcrClient client, string digest, TimeProvider clock, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            DescribeImageScanFindingsResponse response;
            try
            {
                response = await client.DescribeImageScanFindingsAsync(
                    new DescribeImageScanFindingsRequest { RepositoryName = Repository, ImageId = new ImageIdentifier { ImageDigest = digest } },
                    cancellationToken);
            }
            catch (EcrServiceException exception)
            {
                return new BotocoreEnd(clock.GetUtcNow(), attempt, $"error {exception.ErrorType}", null, null);
            }

            var status = response.ImageScanStatus?.Status?.Value;
            if (status is "COMPLETE" or "FAILED")
            {
                return new BotocoreEnd(clock.GetUtcNow(), attempt, status == "COMPLETE" ? "success" : "failure", status, Ids(response.ImageScanFindings));
            }

            if (attempt == BotocoreMaxAttempts)
            {
                return new BotocoreEnd(clock.GetUtcNow(), attempt, "max attempts", status, null);
            }

            await Task.Delay(TimeSpan.FromSeconds(BotocoreDelaySeconds), clock, cancellationToken);
        }
    }

    private static HashSet<string> Ids(ImageScanFindings? findings)
        => (findings?.Findings ?? []).Select(f => f.Name ?? string.Empty)
            .Concat((findings?.EnhancedFindings ?? []).Select(f => f.PackageVulnerabilityDetails?.VulnerabilityId ?? string.Empty))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>DescribeImageScanFindings (every page) and StartImageScan calls for one image by one client, from the emulator's log.</summary>
    private static int CallsFor(EcrEmulator emulator, string accessKeyId, string digest)
        => emulator.Requests.Count(r => r.AccessKeyId == accessKeyId && r.Operation is "DescribeImageScanFindings" or "StartImageScan"
            && JsonNode.Parse(r.RequestBody)!["imageId"]?["imageDigest"]?.GetValue<string>() == digest);

    /// <summary>The shortest time between two status polls (first pages of DescribeImageScanFindings) of one image by one client, from the emulator's log.</summary>
    private static TimeSpan MinimumGap(EcrEmulator emulator, string accessKeyId)
        => emulator.Requests
            .Where(r => r.AccessKeyId == accessKeyId && r.Operation == "DescribeImageScanFindings" && JsonNode.Parse(r.RequestBody)!["nextToken"] is null)
            .GroupBy(r => JsonNode.Parse(r.RequestBody)!["imageId"]!["imageDigest"]!.GetValue<string>())
            .SelectMany(g => g.Zip(g.Skip(1), (a, b) => b.Time - a.Time))
            .DefaultIfEmpty(TimeSpan.MaxValue)
            .Min();

    private static EcrClient Client(EcrEmulator emulator, SigV4Credentials credentials)
        => new(AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = emulator.Region,
            EndpointUrl = emulator.Endpoint.ToString(),
            Credentials = new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
        }));

    private static (string Text, string Digest) Manifest(string seed)
    {
        static string Sha256(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var text = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Sha256($"{seed}-config"), ["size"] = 512 },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = Sha256($"{seed}-layer"), ["size"] = 1000 }),
        }.ToJsonString();
        return (text, Sha256(text));
    }
}
