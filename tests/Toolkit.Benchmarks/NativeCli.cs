using Toolkit.Testing;

namespace Toolkit.Benchmarks;

/// <summary>The CLI as users run it: <c>--cli path</c> when given (a <c>.dll</c> runs under <c>dotnet</c>), else the Native AOT build.</summary>
internal static class NativeCli
{
    /// <summary>The command that starts the CLI, publishing it first unless <c>--cli</c> names one.</summary>
    public static async Task<string[]> CommandAsync(BenchmarkArguments arguments, string repositoryRoot, CancellationToken cancellationToken)
    {
        var cli = arguments.String("cli") ?? await PublishAsync(repositoryRoot, cancellationToken);
        return cli.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", cli] : [cli];
    }

    /// <summary>The CLI as the linux-x64 tool package holds it (Native AOT), published from the current source.</summary>
    public static async Task<string> PublishAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        Console.WriteLine("publishing the CLI (Release, linux-x64, Native AOT)");
        await ExternalTool.RunCheckedAsync(
            "dotnet",
            ["publish", Path.Combine(repositoryRoot, "src", "Toolkit.Cli"), "-c", "Release", "-r", "linux-x64", "-p:NuGetLockFilePath=packages.linux-x64.lock.json"],
            cancellationToken: cancellationToken);
        return Path.Combine(repositoryRoot, "artifacts", "publish", "Toolkit.Cli", "release_linux-x64", "dotnet-toolkit");
    }
}
