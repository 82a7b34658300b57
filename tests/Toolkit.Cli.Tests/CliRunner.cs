using Toolkit.Testing;

namespace Toolkit.Cli.Tests;

/// <summary>Runs <c>dotnet toolkit</c> in this process (fast) or as a real child process.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunInProcessAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ToolkitCommandLine.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs in this process with registry clients from <paramref name="registryClients"/> instead of the build's own.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunInProcessAsync(
        Func<Toolkit.Core.Registry.RegistryConnectionOptions, Toolkit.Core.Registry.IRegistryClientFactory> registryClients, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ToolkitCommandLine.RunAsync(args, output, error, (options, _) => registryClients(options));
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs in this process as if standard error were <paramref name="terminal"/> (e.g. an interactive one of a given width).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunInProcessAsync(
        Func<Toolkit.Core.Registry.RegistryConnectionOptions, Toolkit.Core.Registry.IRegistryClientFactory> registryClients, Progress.CliTerminal terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ToolkitCommandLine.RunAsync(args, output, error, (options, _) => registryClients(options), terminal);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The CLI as its own process, as users run it (<c>dotnet dotnet-toolkit.dll ...</c>).</summary>
    public static Task<ExternalToolResult> RunProcessAsync(IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dotnet-toolkit.dll");
        return ExternalTool.RunAsync("dotnet", [dll, .. args], workingDirectory, environment: environment, timeout: TimeSpan.FromMinutes(2));
    }
}
