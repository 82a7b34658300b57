using System.Globalization;
using System.Xml.Linq;

namespace Toolkit.Testing;

/// <summary>
/// A folder feed with freshly packed src projects under a unique prerelease version, and an empty
/// NuGet packages folder for whatever restores from it, so that no cached package of an earlier run
/// can stand in for the code under test.
/// </summary>
public sealed class LocalPackageFeed : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);
    private readonly TemporaryDirectory _root;

    private LocalPackageFeed(TemporaryDirectory root, string version)
    {
        _root = root;
        Version = version;
        Directory.CreateDirectory(FeedDirectory);
        Directory.CreateDirectory(PackagesDirectory);
    }

    /// <summary>The unique version every package in the feed has, e.g. <c>0.1.0-test.20250101120000123</c>.</summary>
    public string Version { get; }

    /// <summary>The folder with the .nupkg files.</summary>
    public string FeedDirectory => _root.Combine("feed");

    /// <summary>An empty NuGet global packages folder: use it as NUGET_PACKAGES for every restore from this feed.</summary>
    public string PackagesDirectory => _root.Combine("packages");

    /// <summary>The folder under which tests may put their own files; deleted with the feed.</summary>
    public string Root => _root.Path;

    /// <summary>
    /// Packs the given projects (paths relative to the repository root) from the build output the tests
    /// were built with (<c>--no-build</c>, same configuration), so the package holds the code under test.
    /// </summary>
    public static async Task<LocalPackageFeed> PackAsync(IReadOnlyList<string> projects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projects);
        var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var feed = new LocalPackageFeed(new TemporaryDirectory("tk-feed"), version);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PackTimeout);
            foreach (var project in projects)
            {
                var result = await DotNet.RunAsync(
                    [
                        "pack", Path.Combine(TestPaths.RepositoryRoot, project),
                        "--no-build", "-c", TestPaths.BuildConfiguration,
                        "-o", feed.FeedDirectory,
                        $"-p:Version={version}",
                        // Keeps the generated .nuspec out of the repository's obj folder.
                        $"-p:NuspecOutputPath={feed._root.Combine("nuspec")}{Path.DirectorySeparatorChar}",
                    ],
                    TestPaths.RepositoryRoot,
                    feed.PackagesDirectory,
                    cancellationToken: timeout.Token);
                result.EnsureSuccess();
            }

            return feed;
        }
        catch
        {
            feed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a NuGet.config into <paramref name="directory"/> with this feed first and then the
    /// repository's own package sources (so a restore reaches only what the repository's restore reaches).
    /// </summary>
    public void WriteNuGetConfig(string directory)
    {
        var repositoryConfig = XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, "NuGet.config"));
        var sources = repositoryConfig.Root?.Element("packageSources")?.Elements("add") ?? [];
        var config = new XDocument(
            new XElement("configuration",
                new XElement("packageSources",
                    new XElement("clear"),
                    new XElement("add", new XAttribute("key", "toolkit-test-feed"), new XAttribute("value", FeedDirectory)),
                    sources.Select(s => new XElement(s))),
                new XElement("config",
                    new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", PackagesDirectory)))));
        config.Save(Path.Combine(directory, "NuGet.config"));
    }

    public void Dispose() => _root.Dispose();
}
