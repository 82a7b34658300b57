using System.Diagnostics;
using System.Text;

namespace Toolkit.Testing;

/// <summary>What an external process did.</summary>
public sealed record ExternalToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>
/// A command-line tool the tests run as an independent peer (skopeo, umoci, runc, docker-registry...). A missing tool
/// fails the test with the command that installs it; tests never skip silently.
/// </summary>
public sealed class ExternalTool
{
    public ExternalTool(string command, string installCommand)
    {
        Command = command;
        InstallCommand = installCommand;
    }

    public static ExternalTool Skopeo { get; } = new("skopeo", "sudo apt-get install -y skopeo");

    public static ExternalTool Umoci { get; } = new("umoci", "sudo apt-get install -y umoci");

    public static ExternalTool Runc { get; } = new("runc", "sudo apt-get install -y runc");

    public static ExternalTool DockerRegistry { get; } = new("docker-registry", "sudo apt-get install -y docker-registry");

    public static ExternalTool Dotnet { get; } = new("dotnet", "install the .NET SDK (see global.json)");

    public string Command { get; }

    public string InstallCommand { get; }

    /// <summary>The full path of the tool; fails with the install command when it is not on PATH.</summary>
    public string FullPath => Find() ?? throw new InvalidOperationException($"'{Command}' is not installed or not on PATH. Install it with: {InstallCommand}");

    public string? Find()
    {
        if (Path.IsPathRooted(Command))
        {
            return File.Exists(Command) ? Command : null;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            foreach (var candidate in new[] { Path.Combine(folder, Command), Path.Combine("/usr/sbin", Command), Path.Combine("/sbin", Command) })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Starts the tool without waiting (for servers); the caller owns the process.</summary>
    public Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = NewStartInfo(arguments, environment, workingDirectory);
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Command}.");
    }

    /// <summary>Runs the tool to completion and returns its exit code and output.</summary>
    public async Task<ExternalToolResult> RunAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var start = NewStartInfo(arguments, environment, workingDirectory);
        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Command} {string.Join(' ', start.ArgumentList)} did not finish in time.\nstderr:\n{stderr}");
        }

        process.WaitForExit();
        return new ExternalToolResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the tool and fails (with its output) unless it exits with 0.</summary>
    public async Task<ExternalToolResult> RunSuccessfullyAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(arguments, environment, workingDirectory, timeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Command} {string.Join(' ', arguments)} failed with {result}");
        }

        return result;
    }

    private ProcessStartInfo NewStartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var start = new ProcessStartInfo(FullPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
