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
/// <c>scanwait [--images 100] [--seed 1] [--min-scan 5] [--max-scan 120]</c>: how soon after an ECR scan completes each waiter
/// decides, and how many DescribeImageScanFindings calls it makes per image: ours (<see cref="EcrScanWaiter"/> with its
/// defaults) against the botocore waiter <c>ImageScanComplete</c> (<c>aws ecr wait image-scan-complete</c>: a call every 5 s,
/// success on COMPLETE, failure on FAILED, at most 60 attempts). Runs on the ECR emulator in simulated time: one fake clock is
/// shared by the emulator and both waiters, which watch the same scans at the same time (scan on push, basic, durations
/// uniform between the bounds, seeded), each with its own credentials so the emulator's request log tells their calls apart.
/// </summary>
internal sealed class ScanWaitBenchmark : IBenchmarkVerb
{
    private const string Repository = "bench/app";
    private static readonly SigV4Credentials s_ours = new("AKIAIOSFODNN7OURWAIT", "ours/Scan/Wait/Benchmark/Key/000000000001");
    private static readonly SigV4Credentials s_botocore = new("AKIAIOSFODNN7BOTOCOR", "botocore/Waiter/Benchmark/Key/00000000002");

    public string Name => "scanwait";

    public string Description => "[--images 100] [--seed 1] [--min-scan 5] [--max-scan 120]: ECR scan wait, added latency and calls per image, ours vs the botocore waiter (simulated time)";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var images = arguments.Int("images", 100);
        var seed = arguments.Int("seed", 1);
        var minScan = arguments.Int("min-scan", 5);
        var maxScan = arguments.Int("max-scan", 120);
        var scanRandom = new Random(seed);

