using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Toolkit.Benchmarks;

/// <summary>
/// <c>layer [--size-mb 200] [--runs 5]</c>: one layer from a folder of mixed files, ours against
/// <c>tar --sort=name | gzip -6 -n</c> and <c>tar --sort=name | pigz -6 -n</c>, run alternately.
/// </summary>
internal sealed class LayerBenchmark : IBenchmarkVerb
{
    public string Name => "layer";

    public string Description => "[--size-mb 200] [--runs 5] [--workers n] [--block-kb 1024] [--level 6]: ours vs tar|gzip and tar|pigz";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        var sizeMb = arguments.Int("size-mb", 200);
        var runs = arguments.Int("runs", 5);
        var level = arguments.Int("level", 6);
        var root = Measurements.RepositoryRoot();
        var bench = Path.Combine(root, "artifacts", "bench");
        var data = Path.Combine(bench, $"layer-{sizeMb}mb");
        var outputs = Path.Combine(bench, "out");
        Directory.CreateDirectory(outputs);

        await BenchmarkData.EnsureAsync(data, sizeMb * 1024L * 1024, cancellationToken);
        Console.WriteLine($"data: {data} ({DirectorySize(data) / 1048576.0:F1} MiB, {Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Count()} files), {Environment.ProcessorCount} cores, {runs} runs each");

        var ourArguments = new List<string> { "build-layer", data, Path.Combine(outputs, "ours.tar.gz"), "--level", level.ToString(CultureInfo.InvariantCulture) };
        foreach (var passThrough in new[] { "workers", "block-kb" })
        {
            if (arguments.String(passThrough) is { } value)
            {
                ourArguments.AddRange([$"--{passThrough}", value]);
            }
        }

        var contenders = new List<Contender>
        {
            new("ours", Environment.ProcessPath!, ourArguments, Path.Combine(outputs, "ours.tar.gz")),
            Pipeline("tar|gzip", $"gzip -{level} -n", data, Path.Combine(outputs, "gzip.tar.gz")),
        };
        if (Which("pigz") is not null)
        {
            contenders.Add(Pipeline("tar|pigz", $"pigz -{level} -n", data, Path.Combine(outputs, "pigz.tar.gz")));
        }
        else
        {
            Console.WriteLine("pigz is not installed (apt-get install -y pigz); comparing with gzip only.");
        }

        var times = contenders.ToDictionary(c => c.Name, _ => new List<double>());
        var cpu = contenders.ToDictionary(c => c.Name, _ => new List<double>());
        for (var run = 1; run <= runs; run++)
        {
            // Alternate the contenders so drift (thermal, other load) hits them alike.
            var order = run % 2 == 1 ? contenders : Enumerable.Reverse(contenders).ToList();
            foreach (var contender in order)
            {
                var cpuBefore = Measurements.ChildrenCpuSeconds();
                var seconds = await contender.RunAsync(cancellationToken);
                var cpuSeconds = Measurements.ChildrenCpuSeconds() - cpuBefore;
                times[contender.Name].Add(seconds);
                cpu[contender.Name].Add(cpuSeconds);
                Console.WriteLine($"run {run} {contender.Name,-9} {seconds,7:F3} s wall {cpuSeconds,7:F2} s cpu");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"",-9} {"median",9} {"min",9} {"cpu",9} {"size",14} {"vs gzip size",12}");
        var gzipSize = new FileInfo(contenders[1].Output).Length;
        foreach (var contender in contenders)
        {
            var size = new FileInfo(contender.Output).Length;
            Console.WriteLine($"{contender.Name,-9} {Measurements.Median(times[contender.Name]),8:F3}s {times[contender.Name].Min(),8:F3}s {Measurements.Median(cpu[contender.Name]),8:F2}s {size,14:N0} {(double)size / gzipSize,12:P2}");
        }

        var ours = Measurements.Median(times["ours"]);
        Console.WriteLine($"load average now: {Measurements.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"ours/gzip = {ours / Measurements.Median(times["tar|gzip"]):F3} (goal <= 0.4)");
        if (times.TryGetValue("tar|pigz", out var pigz))
        {
            Console.WriteLine($"ours/pigz = {ours / Measurements.Median(pigz):F3} (goal < 1)");
        }

        return 0;
    }

    private static Contender Pipeline(string name, string compressor, string data, string output)
        => new(name, "/bin/bash", ["-c", $"set -o pipefail; tar --sort=name -cf - -C '{data}' . | {compressor} > '{output}'"], output);

    private static long DirectorySize(string path)
        => Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static string? Which(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private sealed record Contender(string Name, string FileName, IReadOnlyList<string> Arguments, string Output)
    {
        public async Task<double> RunAsync(CancellationToken cancellationToken)
        {
            var startInfo = new ProcessStartInfo(FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in Arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(startInfo)!;
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            stopwatch.Stop();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Name} failed ({process.ExitCode}): {await stderr}{await stdout}");
            }

            return stopwatch.Elapsed.TotalSeconds;
        }
    }
}

/// <summary>
/// The benchmark folder: real DLLs from the shared framework (about half), generated text (compressible)
/// and random bytes (incompressible), from a fixed seed, made once and cached.
/// </summary>
internal static class BenchmarkData
{
    private const string CompleteMarker = ".complete";

