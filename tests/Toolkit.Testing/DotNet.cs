namespace Toolkit.Testing;

/// <summary>Runs the .NET CLI that runs the tests, as a user would run it, with no build servers left behind.</summary>
public static class DotNet
{
    /// <summary>The dotnet host running the tests (so the same SDK), else <c>dotnet</c> on PATH.</summary>
    public static string HostPath { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/>. <paramref name="packagesDirectory"/> becomes
    /// NUGET_PACKAGES, so restores never read or fill the user's package cache.
    /// </summary>
    public static Task<ExternalToolResult> RunAsync(
        IReadOnlyList<string> arguments,
        string workingDirectory,
        string packagesDirectory,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NUGET_PACKAGES"] = packagesDirectory,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            // The machine is shared: no MSBuild nodes, compiler or MSBuild servers outlive the command.
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return ExternalTool.RunAsync(HostPath, arguments, workingDirectory, environment: variables, cancellationToken: cancellationToken);
    }
}