        var clock = new DrivenClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var emulator = new EcrEmulator(new EcrEmulatorOptions { TimeProvider = clock, AllowedClockSkew = TimeSpan.FromDays(3650) });
        emulator.AddCredentials(s_ours);
        emulator.AddCredentials(s_botocore);
        using var ours = Client(emulator, s_ours);
        using var botocore = Client(emulator, s_botocore);
        await ours.CreateRepositoryAsync(
            new CreateRepositoryRequest { RepositoryName = Repository, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true } },
            cancellationToken);
        var waiter = new EcrScanWaiter(ours, new EcrScanWaitOptions { Random = new Random(seed + 1) }, clock);

        Console.WriteLine(
            $"scanwait scenario: SIMULATED time (one fake clock shared by the ECR emulator and both waiters; nothing sleeps), {images} images one after another, "
            + $"basic scan on push completing {minScan}-{maxScan} s after the push (uniform, seed {seed}); both waiters watch the same scans at the same time");
        var rows = new List<(double Duration, double OursLatency, int OursPolls, int OursCalls, double BotoLatency, int BotoPolls, string BotoOutcome)>();
        for (var i = 0; i < images; i++)
        {
            var duration = TimeSpan.FromMilliseconds(Math.Round((minScan + (scanRandom.NextDouble() * (maxScan - minScan))) * 1000));
            emulator.Scenario.ScanDelay = duration;
            var (manifest, digest) = Manifest($"image-{i}");
            var pushedAt = clock.GetUtcNow();
            await ours.PutImageAsync(new PutImageRequest { RepositoryName = Repository, ImageManifest = manifest, ImageTag = $"v{i}" }, cancellationToken);
            var completesAt = pushedAt + duration;

            var oursTask = waiter.WaitAsync(Repository, [digest], null, null, cancellationToken);
            var botoTask = BotocoreWaiterAsync(botocore, digest, clock, cancellationToken);
            await clock.DriveAsync(
                Task.WhenAll(oursTask, botoTask).ContinueWith(_ => true, TaskScheduler.Default),
                limit: TimeSpan.FromHours(1),
                sleepers: () => (oursTask.IsCompleted ? 0 : 1) + (botoTask.IsCompleted ? 0 : 1));
            var result = (await oursTask)[0];
            var (botoDecided, botoPollCount, botoOutcome) = await botoTask;
            if (result.Outcome != EcrScanWaitOutcome.Complete)
            {
                throw new InvalidOperationException($"Our waiter ended image {i} with {result.Outcome}: {result.Description}");
            }

            rows.Add((duration.TotalSeconds, (result.DecidedAt - completesAt).TotalSeconds, result.Polls, result.Calls, (botoDecided - completesAt).TotalSeconds, botoPollCount, botoOutcome));
        }

        var oursGap = MinimumGap(emulator, s_ours.AccessKeyId);
        var botoGap = MinimumGap(emulator, s_botocore.AccessKeyId);
        var oursLatency = Measurements.Median(rows.Select(r => r.OursLatency).ToList());
        var botoLatency = Measurements.Median(rows.Select(r => r.BotoLatency).ToList());
        var oursPolls = Measurements.Median(rows.Select(r => (double)r.OursPolls).ToList());
        var botoPolls = Measurements.Median(rows.Select(r => (double)r.BotoPolls).ToList());
        var configCalls = emulator.Requests.Count(r => r.AccessKeyId == s_ours.AccessKeyId && r.Operation is "GetRegistryScanningConfiguration" or "DescribeRepositories");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median scan duration {Measurements.Median(rows.Select(r => r.Duration).ToList()):F1} s"));
        Console.WriteLine("policy                              median added latency   p90      max      median DescribeImageScanFindings calls/image   mean   min interval per image");
        Print("ours (EcrScanWaiter, defaults)", rows.Select(r => r.OursLatency).ToList(), rows.Select(r => (double)r.OursPolls).ToList(), oursGap);
        Print("botocore ImageScanComplete (5 s)", rows.Select(r => r.BotoLatency).ToList(), rows.Select(r => (double)r.BotoPolls).ToList(), botoGap);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"ratio ours/botocore: median added latency {oursLatency / botoLatency:F2}x, median calls per image {oursPolls / botoPolls:F2}x"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"ours also read the scanning configuration once per wait ({configCalls} GetRegistryScanningConfiguration/DescribeRepositories calls for {images} waits, once per repository in a multi-image wait); botocore outcomes: {string.Join(", ", rows.GroupBy(r => r.BotoOutcome).Select(g => $"{g.Key} {g.Count()}"))}"));
        var goal = oursLatency <= 1.0 && oursGap >= TimeSpan.FromSeconds(1);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"goal (median added latency <= 1 s, never more than one call per second per image): {(goal ? "met" : "NOT met")} (median {oursLatency:F2} s, minimum interval {oursGap.TotalSeconds:F3} s)"));
        return goal ? 0 : 1;
    }

    private static void Print(string name, IReadOnlyList<double> latencies, IReadOnlyList<double> polls, TimeSpan gap)
    {
        var sorted = latencies.Order().ToArray();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name,-35} {Measurements.Median(latencies),8:F2} s {sorted[(int)Math.Floor(0.9 * (sorted.Length - 1))],8:F2} s {sorted[^1],6:F2} s {Measurements.Median(polls),12:F1} {polls.Average(),34:F1} {gap.TotalSeconds,10:F3} s"));
    }

    /// <summary>
    /// The botocore waiter <c>ImageScanComplete</c> as its model defines it: call, and on COMPLETE succeed, on FAILED fail,
    /// else sleep 5 s, at most 60 attempts; any error it has no acceptor for (e.g. ScanNotFoundException) ends it.
    /// </summary>
    private static async Task<(DateTimeOffset Decided, int Polls, string Outcome)> BotocoreWaiterAsync(EcrClient client, string digest, TimeProvider clock, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string status;
            try
            {
                var response = await client.DescribeImageScanFindingsAsync(
                    new DescribeImageScanFindingsRequest { RepositoryName = Repository, ImageId = new ImageIdentifier { ImageDigest = digest } },
                    cancellationToken);
                status = response.ImageScanStatus?.Status?.Value ?? string.Empty;
            }
            catch (EcrServiceException exception)
            {
                return (clock.GetUtcNow(), attempt, $"error {exception.ErrorType}");
            }

            if (status is "COMPLETE" or "FAILED")
            {
                return (clock.GetUtcNow(), attempt, status == "COMPLETE" ? "success" : "failure");
            }

            if (attempt == 60)
            {
                return (clock.GetUtcNow(), attempt, "max attempts");
            }

            await Task.Delay(TimeSpan.FromSeconds(5), clock, cancellationToken);
        }
    }

    /// <summary>The shortest time between two DescribeImageScanFindings calls for one image by one client, from the emulator's log.</summary>
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
