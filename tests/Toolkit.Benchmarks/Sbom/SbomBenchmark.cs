using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Benchmarks.Publish;
using Toolkit.Testing;

namespace Toolkit.Benchmarks.Sbom;

/// <summary>
/// <c>sbom [--runs 5] [--cli path/dotnet-toolkit[.dll]]</c>: time to produce the SBOM of the sample app image, ours
/// (<c>dotnet-toolkit sbom generate --image &lt;tarball&gt; --project samples/Sample.Api</c>, the Native AOT build unless
/// <c>--cli</c> says otherwise: the image's contents and the project's packages in one document) against the CycloneDX
/// .NET tool on the project, cdxgen on the project and cdxgen on the same image tarball. Two images: the sample app as the
/// main job builds it (on <c>scratch</c>), and the same app on a base of this machine's real Debian package database and
/// its real .NET shared frameworks (the shape of an ASP.NET Core runtime image, with the OS files themselves left out).
/// Every command runs in a network namespace of its own (so none of them can reach the network), cold: each cdxgen run
/// gets a new HOME and temporary folder. One untimed round first warms the page cache for every tool alike; then the
/// timed rounds, each in a rotated order, every run printed.
/// </summary>
internal sealed partial class SbomBenchmark : IBenchmarkVerb
{
    private const string CycloneDxVersion = "6.3.1";
    private const string Ours = "ours (image + project)";
    private const string CycloneDxTool = "CycloneDX .NET tool (project)";
    private const string CdxgenProject = "cdxgen (project)";
    private const string CdxgenImage = "cdxgen (image tarball)";

    public string Name => "sbom";

    public string Description => "[--runs 5] [--cli dotnet-toolkit|dotnet-toolkit.dll]: SBOM of the sample app image and project, ours vs the CycloneDX .NET tool and cdxgen";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var runs = arguments.Int("runs", 5);
        foreach (var tool in new[] { "dotnet", "node", "unshare" })
        {
            ExternalTool.Require(tool);
        }

        var time = File.Exists("/usr/bin/time") ? "/usr/bin/time" : throw new InvalidOperationException("/usr/bin/time is missing: apt-get install -y time");
        var repositoryRoot = Measurements.RepositoryRoot();
        var bench = Path.Combine(repositoryRoot, "artifacts", "bench", "sbom");
        var project = Path.Combine(repositoryRoot, "samples", "Sample.Api", "Sample.Api.csproj");
        Cdxgen.Locate(repositoryRoot);
        var cycloneDx = await RestoreCycloneDxToolAsync(repositoryRoot, cancellationToken);
        var cli = await NativeCli.CommandAsync(arguments, repositoryRoot, cancellationToken);
        if (Directory.Exists(bench))
        {
            Directory.Delete(bench, recursive: true);
        }

        Directory.CreateDirectory(bench);

        Console.WriteLine($"sbom scenario: {Environment.ProcessorCount} cores, load average {Measurements.LoadAverage()}, {runs} timed runs per command in rotated order after one untimed round{(runs < 5 ? " (fewer than 5: a smoke test, not a result)" : "")}");
        var images = await BuildImagesAsync(cli, repositoryRoot, bench, project, cancellationToken);
        foreach (var image in images)
        {
            Console.WriteLine($"image {image.Name}: {image.Description}; docker-archive:{image.Archive} ({new FileInfo(image.Archive).Length / 1024.0 / 1024.0:F1} MiB)");
        }

        Console.WriteLine("measured: wall time and user+system CPU of the whole process tree, peak RSS from /usr/bin/time -v, components = entries of the output's top-level components array");
        Console.WriteLine("every command runs as: /usr/bin/time -v unshare --net [--map-root-user] -- <command> (no network in the namespace)");

        var scratch = Path.Combine(bench, "runs");
        var dotnetEnvironment = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        var contenders = new List<Contender>();
        foreach (var image in images)
        {
            var output = Path.Combine(scratch, $"ours-{image.Name}.cdx.json");
            contenders.Add(new Contender(Ours, image.Name, output, null, () => Timed(
                Ours, time, NetworkIsolation.Wrap(cli[0], [.. cli[1..], "sbom", "generate", "--image", $"docker-archive:{image.Archive}", "--project", project, "-o", output]), repositoryRoot, dotnetEnvironment)));
        }

