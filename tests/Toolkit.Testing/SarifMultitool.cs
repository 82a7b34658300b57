using System.Text.Json;

namespace Toolkit.Testing;

/// <summary>
/// Microsoft's SARIF Multitool (npm <c>@microsoft/sarif-multitool</c>, its linux-x64 build), as <c>.ci/run</c> installs it
/// into <c>tests/peers</c> (<see cref="InstallCommand"/>). <c>validate --rule-kind "Gh;Sarif"</c> applies the SARIF
/// specification's rules and GitHub Advanced Security's ingestion rules (the GHnnnn rules) to a log. It runs without
/// network (<see cref="NetworkIsolation"/>) and with HOME in a scratch folder.
/// </summary>
public static class SarifMultitool
{
    public const string Version = "5.7.0";

    public const string InstallCommand = "npm install --prefix tests/peers --no-save";

    /// <summary>The multitool's native executable, or an exception that says how to install it.</summary>
    public static string Locate(string repositoryRoot)
    {
        var executable = Path.Combine(repositoryRoot, "tests", "peers", "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"The SARIF Multitool is not installed at {executable}; install the test peers with: {InstallCommand}");
        }

        // The package marks the file executable in a postinstall script, which npm may be configured not to run.
        var mode = File.GetUnixFileMode(executable);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(executable, mode | UnixFileMode.UserExecute);
        }

        return executable;
    }

    /// <summary>
    /// Validates <paramref name="sarifPath"/> with the SARIF and GitHub rules and returns the problems it reports, each as
    /// <c>RULE level: arguments</c> (the multitool's results are message templates with arguments); empty when there are none.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string repositoryRoot, string sarifPath, string scratch, CancellationToken cancellationToken = default)
    {
        var executable = Locate(repositoryRoot);
        var home = Path.Combine(scratch, "home");
        Directory.CreateDirectory(home);
        var output = Path.Combine(scratch, "multitool-validation.sarif");
        var (fileName, arguments) = NetworkIsolation.Wrap(
            executable,
            ["validate", "--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite", "--output", output, Path.GetFullPath(sarifPath)]);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = home,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        var result = await ExternalTool.RunAsync(fileName, arguments, scratch, environment: environment, timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken);
        if (!File.Exists(output))
        {
            throw new InvalidOperationException($"The SARIF Multitool wrote no validation log (exit {result.ExitCode}):{Environment.NewLine}{result.StandardOutput}{result.StandardError}");
        }

        using var log = JsonDocument.Parse(await File.ReadAllBytesAsync(output, cancellationToken));
        var problems = new List<string>();
        foreach (var run in log.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (!run.TryGetProperty("results", out var results))
            {
                continue;
            }

            foreach (var problem in results.EnumerateArray())
            {
                var level = problem.TryGetProperty("level", out var l) ? l.GetString() : "warning";
                var message = problem.GetProperty("message");
                var text = message.TryGetProperty("arguments", out var args)
                    ? string.Join(" | ", args.EnumerateArray().Select(a => a.GetString()))
                    : message.TryGetProperty("text", out var t) ? t.GetString() : string.Empty;
                problems.Add($"{problem.GetProperty("ruleId").GetString()} {level}: {text}");
            }
        }

        return problems;
    }
}
