using System.Diagnostics;
using System.Text;

namespace Toolkit.Benchmarks.Publish;

/// <summary>Wall and CPU time of one finished command, with what it printed.</summary>
internal sealed record CommandTiming(double WallSeconds, double CpuSeconds, string Output);

/// <summary>A command line run to completion and timed: wall clock, plus user+system CPU of the reaped process tree.</summary>
internal sealed record TimedCommand(string Name, string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment)
{
    public string Display => $"{FileName} {string.Join(' ', Arguments)}";

    public async Task<CommandTiming> RunAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (var argument in Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in Environment)
        {
            startInfo.Environment[key] = value;
        }

        var output = new StringBuilder();
        var cpuBefore = Measurements.ChildrenCpuSeconds();
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        stopwatch.Stop();
        var cpu = Measurements.ChildrenCpuSeconds() - cpuBefore;
        output.Append(await stdout).Append(await stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Name} failed ({process.ExitCode}): {Display}{System.Environment.NewLine}{Tail(output.ToString(), 60)}");
        }

        return new CommandTiming(stopwatch.Elapsed.TotalSeconds, cpu, output.ToString());
    }

    private static string Tail(string text, int lines)
        => string.Join('\n', text.Split('\n').TakeLast(lines));
}