        var cycloneDxOutput = Path.Combine(scratch, "cyclonedx");
        var emptySource = Path.Combine(bench, "no-packages");
        Directory.CreateDirectory(emptySource);
        contenders.Add(new Contender(CycloneDxTool, null, Path.Combine(cycloneDxOutput, "bom.json"), null, () => Timed(
            CycloneDxTool,
            time,
            NetworkIsolation.Wrap(ExternalTool.Require("dotnet"), [
                cycloneDx, project, "--base-intermediate-output-path", Path.Combine(repositoryRoot, "artifacts", "obj"),
                "--output", cycloneDxOutput, "--filename", "bom.json", "--output-format", "Json", "--disable-package-restore",
                "--url", emptySource, "--no-serial-number", "--spec-version", "1.6"]),
            repositoryRoot,
            dotnetEnvironment)));

        var cdxgenProjectOutput = Path.Combine(scratch, "cdxgen-project.cdx.json");
        var cdxgenProjectScratch = Path.Combine(scratch, "cdxgen-project");
        contenders.Add(new Contender(CdxgenProject, null, cdxgenProjectOutput, cdxgenProjectScratch, () => CdxgenTimed(
            CdxgenProject, time, repositoryRoot, "dotnet", Path.GetDirectoryName(project)!, cdxgenProjectOutput, cdxgenProjectScratch)));
        foreach (var image in images)
        {
            var output = Path.Combine(scratch, $"cdxgen-{image.Name}.cdx.json");
            var cdxgenScratch = Path.Combine(scratch, $"cdxgen-{image.Name}");
            contenders.Add(new Contender(CdxgenImage, image.Name, output, cdxgenScratch, () => CdxgenTimed(
                CdxgenImage, time, repositoryRoot, "docker", image.Archive, output, cdxgenScratch)));
        }

        Console.WriteLine();
        foreach (var contender in contenders)
        {
            Console.WriteLine($"  {contender.Label,-50} {contender.Create().Display}");
        }

        Console.WriteLine();
        foreach (var contender in contenders)
        {
            await MeasureAsync(contender, cancellationToken);
        }