    public static async Task EnsureAsync(string directory, long targetBytes, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(directory, CompleteMarker)))
        {
            return;
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Console.WriteLine($"generating {targetBytes / 1048576} MiB of benchmark data in {directory} ...");
        var random = new Random(20261128);
        long written = 0;

        // Real assemblies: what a publish folder is mostly made of.
        var frameworkRoot = Path.GetDirectoryName(Path.GetDirectoryName(RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/')))!;
        var dlls = Directory.EnumerateFiles(frameworkRoot, "*.dll", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).ToArray();
        var dllBudget = targetBytes / 2;
        for (var copy = 0; written < dllBudget && dlls.Length > 0; copy++)
        {
            foreach (var dll in dlls)
            {
                if (written >= dllBudget)
                {
                    break;
                }

                var target = Path.Combine(directory, "app", $"copy{copy}", Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(dll)))!, Path.GetFileName(dll));
                if (File.Exists(target))
                {
                    continue;
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(dll, target);
                written += new FileInfo(target).Length;
            }
        }

        // Text (configs, logs, sources): compresses well.
        string[] words = ["public", "static", "async", "Task", "await", "return", "var", "string", "layer", "digest", "{", "}", "(", ")", ";", "\"name\":", "\"version\":", "true", "false", "null", "using", "namespace", "class", "record"];
        var textBudget = written + targetBytes * 3 / 10;
        for (var i = 0; written < textBudget; i++)
        {
            var size = (int)Math.Min(textBudget - written, LogUniform(random, 512, 2 << 20));
            var text = new StringBuilder(size + 64);
            while (text.Length < size)
            {
                text.Append(words[random.Next(words.Length)]);
                text.Append(random.Next(8) switch { 0 => "\n    ", 1 => random.Next(100000).ToString(CultureInfo.InvariantCulture), _ => " " });
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString(0, size));
            await Write(Path.Combine(directory, "text", $"d{i % 7}", $"file{i:D4}.{(i % 3 == 0 ? "json" : "cs")}"), bytes, cancellationToken);
            written += bytes.Length;
        }

        // Random bytes (compressed assets, native blobs): do not compress.
        for (var i = 0; written < targetBytes; i++)
        {
            var bytes = new byte[(int)Math.Min(targetBytes - written, LogUniform(random, 1024, 8 << 20))];
            random.NextBytes(bytes);
            await Write(Path.Combine(directory, "random", $"d{i % 5}", $"blob{i:D4}.bin"), bytes, cancellationToken);
            written += bytes.Length;
        }

        await File.WriteAllTextAsync(Path.Combine(directory, CompleteMarker), "", cancellationToken);
    }

    private static long LogUniform(Random random, long min, long max)
        => (long)Math.Exp(Math.Log(min) + random.NextDouble() * (Math.Log(max) - Math.Log(min)));

    private static async Task Write(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
    }
}
