using System.Diagnostics;
using System.Text;

namespace Toolkit.Testing;

/// <summary>What an external process did: its exit code and everything it wrote.</summary>
public sealed record ExternalToolResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, byte[] StandardOutputBytes, string StandardError)
{
    /// <summary>Standard output as UTF-8 text.</summary>
    public string StandardOutput => Encoding.UTF8.GetString(StandardOutputBytes);

    /// <summary>Throws with the command line, exit code and standard error unless the exit code is 0.</summary>
    public ExternalToolResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{FileName} {string.Join(' ', Arguments)}' exited with {ExitCode}.{Environment.NewLine}{StandardError}{StandardOutput}");
        }

        return this;
    }
}

/// <summary>
/// Runs real tools (tar, gzip, umoci, skopeo, ...) from tests. A tool that is not installed fails the
/// test with the command that installs it: tests that need a binary never skip silently.
/// </summary>
public static class ExternalTool
{
    /// <summary>Debian packages of the tools tests use, for the install hint.</summary>
    private static readonly Dictionary<string, string> DebianPackages = new(StringComparer.Ordinal)
    {
        ["tar"] = "tar",
        ["gzip"] = "gzip",
        ["pigz"] = "pigz",
        ["zstd"] = "zstd",
        ["mkfifo"] = "coreutils",
        ["sha256sum"] = "coreutils",
        ["umoci"] = "umoci",
        ["skopeo"] = "skopeo",
        ["runc"] = "runc",
        ["buildah"] = "buildah",
        ["busybox"] = "busybox-static",
        ["docker-registry"] = "docker-registry",
        ["python3"] = "python3",
        ["go"] = "golang-go",
        ["dotnet"] = "dotnet-sdk-10.0 (or see https://dotnet.microsoft.com/download)",
        ["git"] = "git",
        ["chown"] = "coreutils",
        ["clang"] = "clang zlib1g-dev",
        ["dpkg-query"] = "dpkg",
        ["rpm"] = "rpm",
        ["rpmbuild"] = "rpm",
        ["unshare"] = "util-linux",
        ["node"] = "nodejs",
        ["npm"] = "npm",
        ["patch"] = "patch",
    };

    /// <summary>The full path of <paramref name="fileName"/> on PATH, or null.</summary>
    public static string? Find(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (Path.IsPathRooted(fileName))
        {
            return File.Exists(fileName) ? fileName : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The full path of a tool, or an exception that says how to install it.</summary>
    public static string Require(string fileName)
        => Find(fileName) ?? throw new InvalidOperationException(
            $"'{fileName}' is not installed; this test needs it. Install it with: sudo apt-get install -y "
            + (DebianPackages.TryGetValue(Path.GetFileName(fileName), out var package) ? package : fileName));

    /// <summary>
    /// Runs a tool (found on PATH) to completion and captures its output; a non-zero exit code is
    /// returned, not thrown. <c>standardInput</c> is written to the tool's standard input when given.
    /// </summary>
    public static async Task<ExternalToolResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string? workingDirectory = null,
        byte[]? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var executable = Require(fileName);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromMinutes(10));
        cancellationToken = deadline.Token;
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start '{executable}'.");
        using var output = new MemoryStream();
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(standardInput, cancellationToken);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            await stdout;
            return new ExternalToolResult(fileName, arguments, process.ExitCode, output.ToArray(), await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Runs a tool and throws unless it exits with 0 within <paramref name="timeout"/> (default 10 minutes).</summary>
    public static async Task<ExternalToolResult> RunCheckedAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return (await RunAsync(fileName, arguments, workingDirectory, environment: environment, timeout: timeout, cancellationToken: cancellationToken)).EnsureSuccess();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish within {timeout ?? TimeSpan.FromMinutes(10)}.");
        }
    }

    /// <summary>Starts a tool without waiting (a server); the caller owns, stops and disposes the process.</summary>
    public static Process Start(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var startInfo = new ProcessStartInfo(Require(fileName))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        return Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
    }
}
