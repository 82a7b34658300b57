using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Benchmarks.Publish;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Benchmarks.Push;

/// <summary>
/// <c>push [--runs 5] [--warm-runs 3] [--cli path/dotnet-toolkit[.dll]]</c>: a generated image of about 1 GiB
/// (8 gzip layers, one of 512 MiB, random bytes and copies of the shared framework) pushed from its OCI layout
/// to a local distribution registry, ours (<c>dotnet-toolkit image push</c>, by default the Native AOT build that
/// <c>dotnet tool install</c> puts on linux-x64; a <c>.dll</c> runs under <c>dotnet</c>) vs <c>skopeo copy</c>.
/// Every cold run goes into a new registry with empty storage, and skopeo's blob-info cache is deleted first, so
/// neither can skip or mount a blob. Then warm re-pushes of the unchanged image into a registry that has it. The
/// registry's own CPU time is printed per run: on a small machine it competes with the client for the cores.
/// </summary>
internal sealed partial class PushBenchmark : IBenchmarkVerb
{
    private const string Tag = "bench";
    private const int Seed = 20_261_128;
    private const long MiB = 1024 * 1024;

    // 8 layers, about 1 GiB in all; the big one first, as an application's base would be.
    private static readonly long[] LayerSizes = [512 * MiB, 160 * MiB, 128 * MiB, 96 * MiB, 64 * MiB, 32 * MiB, 24 * MiB, 8 * MiB];

    // Root: the system cache; rootless skopeo keeps its own under XDG_DATA_HOME, which every run gets fresh.
    private static readonly string[] SkopeoBlobInfoCaches =
    [
        "/var/lib/containers/cache/blob-info-cache-v1.boltdb",
        "/var/lib/containers/cache/blob-info-cache-v1.sqlite",
    ];

    public string Name => "push";

    public string Description => "[--runs 5] [--warm-runs 3] [--cli dotnet-toolkit|dotnet-toolkit.dll]: push a 1 GiB oci: image to a local registry, ours vs skopeo copy, cold and warm";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var runs = arguments.Int("runs", 5);
        var warmRuns = arguments.Int("warm-runs", 3);
        foreach (var tool in new[] { "dotnet", "docker-registry", "skopeo" })
        {
            ExternalTool.Require(tool);
        }

        var time = File.Exists("/usr/bin/time") ? "/usr/bin/time" : throw new InvalidOperationException("/usr/bin/time is missing: apt-get install -y time");
        var repositoryRoot = Measurements.RepositoryRoot();
        var bench = Path.Combine(repositoryRoot, "artifacts", "bench", "push");
        var layout = Path.Combine(bench, "image");
        var oursCommand = await NativeCli.CommandAsync(arguments, repositoryRoot, cancellationToken);

