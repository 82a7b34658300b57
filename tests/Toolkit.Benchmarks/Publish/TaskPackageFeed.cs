using System.Globalization;
using System.IO.Compression;
using Toolkit.Testing;

namespace Toolkit.Benchmarks.Publish;

/// <summary>
/// Packs src/Toolkit.MSBuild into a folder feed with a version no cache has seen
/// (<c>0.1.0-bench.&lt;timestamp&gt;</c>), so the apps always get the current sources.
/// </summary>
internal static class TaskPackageFeed
{
    public const string PackageId = "Toolkit.MSBuild";

    /// <summary>
    /// Packs into <paramref name="feed"/> (emptied first) and returns the package version. With
    /// <paramref name="readyToRun"/>, the task assemblies in the package are replaced by ReadyToRun
    /// (crossgen2, linux-x64) compiles of the same build: an experiment, the product package stays IL only.
    /// </summary>
    public static async Task<string> PackAsync(string repositoryRoot, string feed, string buildArtifacts, bool readyToRun, CancellationToken cancellationToken)
    {
        if (Directory.Exists(feed))
        {
            Directory.Delete(feed, recursive: true);
        }

        Directory.CreateDirectory(feed);
        var version = $"0.1.0-bench.{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";

        // PackageVersion only (not Version) so the assemblies stay incremental; a separate ArtifactsPath
        // so the pack never rewrites the outputs the running benchmark (or another build) uses.
        await ExternalTool.RunCheckedAsync(
            "dotnet",
            ["pack", Path.Combine(repositoryRoot, "src", PackageId, $"{PackageId}.csproj"), "-c", "Release", "-o", feed,
             $"-p:PackageVersion={version}", $"-p:ArtifactsPath={buildArtifacts}", "-nodeReuse:false", "-v:q", "-nologo"],
            workingDirectory: repositoryRoot,
            timeout: TimeSpan.FromMinutes(10),
            cancellationToken: cancellationToken);
        if (readyToRun)
        {
            await ReplaceWithReadyToRunAsync(repositoryRoot, Path.Combine(feed, $"{PackageId}.{version}.nupkg"), buildArtifacts, cancellationToken);
        }

        return version;
    }

    private static async Task ReplaceWithReadyToRunAsync(string repositoryRoot, string package, string buildArtifacts, CancellationToken cancellationToken)
    {
        var compiled = Path.Combine(buildArtifacts, "r2r-publish");
        if (Directory.Exists(compiled))
        {
            Directory.Delete(compiled, recursive: true);
        }

        // The lock file goes elsewhere: a RID-specific restore must not rewrite the project's packages.lock.json.
        await ExternalTool.RunCheckedAsync(
            "dotnet",
            ["publish", Path.Combine(repositoryRoot, "src", PackageId, $"{PackageId}.csproj"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
             "-p:PublishReadyToRun=true", $"-p:ArtifactsPath={buildArtifacts}", $"-p:NuGetLockFilePath={Path.Combine(buildArtifacts, "r2r.packages.lock.json")}",
             "-o", compiled, "-nodeReuse:false", "-v:q", "-nologo"],
            workingDirectory: repositoryRoot,
            timeout: TimeSpan.FromMinutes(10),
            cancellationToken: cancellationToken);

        using var archive = ZipFile.Open(package, ZipArchiveMode.Update);
        foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith("tasks/", StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.Ordinal)).ToArray())
        {
            var replacement = Path.Combine(compiled, entry.Name);
            if (!File.Exists(replacement))
            {
                throw new InvalidOperationException($"The ReadyToRun publish has no {entry.Name}.");
            }

            var name = entry.FullName;
            entry.Delete();
            archive.CreateEntryFromFile(replacement, name, CompressionLevel.Optimal);
        }
    }
}
