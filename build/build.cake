// The repository's build, run by ./build.sh and ./build.ps1 with the Cake .NET tool (see .config/dotnet-tools.json).
//   Default   build the toolkit, then the sample app's image through the Cake addin (build/image.cake) into artifacts/image
//   Test      run every test project; writes artifacts/test-results/*.trx and summary.txt ("N passed, N failed, N skipped")
//   Pack      the NuGet packages (CLI tool, MSBuild tasks, Cake addin) into artifacts/packages
//   Bench     the benchmark harness (tests/Toolkit.Benchmarks); not part of Test
// Arguments: --configuration=Release|Debug, --base=<image location> (the sample image's base, default scratch),
//            --push=<registry/repo:tag> (also push the sample image there), --insecure-registry=<host:port>.

using System.Xml.Linq;

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var baseImage = Argument("base", "scratch");
var pushTo = Argument("push", string.Empty);
var insecureRegistry = Argument("insecure-registry", string.Empty);

var repo = MakeAbsolute(Directory(".."));

// A local base given relative to the repository root (where build.sh runs) becomes absolute for build/image.cake.
foreach (var prefix in new[] { "oci:", "oci-archive:", "docker-archive:" })
{
    if (baseImage.StartsWith(prefix) && !System.IO.Path.IsPathRooted(baseImage.Substring(prefix.Length)))
    {
        baseImage = prefix + repo.FullPath + "/" + baseImage.Substring(prefix.Length);
    }
}
var solution = repo.CombineWithFilePath("Toolkit.sln");
var artifacts = repo.Combine("artifacts");
var testResults = artifacts.Combine("test-results");
var isCi = EnvironmentVariable("CI") == "true";

Task("Restore")
    .Does(() =>
{
    DotNetRestore(solution.FullPath, new DotNetRestoreSettings
    {
        // CI restores exactly what the lock files say.
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("RestoreLockedMode", isCi ? "true" : "false"),
    });
});

Task("Build")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("ContinuousIntegrationBuild", "true"),
    });

    // A stable place for build/image.cake's #r, whatever the configuration.
    var addinOutput = artifacts.Combine("bin/Toolkit.Cake").Combine(configuration.ToLowerInvariant());
    var addin = artifacts.Combine("addin");
    EnsureDirectoryExists(addin);
    CleanDirectory(addin);
    CopyFiles(GetFiles(addinOutput.FullPath + "/*.dll"), addin);
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    EnsureDirectoryExists(testResults);
    CleanDirectory(testResults);
    var failedProjects = new List<string>();
    foreach (var project in GetFiles(repo.FullPath + "/tests/*.Tests/*.Tests.csproj").OrderBy(p => p.FullPath))
    {
        var name = project.GetFilenameWithoutExtension().FullPath;
        try
        {
            DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                NoRestore = true,
                ResultsDirectory = testResults,
                Loggers = { $"trx;LogFileName={name}.trx", "console;verbosity=normal" },
            });
        }
        catch (Exception e)
        {
            failedProjects.Add(name);
            Error("{0}: {1}", name, e.Message);
        }
    }

    // One line summing every test project, for people and for CI (.ci/run prints it last).
    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in GetFiles(testResults.FullPath + "/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        int Count(string attribute) => int.Parse(counters.Attribute(attribute)?.Value ?? "0");
        passed += Count("passed");
        failed += Count("failed") + Count("error") + Count("timeout") + Count("aborted");
        skipped += Count("notExecuted");
    }

    var summary = $"{passed} passed, {failed} failed, {skipped} skipped";
    System.IO.File.WriteAllText(testResults.CombineWithFilePath("summary.txt").FullPath, summary + "\n");
    Information(summary);
    if (failedProjects.Count > 0 || failed > 0)
    {
        throw new Exception($"Tests failed in: {string.Join(", ", failedProjects)}");
    }
});

Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    var packages = artifacts.Combine("packages");
    EnsureDirectoryExists(packages);

    // The CLI is a RID-specific tool (src/Toolkit.Cli/Toolkit.Cli.csproj): a pointer package, a Native AOT package for
    // linux-x64 (needs clang) and a framework-dependent 'any' package for every other platform. AOT cannot cross
    // operating systems, so elsewhere the pointer names 'any' only. Each RID-specific pack restores for its RID, so it
    // has its own lock files (packages.<rid>.lock.json), which CI checks like the others.
    var aot = OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64;
    DotNetMSBuildSettings ToolSettings()
        => aot ? new DotNetMSBuildSettings() : new DotNetMSBuildSettings().WithProperty("ToolPackageRuntimeIdentifiers", "any");
    var cli = repo.CombineWithFilePath("src/Toolkit.Cli/Toolkit.Cli.csproj").FullPath;
    DotNetPack(cli, new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        NoRestore = true,
        OutputDirectory = packages,
        MSBuildSettings = ToolSettings(),
    });
    foreach (var project in new[] { "src/Toolkit.MSBuild/Toolkit.MSBuild.csproj", "src/Toolkit.Cake/Toolkit.Cake.csproj" })
    {
        DotNetPack(repo.CombineWithFilePath(project).FullPath, new DotNetPackSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            OutputDirectory = packages,
        });
    }

    foreach (var rid in aot ? new[] { "linux-x64", "any" } : new[] { "any" })
    {
        var settings = ToolSettings()
            .WithProperty("NuGetLockFilePath", $"packages.{rid}.lock.json")
            .WithProperty("RestoreLockedMode", isCi ? "true" : "false");
        if (rid == "any")
        {
            settings = settings.WithProperty("PublishAot", "false");
        }

        DotNetPack(cli, new DotNetPackSettings
        {
            Configuration = configuration,
            Runtime = rid,
            OutputDirectory = packages,
            MSBuildSettings = settings,
        });
    }
});

Task("Image")
    .IsDependentOn("Build")
    .Does(() =>
{
    // A second Cake run: its script loads the addin that the Build task just compiled.
    var arguments = new ProcessArgumentBuilder()
        .Append("cake")
        .AppendQuoted(repo.CombineWithFilePath("build/image.cake").FullPath)
        .Append($"--configuration={configuration}")
        .AppendQuoted($"--base={baseImage}");
    if (!string.IsNullOrEmpty(pushTo))
    {
        arguments.AppendQuoted($"--push={pushTo}");
    }

    if (!string.IsNullOrEmpty(insecureRegistry))
    {
        arguments.AppendQuoted($"--insecure-registry={insecureRegistry}");
    }

    var exitCode = StartProcess("dotnet", new ProcessSettings { Arguments = arguments, WorkingDirectory = repo.Combine("build") });
    if (exitCode != 0)
    {
        throw new Exception($"build/image.cake failed with exit code {exitCode}.");
    }
});

Task("Bench")
    .Does(() =>
{
    DotNetRun(repo.CombineWithFilePath("tests/Toolkit.Benchmarks/Toolkit.Benchmarks.csproj").FullPath, new ProcessArgumentBuilder().Append(Argument("bench", "all")), new DotNetRunSettings
    {
        Configuration = "Release",
    });
});

Task("Default")
    .IsDependentOn("Image");

RunTarget(target);
