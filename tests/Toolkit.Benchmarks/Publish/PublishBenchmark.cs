using System.Globalization;
using System.Text.RegularExpressions;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;
using Toolkit.Testing;

namespace Toolkit.Benchmarks.Publish;

/// <summary>
/// <c>publish [--runs 5] [--apps framework-dependent,self-contained] [--task-r2r true]</c>: the image-assembly share of a
/// <c>dotnet publish</c>, ours (<c>-p:ToolkitImage=true</c>, from the freshly packed task package) against
/// the SDK's <c>-t:PublishContainer</c> (<c>ContainerArchiveOutputPath</c>), each minus a plain publish of
/// the same, already built, app. Same base image for both: a busybox image we build, which the SDK
/// pulls from a local distribution registry and we read from its OCI layout.
/// </summary>
internal sealed partial class PublishBenchmark : IBenchmarkVerb
{
    private const string Rid = "linux-x64";
    private const string BaseTag = "busybox";

    private static readonly AppVariant[] Variants =
    [
        new("framework-dependent", []),
        new("self-contained", ["--self-contained"]),
    ];

    public string Name => "publish";

    public string Description => "[--runs 5] [--apps framework-dependent,self-contained] [--task-r2r true]: image share of dotnet publish, ours (-p:ToolkitImage=true) vs the SDK's PublishContainer";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var runs = arguments.Int("runs", 5);
        var readyToRun = string.Equals(arguments.String("task-r2r"), "true", StringComparison.OrdinalIgnoreCase);
        var selected = (arguments.String("apps") ?? string.Join(',', Variants.Select(v => v.Name))).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var variants = Variants.Where(v => selected.Contains(v.Name, StringComparer.Ordinal)).ToArray();
        if (variants.Length == 0)
        {
            await Console.Error.WriteLineAsync($"usage: publish {Description}");
            return 2;
        }

        foreach (var tool in new[] { "dotnet", "docker-registry", "skopeo", "busybox" })
        {
            ExternalTool.Require(tool);
        }

        var repositoryRoot = Measurements.RepositoryRoot();
        var bench = Path.Combine(repositoryRoot, "artifacts", "bench", "publish");
        var feed = Path.Combine(bench, "feed");
        Directory.CreateDirectory(bench);

        Console.WriteLine($"publish scenario: {Environment.ProcessorCount} cores, load average {Measurements.LoadAverage()}, {runs} alternating runs per command{(runs < 5 ? " (fewer than 5: a smoke test, not a result)" : "")}");
        Console.WriteLine("measured: wall time (and user+system CPU of the process tree) of whole 'dotnet publish' processes; the image share of a command is its median minus the median of the plain publish of the same app, which is built once beforehand so every command is incremental.");
        Console.WriteLine();

        var version = await TaskPackageFeed.PackAsync(repositoryRoot, feed, Path.Combine(bench, "pack-build"), readyToRun, cancellationToken);
        Console.WriteLine($"packed {TaskPackageFeed.PackageId} {version} into {feed}; task assemblies: {(readyToRun ? "ReadyToRun (crossgen2 linux-x64), an experiment" : "IL only, as shipped")}");
        BenchmarkApp.WriteIsolation(bench, feed, Path.Combine(bench, "packages"));