        Console.WriteLine($"push scenario: {Environment.ProcessorCount} cores, load average {Measurements.LoadAverage()}, {runs} alternating cold runs per command{(runs < 5 ? " (fewer than 5: a smoke test, not a result)" : "")}");
        await GenerateImageAsync(bench, layout, cancellationToken);
        var blobs = Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"image: oci:{layout}:{Tag}, {blobs / (double)MiB:F1} MiB of blobs ({LayerSizes.Length} gzip layers)");
        Console.WriteLine($"cold: a new docker-registry with empty storage for every run; skopeo's blob-info cache ({string.Join(", ", SkopeoBlobInfoCaches)}) deleted before every run, and XDG_DATA_HOME/TMPDIR per run");
        Console.WriteLine($"measured: wall time and user+system CPU of the client process (children CPU of this program), peak RSS from {time} -v, user+system CPU of the registry process during the run (/proc/<pid>/stat)");
        Console.WriteLine($"  ours  : {string.Join(' ', oursCommand)} image push oci:{layout}:{Tag} <registry>/bench/app:1 --insecure-registry <registry> --json");
        Console.WriteLine($"  skopeo: skopeo copy --dest-tls-verify=false oci:{layout}:{Tag} docker://<registry>/bench/app:1");
        Console.WriteLine();

        var scratch = Path.Combine(bench, "scratch");
        TimedCommand Ours(string hostPort) => new(
            "ours", time, ["-v", .. oursCommand, "image", "push", $"oci:{layout}:{Tag}", $"{hostPort}/bench/app:1", "--insecure-registry", hostPort, "--json"],
            bench, new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        TimedCommand Skopeo(string hostPort) => new(
            "skopeo", time, ["-v", "skopeo", "copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:{Tag}", $"docker://{hostPort}/bench/app:1"],
            bench, new Dictionary<string, string> { ["XDG_DATA_HOME"] = Path.Combine(scratch, "xdg"), ["TMPDIR"] = Path.Combine(scratch, "tmp") });

        var cold = new Dictionary<string, List<RunResult>>(StringComparer.Ordinal) { ["ours"] = [], ["skopeo"] = [] };
        for (var run = 1; run <= runs; run++)
        {
            string[] order = run % 2 == 1 ? ["ours", "skopeo"] : ["skopeo", "ours"];
            foreach (var name in order)
            {
                await using var registry = new DistributionRegistryFixture();
                await registry.InitializeAsync();
                ResetSkopeoState(scratch);
                var result = await MeasureAsync(name == "ours" ? Ours(registry.HostPort) : Skopeo(registry.HostPort), registry, cancellationToken);
                cold[name].Add(result);
                Console.WriteLine($"cold run {run} {name,-6} {result.Wall,7:F3} s wall {result.Cpu,7:F2} s cpu {result.PeakRssMiB,7:F1} MiB peak RSS {result.RegistryCpu,6:F2} s registry cpu{(result.BytesUploaded is { } b ? $"  {b / (double)MiB:F1} MiB uploaded" : "")}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"cold  {"",-6} {"median",8} {"min",8} {"max",8} {"cpu",8} {"rss max",9} {"registry",9}");
        foreach (var (name, results) in cold)
        {
            var wall = results.Select(r => r.Wall).ToArray();
            Console.WriteLine($"      {name,-6} {Measurements.Median(wall),7:F3}s {wall.Min(),7:F3}s {wall.Max(),7:F3}s {Measurements.Median(results.Select(r => r.Cpu).ToArray()),7:F2}s {results.Max(r => r.PeakRssMiB),7:F1}MiB {Measurements.Median(results.Select(r => r.RegistryCpu).ToArray()),7:F2}s");
        }

        var wallRatio = Measurements.Median(cold["ours"].Select(r => r.Wall).ToArray()) / Measurements.Median(cold["skopeo"].Select(r => r.Wall).ToArray());
        var cpuRatio = Measurements.Median(cold["ours"].Select(r => r.Cpu).ToArray()) / Measurements.Median(cold["skopeo"].Select(r => r.Cpu).ToArray());
        Console.WriteLine($"cold ours/skopeo: wall {wallRatio:F3} (goal <= 0.8), client cpu {cpuRatio:F3} (goal < 1); ours peak RSS max {cold["ours"].Max(r => r.PeakRssMiB):F1} MiB (goal <= 150), skopeo {cold["skopeo"].Max(r => r.PeakRssMiB):F1} MiB");

        // Warm: the image is already in the registry (pushed once by each tool); nothing should be uploaded.
        Console.WriteLine();
        await using (var registry = new DistributionRegistryFixture())
        {
            await registry.InitializeAsync();
            await MeasureAsync(Ours(registry.HostPort), registry, cancellationToken);
            await MeasureAsync(Skopeo(registry.HostPort), registry, cancellationToken);
            var warm = new Dictionary<string, List<RunResult>>(StringComparer.Ordinal) { ["ours"] = [], ["skopeo"] = [] };
            for (var run = 1; run <= warmRuns; run++)
            {
                foreach (var name in run % 2 == 1 ? new[] { "ours", "skopeo" } : ["skopeo", "ours"])
                {
                    var result = await MeasureAsync(name == "ours" ? Ours(registry.HostPort) : Skopeo(registry.HostPort), registry, cancellationToken);
                    warm[name].Add(result);
                    Console.WriteLine($"warm run {run} {name,-6} {result.Wall,7:F3} s wall {result.Cpu,7:F2} s cpu {result.PeakRssMiB,7:F1} MiB peak RSS {result.RegistryCpu,6:F2} s registry cpu{(result.BytesUploaded is { } b ? $"  {b} bytes uploaded" : "")}");
                }
            }

            var oursWarm = Measurements.Median(warm["ours"].Select(r => r.Wall).ToArray());
            var skopeoWarm = Measurements.Median(warm["skopeo"].Select(r => r.Wall).ToArray());
            Console.WriteLine($"warm re-push: ours {oursWarm:F3} s wall, {warm["ours"].Max(r => r.BytesUploaded ?? -1)} bytes uploaded at most (goal 0); skopeo {skopeoWarm:F3} s; ours/skopeo {oursWarm / skopeoWarm:F3} (goal <= 1)");
        }

        return 0;
    }

    private static async Task<RunResult> MeasureAsync(TimedCommand command, DistributionRegistryFixture registry, CancellationToken cancellationToken)
    {
        var registryBefore = ProcessCpuSeconds(registry.ProcessId);
        var timing = await command.RunAsync(cancellationToken);
        var registryCpu = ProcessCpuSeconds(registry.ProcessId) - registryBefore;
        var rss = MaximumResidentSet().Match(timing.Output);
        var peak = rss.Success ? long.Parse(rss.Groups["kb"].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN;
        long? uploaded = null;
        if (command.Name == "ours")
        {
            var start = timing.Output.IndexOf('{', StringComparison.Ordinal);
            var end = timing.Output.LastIndexOf('}');
            using var json = JsonDocument.Parse(timing.Output[start..(end + 1)]);
            uploaded = json.RootElement.GetProperty("bytesUploaded").GetInt64();
        }

        return new RunResult(timing.WallSeconds, timing.CpuSeconds, peak, registryCpu, uploaded);
    }

    /// <summary>User + system CPU of a running process (fields 14 and 15 of /proc/pid/stat).</summary>
    private static double ProcessCpuSeconds(int? pid)
    {
        var path = $"/proc/{pid}/stat";
        if (pid is null || !File.Exists(path))
        {
            return double.NaN;
        }

        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double TicksPerSecond = 100;
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static void ResetSkopeoState(string scratch)
    {
        foreach (var cache in SkopeoBlobInfoCaches)
        {
            File.Delete(cache);
        }

        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(scratch, "xdg"));
        Directory.CreateDirectory(Path.Combine(scratch, "tmp"));
    }

    /// <summary>The image, once: layers of seeded random files plus copies of the shared framework's DLLs.</summary>
    private static async Task GenerateImageAsync(string bench, string layout, CancellationToken cancellationToken)
    {
        var stamp = Path.Combine(bench, "image.stamp");
        var expected = $"seed {Seed} layers {string.Join(',', LayerSizes)} v1";
        if (File.Exists(stamp) && await File.ReadAllTextAsync(stamp, cancellationToken) == expected && File.Exists(Path.Combine(layout, "index.json")))
        {
            Console.WriteLine($"image: cached ({stamp})");
            return;
        }

        var rootfs = Path.Combine(bench, "rootfs");
        foreach (var directory in new[] { layout, rootfs })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var dlls = Directory.GetFiles(framework, "*.dll").Order(StringComparer.Ordinal).ToArray();
        var random = new Random(Seed);
        var layers = new List<LayerSpec>();
        var buffer = new byte[MiB];
        for (var i = 0; i < LayerSizes.Length; i++)
        {
            var directory = Path.Combine(rootfs, $"layer{i}");
            var data = Path.Combine(directory, "data");
            Directory.CreateDirectory(data);
            long written = 0;

            // Real files: a share of the framework's DLLs in every second layer, about a tenth of its size.
            if (i % 2 == 0)
            {
                var lib = Path.Combine(directory, "lib");
                Directory.CreateDirectory(lib);
                foreach (var dll in dlls.Where((_, index) => index % 4 == i / 2 % 4))
                {
                    if (written > LayerSizes[i] / 10)
                    {
                        break;
                    }

                    var target = Path.Combine(lib, Path.GetFileName(dll));
                    File.Copy(dll, target);
                    written += new FileInfo(target).Length;
                }
            }

            // Random files of 64 KiB to 32 MiB, so the layer is large and incompressible.
            for (var file = 0; written < LayerSizes[i]; file++)
            {
                var size = Math.Min(LayerSizes[i] - written, (long)(64 * 1024 * Math.Pow(2, random.Next(0, 10))));
                await using var stream = File.Create(Path.Combine(data, $"blob{file:D4}.bin"));
                for (var left = size; left > 0; left -= buffer.Length)
                {
                    random.NextBytes(buffer);
                    await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(left, buffer.Length)), cancellationToken);
                }

                written += size;
            }

            layers.Add(new LayerSpec(directory, $"/layer{i}/"));
        }

        Console.WriteLine($"image: generating oci:{layout}:{Tag} with ImageBuilder (gzip)");
        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = new OciLayoutLocation(layout, Tag),
            Layers = layers,
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits { Cmd = ["/layer0/lib/none"] },
            Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit),
            LayerCacheDirectory = Path.Combine(bench, "layer-cache"),
        }, cancellationToken);
        Directory.Delete(rootfs, recursive: true);
        await File.WriteAllTextAsync(stamp, expected, cancellationToken);
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (?<kb>\d+)")]
    private static partial Regex MaximumResidentSet();

    private sealed record RunResult(double Wall, double Cpu, double PeakRssMiB, double RegistryCpu, long? BytesUploaded);
}
