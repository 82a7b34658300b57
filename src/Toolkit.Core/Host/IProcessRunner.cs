using System.Diagnostics;
using System.Text;

namespace Toolkit.Core.Host;

/// <summary>The outcome of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs external programs (git, credential helpers); injected so tests can substitute it.</summary>
public interface IProcessRunner
{
    /// <summary>Runs a program to completion. Throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot start.</summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken cancellationToken);

    /// <summary>Runs a program to completion with <paramref name="standardInput"/> written to its standard input (then closed).</summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, string? standardInput, CancellationToken cancellationToken)
        => standardInput is null
            ? RunAsync(fileName, arguments, workingDirectory, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} cannot write to standard input.");
}

/// <summary>Runs programs with <see cref="Process"/>, capturing standard output and error.</summary>
public sealed class ProcessRunner : IProcessRunner
{
    public static ProcessRunner Instance { get; } = new();

    public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
        => RunAsync(fileName, arguments, workingDirectory, null, cancellationToken);

    public async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, string? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new System.ComponentModel.Win32Exception($"'{fileName}' did not start.");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