        var baseLayout = Path.Combine(bench, "base");
        await BuildBusyboxBaseAsync(baseLayout, Path.Combine(bench, "base-rootfs"), cancellationToken);

        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var registryBase = $"{registry.HostPort}/base:1";
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", $"oci:{baseLayout}:{BaseTag}", $"docker://{registryBase}"], cancellationToken: cancellationToken);
        Console.WriteLine($"base: busybox image built by us at oci:{baseLayout}:{BaseTag}, pushed with skopeo to {registryBase} (docker-registry on {registry.HostPort})");

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry.HostPort,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_UI_LANGUAGE"] = "en",
            ["NUGET_PACKAGES"] = Path.Combine(bench, "packages"),
        };
        Console.WriteLine($"environment of every command: {string.Join(' ', environment.Select(p => $"{p.Key}={p.Value}"))}");

        var results = new List<(AppVariant Variant, VariantResult Result)>();
        foreach (var variant in variants)
        {
            var appDirectory = Path.Combine(bench, variant.Name, BenchmarkApp.AssemblyName);
            var project = BenchmarkApp.Create(repositoryRoot, appDirectory, version);
            var commands = new PublishCommands(variant, project, appDirectory, $"oci:{baseLayout}:{BaseTag}", registryBase, environment);
            results.Add((variant, await MeasureAsync(commands, runs, cancellationToken)));
            await ExplainAsync(commands, $"oci:{baseLayout}:{BaseTag}", cancellationToken);
        }

        Console.WriteLine();
        Console.WriteLine($"summary (load average now: {Measurements.LoadAverage()})");
        foreach (var (variant, result) in results)
        {
            Console.WriteLine($"  {variant.Name,-20} ours {result.OursShare,6:F3} s  SDK {result.SdkShare,6:F3} s  ours/SDK {result.OursShare / result.SdkShare,6:F3} (goal <= 0.5; paired {result.PairedOursShare / result.PairedSdkShare:F3})  app layer ours {result.OursLayerBytes / 1048576.0:F2} MiB, SDK {result.SdkLayerBytes / 1048576.0:F2} MiB");
            Console.WriteLine($"  {variant.Name,-20} cold {result.ColdShare,6:F3} s  SDK {result.SdkShare,6:F3} s  cold/SDK {result.ColdShare / result.SdkShare,6:F3} (layer cache off: every layer tarred and compressed)");
        }

        return 0;
    }

    private static async Task<VariantResult> MeasureAsync(PublishCommands commands, int runs, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"== {commands.Variant.Name}: {commands.Project}");
        foreach (var command in commands.All)
        {
            Console.WriteLine($"  {command.Name,-5}: {command.Display}");
        }

        // Restore and build once, and let the SDK fill its base image cache, so the timed runs are incremental.
        foreach (var command in commands.All)
        {
            commands.CleanOutput(command);
            var warmUp = await command.RunAsync(cancellationToken);
            commands.CheckOutput(command);
            Console.WriteLine($"warm-up {command.Name,-5} {warmUp.WallSeconds,7:F3} s wall {warmUp.CpuSeconds,7:F2} s cpu");
        }

        var wall = commands.All.ToDictionary(c => c.Name, _ => new List<double>());
        var cpu = commands.All.ToDictionary(c => c.Name, _ => new List<double>());
        for (var run = 1; run <= runs; run++)
        {
            // Alternate the order (plain, ours, sdk / sdk, ours, plain) so drift and other jobs hit all alike.
            var order = run % 2 == 1 ? commands.All : commands.All.Reverse().ToArray();
            foreach (var command in order)
            {
                commands.CleanOutput(command);
                var timing = await command.RunAsync(cancellationToken);
                commands.CheckOutput(command);
                wall[command.Name].Add(timing.WallSeconds);
                cpu[command.Name].Add(timing.CpuSeconds);
                Console.WriteLine($"run {run} {command.Name,-5} {timing.WallSeconds,7:F3} s wall {timing.CpuSeconds,7:F2} s cpu");
            }
        }

        // The outputs of the last runs: both images exist, and their app layers are what was built.
        var ours = await new ImageInspector().InspectAsync(ImageLocation.Parse($"oci:{commands.OursOutput}"), cancellationToken);
        var sdk = await new ImageInspector().InspectAsync(new DockerArchiveLocation(commands.SdkArchive), cancellationToken);
        var oursLayer = ours.Platforms.Single().Layers[^1];
        var sdkLayer = sdk.Platforms.Single().Layers[^1];

        Console.WriteLine();
        Console.WriteLine($"{commands.Variant.Name}: publish folder {DirectorySize(commands.PublishDirectory) / 1048576.0:F2} MiB in {Directory.EnumerateFiles(commands.PublishDirectory, "*", SearchOption.AllDirectories).Count()} files");
        Console.WriteLine($"  app layer ours {oursLayer.Size,12:N0} bytes {oursLayer.MediaType}");
        Console.WriteLine($"  app layer SDK  {sdkLayer.Size,12:N0} bytes {sdkLayer.MediaType} (as stored in the archive)");
        Console.WriteLine($"  {"",-5} {"median",8} {"min",8} {"max",8} {"cpu",8} {"share",8} {"paired",8} {"cpu share",9}");
        var plain = wall["plain"];
        foreach (var command in commands.All)
        {
            var times = wall[command.Name];
            var share = Measurements.Median(times) - Measurements.Median(plain);
            var paired = Measurements.Median(times.Zip(plain, (a, b) => a - b).ToArray());
            var cpuShare = Measurements.Median(cpu[command.Name]) - Measurements.Median(cpu["plain"]);
            Console.WriteLine($"  {command.Name,-5} {Measurements.Median(times),7:F3}s {times.Min(),7:F3}s {times.Max(),7:F3}s {Measurements.Median(cpu[command.Name]),7:F2}s {share,7:F3}s {paired,7:F3}s {cpuShare,8:F2}s");
        }

        var result = new VariantResult(
            Measurements.Median(wall["ours"]) - Measurements.Median(plain),
            Measurements.Median(wall["sdk"]) - Measurements.Median(plain),
            Measurements.Median(wall["ours"].Zip(plain, (a, b) => a - b).ToArray()),
            Measurements.Median(wall["sdk"].Zip(plain, (a, b) => a - b).ToArray()),
            oursLayer.Size,
            sdkLayer.Size)
        {
            ColdShare = Measurements.Median(wall["cold"]) - Measurements.Median(plain),
        };
        Console.WriteLine($"  share = median - median of plain; paired = median of (run - plain of the same round); ours = default settings (layer cache on, output folder deleted before each run), cold = layer cache off");
        Console.WriteLine($"  ours/SDK = {result.OursShare:F3} / {result.SdkShare:F3} = {result.OursShare / result.SdkShare:F3} (goal <= 0.5); paired {result.PairedOursShare / result.PairedSdkShare:F3}; cpu {(Measurements.Median(cpu["ours"]) - Measurements.Median(cpu["plain"])) / (Measurements.Median(cpu["sdk"]) - Measurements.Median(cpu["plain"])):F3}");
        return result;
    }

    /// <summary>
    /// Where the share goes: MSBuild's performance summary of one more run of each (target and task times),
    /// and the same image built by a fresh process of this program (first build pays JIT, later ones do not).
    /// </summary>
    private static async Task ExplainAsync(PublishCommands commands, string baseImage, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"{commands.Variant.Name}: where the time goes (one extra run each with -clp:PerformanceSummary; not in the medians)");
        foreach (var (command, names) in new[]
        {
            (commands.Ours, new[] { "ToolkitBuildImage", "_ToolkitComputeImageSettings", "BuildImage" }),
            (commands.Sdk, new[] { "PublishContainer", "_PublishSingleContainer", "ComputeContainerConfig", "ComputeContainerBaseImage", "CreateNewImage" }),
        })
        {
            commands.CleanOutput(command);
            var timing = await (command with { Arguments = [.. command.Arguments, "-clp:PerformanceSummary"] }).RunAsync(cancellationToken);
            var summary = PerformanceSummary.Parse(timing.Output);
            var parts = names.Select(n => summary.TryGetValue(n, out var ms) ? $"{n} {ms} ms" : null).OfType<string>();
            Console.WriteLine($"  {command.Name,-5} {timing.WallSeconds:F3} s wall: {string.Join(", ", parts)}");
        }

        var output = Path.Combine(Path.GetTempPath(), $"tk-bench-image-{Guid.NewGuid():N}");
        try
        {
            var child = new TimedCommand(
                "build-image",
                Environment.ProcessPath!,
                ["build-image", commands.PublishDirectory, baseImage, output, "--repeat", "3"],
                Environment.CurrentDirectory,
                new Dictionary<string, string>());
            var timing = await child.RunAsync(cancellationToken);
            Console.WriteLine($"  ImageBuilder in a fresh process: {timing.WallSeconds:F3} s wall, {timing.CpuSeconds:F2} s cpu; {timing.Output.Trim()}");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static async Task BuildBusyboxBaseAsync(string layout, string rootfs, CancellationToken cancellationToken)
    {
        foreach (var directory in new[] { layout, rootfs })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy(ExternalTool.Require("busybox"), Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "ls", "cat", "env" })
        {
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
        }

        await new ImageBuilder().BuildAsync(new ImageBuildRequest
        {
            BaseImage = ScratchLocation.Instance,
            Output = new OciLayoutLocation(layout, BaseTag),
            Layers = [new LayerSpec(rootfs, "/")],
            Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
            Config = new ImageConfigEdits { Environment = new Dictionary<string, string> { ["PATH"] = "/bin" }, Cmd = ["/bin/sh"] },
            Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), TimestampSource.Explicit),
        }, cancellationToken);
    }

    private static long DirectorySize(string path)
        => Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private sealed record AppVariant(string Name, IReadOnlyList<string> PublishArguments);

    private sealed record VariantResult(double OursShare, double SdkShare, double PairedOursShare, double PairedSdkShare, long OursLayerBytes, long SdkLayerBytes)
    {
        /// <summary>Ours with the layer cache off.</summary>
        public double ColdShare { get; init; }
    }

    /// <summary>The three commands of one app: a plain publish, ours, and the SDK's, with the same settings.</summary>
    private sealed class PublishCommands
    {
        public PublishCommands(AppVariant variant, string project, string appDirectory, string baseLayout, string registryBase, IReadOnlyDictionary<string, string> environment)
        {
            Variant = variant;
            Project = project;
            // Outside the project folder: a web project publishes every *.json under its folder as content.
            var outputs = Path.Combine(Path.GetDirectoryName(appDirectory)!, "out");
            OursOutput = Path.Combine(outputs, "ours");
            SdkArchive = Path.Combine(outputs, "sdk.tar.gz");
            PublishDirectory = Path.Combine(appDirectory, "bin", "Release", "net10.0", Rid, "publish");
            string[] common = ["publish", project, "-c", "Release", "-r", Rid, .. variant.PublishArguments, "-nodeReuse:false"];
            TimedCommand Command(string name, params string[] extra) => new(name, "dotnet", [.. common, .. extra], appDirectory, environment);
            Plain = Command("plain");
            // The image alone, as the SDK's PublishContainer makes it: without the SBOM an image gets by default.
            Ours = Command("ours", "-p:ToolkitImage=true", "-p:ToolkitSbom=false", $"-p:ToolkitBaseImage={baseLayout}", $"-p:ToolkitImageOutput=oci:{OursOutput}");
            ColdOutput = Path.Combine(outputs, "cold");
            Cold = Command("cold", "-p:ToolkitImage=true", "-p:ToolkitSbom=false", "-p:ToolkitUseLayerCache=false", $"-p:ToolkitBaseImage={baseLayout}", $"-p:ToolkitImageOutput=oci:{ColdOutput}");
            Sdk = Command("sdk", "-t:PublishContainer", $"-p:ContainerArchiveOutputPath={SdkArchive}", $"-p:ContainerBaseImage={registryBase}");
            All = [Plain, Ours, Cold, Sdk];
        }

        public AppVariant Variant { get; }

        public string Project { get; }

        public string OursOutput { get; }

        public string SdkArchive { get; }

        /// <summary>Where "cold" (ours with the layer cache off: every layer tarred and compressed) writes.</summary>
        public string ColdOutput { get; }

        public TimedCommand Cold { get; }

        public string PublishDirectory { get; }

        public TimedCommand Plain { get; }

        public TimedCommand Ours { get; }

        public TimedCommand Sdk { get; }

        public TimedCommand[] All { get; }

        /// <summary>Each run writes a new image, not an update of the last one.</summary>
        public void CleanOutput(TimedCommand command)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(SdkArchive)!);
            if (command == Ours && Directory.Exists(OursOutput))
            {
                Directory.Delete(OursOutput, recursive: true);
            }

            if (command == Cold && Directory.Exists(ColdOutput))
            {
                Directory.Delete(ColdOutput, recursive: true);
            }

            if (command == Sdk)
            {
                File.Delete(SdkArchive);
            }
        }

        /// <summary>Fails unless the command wrote its image.</summary>
        public void CheckOutput(TimedCommand command)
        {
            if ((command == Ours && !File.Exists(Path.Combine(OursOutput, "index.json")))
                || (command == Cold && !File.Exists(Path.Combine(ColdOutput, "index.json")))
                || (command == Sdk && !File.Exists(SdkArchive)))
            {
                throw new InvalidOperationException($"{command.Name} wrote no image: {command.Display}");
            }
        }
    }

    /// <summary>Milliseconds per target and task from MSBuild's <c>-clp:PerformanceSummary</c>.</summary>
    private static partial class PerformanceSummary
    {
        public static Dictionary<string, int> Parse(string output)
        {
            var result = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (Match match in Line().Matches(output))
            {
                result.TryAdd(match.Groups["name"].Value, int.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture));
            }

            return result;
        }

        [GeneratedRegex(@"^\s*(?<ms>\d+) ms\s+(?<name>\S+)\s+\d+ calls", RegexOptions.Multiline)]
        private static partial Regex Line();
    }
}
