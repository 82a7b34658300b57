using System.Globalization;
using Toolkit.Testing;

namespace Toolkit.Cli.Tests;

/// <summary>
/// The CLI packed as users get it (the pointer package, the Native AOT linux-x64 package and the framework-dependent
/// <c>any</c> package, as build/build.cake's Pack makes them) and installed with <c>dotnet tool install</c> into a
/// tool path, once for every test of the collection: the native compile costs most of a minute.
/// </summary>
public sealed class InstalledTool : IAsyncLifetime
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);
    private readonly TemporaryDirectory _root = new("tk-tool");

    /// <summary>The unique version every package of the feed has.</summary>
    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public string FeedDirectory => _root.Combine("feed");

    public string ToolPath => _root.Combine("tools");

    /// <summary>The command <c>dotnet tool install</c> put on the tool path.</summary>
    public string Command => Path.Combine(ToolPath, "dotnet-toolkit");

    /// <summary>A folder for the tests' own files.</summary>
    public string Scratch => _root.Combine("scratch");

    public async Task InitializeAsync()
    {
        ExternalTool.Require("clang");
        Directory.CreateDirectory(Scratch);
        var project = Path.Combine(TestPaths.RepositoryRoot, "src", "Toolkit.Cli", "Toolkit.Cli.csproj");
        using var timeout = new CancellationTokenSource(PackTimeout);

        // The pointer package from the build the tests run on; the RID-specific packs restore and build into their own
        // artifacts folder, so the repository's build output is untouched.
        string[] common = ["-c", TestPaths.BuildConfiguration, "-o", FeedDirectory, $"-p:Version={Version}"];
        await PackAsync([project, "--no-build", $"-p:NuspecOutputPath={_root.Combine("nuspec")}{Path.DirectorySeparatorChar}", .. common], timeout.Token);
        string[] isolated = [.. common, $"-p:ArtifactsPath={_root.Combine("artifacts")}"];
        await PackAsync([project, "-r", "linux-x64", "-p:NuGetLockFilePath=packages.linux-x64.lock.json", .. isolated], timeout.Token);
        await PackAsync([project, "-r", "any", "-p:PublishAot=false", "-p:NuGetLockFilePath=packages.any.lock.json", .. isolated], timeout.Token);

        // A fresh packages folder: the install can only come from this feed.
        var install = await DotNet.RunAsync(
            ["tool", "install", "Toolkit.Cli", "--tool-path", ToolPath, "--add-source", FeedDirectory, "--version", Version],
            _root.Path,
            _root.Combine("install-packages"),
            cancellationToken: timeout.Token);
        install.EnsureSuccess();
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs the installed command.</summary>
    public Task<ExternalToolResult> RunAsync(params string[] args)
        => ExternalTool.RunAsync(Command, args, Scratch, timeout: TimeSpan.FromMinutes(2));

    private async Task PackAsync(string[] arguments, CancellationToken cancellationToken)
    {
        // The user's packages folder: the AOT compiler package is large and the same for every run.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var result = await DotNet.RunAsync(["pack", .. arguments], TestPaths.RepositoryRoot, packages, cancellationToken: cancellationToken);
        result.EnsureSuccess();
    }
}

[CollectionDefinition(Name)]
public sealed class InstalledToolCollection : ICollectionFixture<InstalledTool>
{
    public const string Name = "Toolkit.Cli installed as a tool";
}
