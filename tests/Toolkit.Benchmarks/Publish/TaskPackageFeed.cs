using System.Globalization;
using Toolkit.Testing;

namespace Toolkit.Benchmarks.Publish;

/// <summary>
/// Packs src/Toolkit.MSBuild into a folder feed with a version no cache has seen
/// (<c>0.1.0-bench.&lt;timestamp&gt;</c>), so the apps always get the current sources.
/// </summary>
internal static class TaskPackageFeed
{
    public const string PackageId = "Toolkit.MSBuild";

    /// <summary>Packs into <paramref name="feed"/> (emptied first) and returns the package version.</summary>
    public static async Task<string> PackAsync(string repositoryRoot, string feed, string buildArtifacts, CancellationToken cancellationToken)
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
        return version;
    }
}