        Console.WriteLine($"untimed round done; load average {Measurements.LoadAverage()}");
        var results = contenders.ToDictionary(c => c, _ => new List<RunResult>());
        for (var run = 1; run <= runs; run++)
        {
            var shift = (run - 1) % contenders.Count;
            foreach (var contender in contenders.Skip(shift).Concat(contenders.Take(shift)))
            {
                var result = await MeasureAsync(contender, cancellationToken);
                results[contender].Add(result);
                Console.WriteLine($"run {run} {contender.Label,-50} {result.Wall,7:F3} s wall {result.Cpu,6:F2} s cpu {result.PeakRssMiB,7:F1} MiB peak RSS {result.Components,5} components");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average now: {Measurements.LoadAverage()}");
        foreach (var image in images)
        {
            Console.WriteLine();
            Console.WriteLine($"image {image.Name}: {image.Description}");
            Console.WriteLine($"  {"contender",-32} {"median",8} {"min",8} {"max",8} {"cpu",7} {"rss max",9} {"components",10}");
            var rows = contenders.Where(c => c.Image is null || c.Image == image.Name).ToList();
            foreach (var row in rows)
            {
                var wall = results[row].Select(r => r.Wall).ToArray();
                Console.WriteLine($"  {row.Name,-32} {Measurements.Median(wall),7:F3}s {wall.Min(),7:F3}s {wall.Max(),7:F3}s {Measurements.Median(results[row].Select(r => r.Cpu).ToArray()),6:F2}s {results[row].Max(r => r.PeakRssMiB),6:F1}MiB {Counts(results[row]),10}");
            }

            var ours = rows.Single(r => r.Name == Ours);
            var peers = rows.Where(r => r != ours).ToList();
            var oursMedian = Measurements.Median(results[ours].Select(r => r.Wall).ToArray());
            var fastest = peers.MinBy(p => Measurements.Median(results[p].Select(r => r.Wall).ToArray()))!;
            var fastestMedian = Measurements.Median(results[fastest].Select(r => r.Wall).ToArray());
            var ratio = oursMedian / fastestMedian;
            var oursComponents = results[ours].Min(r => r.Components);
            var peerComponents = peers.Max(p => results[p].Max(r => r.Components));
            var cpuRatio = Measurements.Median(results[ours].Select(r => r.Cpu).ToArray()) / Measurements.Median(results[fastest].Select(r => r.Cpu).ToArray());
            Console.WriteLine($"  fastest peer: {fastest.Name}, {fastestMedian:F3} s; ours/fastest peer: wall {ratio:F3} (goal <= 0.333: {(ratio <= 1 / 3.0 ? "met" : "MISSED")}), cpu {cpuRatio:F3}");
            var sameInput = rows.Single(r => r.Name == CdxgenImage);
            Console.WriteLine($"  ours/{sameInput.Name} (the peer that reads the same tarball): wall {oursMedian / Measurements.Median(results[sameInput].Select(r => r.Wall).ToArray()):F3}");
            Console.WriteLine($"  components: ours {oursComponents}, most of any peer {peerComponents}: strictly more: {(oursComponents > peerComponents ? "yes" : "NO")}");
            foreach (var peer in peers.Where(p => results[p].Max(r => r.SourcePackagesOnly) > 0))
            {
                var sources = results[peer].Max(r => r.SourcePackagesOnly);
                var rest = results[peer].Max(r => r.Components - r.SourcePackagesOnly);
                Console.WriteLine($"    {peer.Name}: {sources} of its components are source packages (tagged source, no installed package of that name and version); the other {rest} are what the image holds (ours {oursComponents}: {(oursComponents > rest ? "more" : "NOT more")})");
            }
        }

        return 0;
    }

    private static string Counts(IEnumerable<RunResult> results)
        => string.Join('/', results.Select(r => r.Components).Distinct().Order());

    private static TimedCommand Timed(string name, string time, (string FileName, IReadOnlyList<string> Arguments) command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        => new(name, time, ["-v", command.FileName, .. command.Arguments], workingDirectory, environment);

    private static TimedCommand CdxgenTimed(string name, string time, string repositoryRoot, string type, string target, string output, string scratch)
    {
        var (fileName, arguments, environment) = Cdxgen.Command(repositoryRoot, type, target, output, scratch);
        return new(name, time, ["-v", fileName, .. arguments], scratch, environment);
    }

    /// <summary>One run: no output left from before, a new scratch folder (cdxgen's HOME and temp), then the command.</summary>
    private static async Task<RunResult> MeasureAsync(Contender contender, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(contender.Output)!);
        File.Delete(contender.Output);
        if (contender.Scratch is not null && Directory.Exists(contender.Scratch))
        {
            Directory.Delete(contender.Scratch, recursive: true);
        }

        var command = contender.Create();
        var timing = await command.RunAsync(cancellationToken);
        var rss = MaximumResidentSet().Match(timing.Output);
        var peak = rss.Success ? long.Parse(rss.Groups["kb"].Value, CultureInfo.InvariantCulture) / 1024.0 : double.NaN;
        if (!File.Exists(contender.Output))
        {
            throw new InvalidOperationException($"{contender.Label} wrote no {contender.Output}:{Environment.NewLine}{timing.Output}");
        }

        using var bom = JsonDocument.Parse(await File.ReadAllBytesAsync(contender.Output, cancellationToken));
        var components = bom.RootElement.TryGetProperty("components", out var array) ? array.EnumerateArray().ToList() : [];
        return new RunResult(timing.WallSeconds, timing.CpuSeconds, peak, components.Count, components.Count(IsSourcePackageOnly));
    }

    /// <summary>
    /// The sample app published as the main job publishes it, and its images built by our CLI into docker archives: on
    /// <c>scratch</c> as the main job builds it, and on a Debian + .NET base.
    /// </summary>
    private static async Task<IReadOnlyList<BenchImage>> BuildImagesAsync(string[] cli, string repositoryRoot, string bench, string project, CancellationToken cancellationToken)
    {
        var publish = Path.Combine(bench, "publish");
        Console.WriteLine($"publishing {project} (Release, linux-x64, framework-dependent) to {publish}");
        await ExternalTool.RunCheckedAsync(
            "dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", publish, "-p:ContinuousIntegrationBuild=true"],
            repositoryRoot,
            cancellationToken: cancellationToken);

        string[] app = ["--layer", $"{publish}:/app", "--workdir", "/app", "--entrypoint", "/app/Sample.Api", "--port", "8080/tcp", "--env", "ASPNETCORE_HTTP_PORTS=8080", "--image-version", "1.0.0", "--source-date-epoch", "1700000000"];
        var sample = Path.Combine(bench, "sample.tar");
        await ExternalTool.RunCheckedAsync(cli[0], [.. cli[1..], "image", "build", "--from", "scratch", .. app, "--output", $"docker-archive:{sample}:sample-api:1.0.0"], cancellationToken: cancellationToken);

        // The base: this machine's real dpkg database, os-release (a link into /usr/lib, as Debian has it) and
        // debian_version in one layer, its real shared frameworks (all their files) in another.
        var rootfs = Path.Combine(bench, "base-rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "usr", "lib"));
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        Directory.CreateDirectory(Path.Combine(rootfs, "var", "lib", "dpkg"));
        File.Copy("/etc/os-release", Path.Combine(rootfs, "usr", "lib", "os-release"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "os-release"), "../usr/lib/os-release");
        File.Copy("/etc/debian_version", Path.Combine(rootfs, "etc", "debian_version"));
        File.Copy("/var/lib/dpkg/status", Path.Combine(rootfs, "var", "lib", "dpkg", "status"));
        var shared = Directory.GetParent(Path.GetDirectoryName(typeof(object).Assembly.Location)!)!.Parent!.FullName;
        var baseLayout = Path.Combine(bench, "base");
        await ExternalTool.RunCheckedAsync(
            cli[0],
            [.. cli[1..], "image", "build", "--from", "scratch", "--layer", $"{rootfs}:/", "--layer", $"{shared}:/usr/share/dotnet/shared", "--source-date-epoch", "1700000000", "--output", $"oci:{baseLayout}:1"],
            cancellationToken: cancellationToken);
        var onBase = Path.Combine(bench, "sample-on-debian-dotnet.tar");
        await ExternalTool.RunCheckedAsync(cli[0], [.. cli[1..], "image", "build", "--from", $"oci:{baseLayout}:1", .. app, "--output", $"docker-archive:{onBase}:sample-api:1.0.0"], cancellationToken: cancellationToken);
        var packages = File.ReadAllText("/var/lib/dpkg/status").Split('\n').Count(l => l.StartsWith("Package: ", StringComparison.Ordinal));
        var frameworks = string.Join(", ", Directory.GetDirectories(shared).SelectMany(f => Directory.GetDirectories(f).Select(v => $"{Path.GetFileName(f)} {Path.GetFileName(v)}")));

        return
        [
            new BenchImage("sample", "the sample app on scratch, as the main job builds it (one layer: the publish folder in /app)", sample),
            new BenchImage("sample-on-debian-dotnet", $"the same app layer on a base of this machine's dpkg database ({packages} packages), os-release and debian_version, and its shared frameworks ({frameworks}, all files)", onBase),
        ];
    }

    /// <summary>The CycloneDX .NET tool's entry assembly, after <c>dotnet tool restore</c> of the repository's tool manifest.</summary>
    private static async Task<string> RestoreCycloneDxToolAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        await ExternalTool.RunCheckedAsync("dotnet", ["tool", "restore"], repositoryRoot, cancellationToken: cancellationToken);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tool = Path.Combine(packages, "cyclonedx", CycloneDxVersion, "tools", "net10.0", "any", "CycloneDX.dll");
        return File.Exists(tool) ? tool : throw new InvalidOperationException($"{tool} is missing after 'dotnet tool restore'; .config/dotnet-tools.json must name CycloneDX {CycloneDxVersion}.");
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (?<kb>\d+)")]
    private static partial Regex MaximumResidentSet();

    private sealed record BenchImage(string Name, string Description, string Archive);

    /// <summary>A command to time; <paramref name="Scratch"/> (if any) is deleted before each run, and <paramref name="Create"/> makes it anew.</summary>
    private sealed record Contender(string Name, string? Image, string Output, string? Scratch, Func<TimedCommand> Create)
    {
        public string Label => Image is null ? Name : $"{Name} [{Image}]";
    }

    /// <summary>
    /// cdxgen's entry for a source package that no installed package of that name and version stands for: tagged
    /// <c>source</c>, without the properties trivy gives an installed package. Nothing of what the image holds.
    /// </summary>
    private static bool IsSourcePackageOnly(JsonElement component)
        => component.TryGetProperty("tags", out var tags) && tags.EnumerateArray().Any(t => t.GetString() == "source")
           && !(component.TryGetProperty("properties", out var properties) && properties.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "aquasecurity:trivy:PkgID"));

    private sealed record RunResult(double Wall, double Cpu, double PeakRssMiB, int Components, int SourcePackagesOnly);
}
