using System.Xml.Linq;

namespace Toolkit.Benchmarks.Publish;

/// <summary>
/// A copy of samples/Sample.Api outside the repository's build configuration: a standalone project
/// with the versions from the repository's Directory.Packages.props written out, plus a reference to
/// the freshly packed task package. The benchmark's builds never touch the sample itself.
/// </summary>
internal static class BenchmarkApp
{
    public const string AssemblyName = "Sample.Api";

    /// <summary>
    /// Files next to the apps that stop MSBuild and NuGet from reading the repository's own: empty
    /// Directory.Build.* and Directory.Packages.props, and a NuGet.config with the bench feed (mapped
    /// for our package only), nuget.org, and an isolated packages folder.
    /// </summary>
    public static void WriteIsolation(string benchRoot, string feed, string packagesFolder)
    {
        Directory.CreateDirectory(benchRoot);
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(benchRoot, name), "<Project>\n  <!-- Stops MSBuild from importing the repository's file: the benchmark apps are standalone. -->\n</Project>\n");
        }

        var userPackages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallback = Directory.Exists(userPackages)
            ? new XElement("fallbackPackageFolders", new XElement("clear"), new XElement("add", new XAttribute("key", "user"), new XAttribute("value", userPackages)))
            : null;
        var config = new XElement(
            "configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", packagesFolder))),
            new XElement(
                "packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "bench"), new XAttribute("value", feed)),
                new XElement("add", new XAttribute("key", "nuget.org"), new XAttribute("value", "https://api.nuget.org/v3/index.json"))),
            new XElement(
                "packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "bench"), new XElement("package", new XAttribute("pattern", TaskPackageFeed.PackageId))),
                new XElement("packageSource", new XAttribute("key", "nuget.org"), new XElement("package", new XAttribute("pattern", "*")))),
            fallback);
        new XDocument(config).Save(Path.Combine(benchRoot, "NuGet.config"));
    }

    /// <summary>Copies the sample's sources to <paramref name="directory"/> and writes a standalone project; returns its path.</summary>
    public static string Create(string repositoryRoot, string directory, string packageVersion)
    {
        var sample = Path.Combine(repositoryRoot, "samples", AssemblyName);
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(sample))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".cs", StringComparison.Ordinal) || (name.EndsWith(".json", StringComparison.Ordinal) && name != "packages.lock.json"))
            {
                CopyIfChanged(file, Path.Combine(directory, name));
            }
        }

        var centralVersions = XDocument.Load(Path.Combine(repositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var project = XDocument.Load(Path.Combine(sample, $"{AssemblyName}.csproj"));
        var root = project.Root!;
        foreach (var reference in root.Descendants("PackageReference").Where(r => r.Attribute("Version") is null))
        {
            var id = (string)reference.Attribute("Include")!;
            reference.SetAttributeValue("Version", centralVersions.TryGetValue(id, out var version)
                ? version
                : throw new InvalidOperationException($"{id} has no PackageVersion in Directory.Packages.props."));
        }

        // What the repository's Directory.Build.props gives every project and the sample relies on.
        root.AddFirst(new XElement(
            "PropertyGroup",
            new XElement("TargetFramework", "net10.0"),
            new XElement("Nullable", "enable"),
            new XElement("ImplicitUsings", "enable"),
            new XElement("ManagePackageVersionsCentrally", "false"),
            new XElement("SatelliteResourceLanguages", "en"),
            new XElement("AssemblyName", AssemblyName)));
        root.Add(new XElement(
            "ItemGroup",
            new XElement("PackageReference", new XAttribute("Include", TaskPackageFeed.PackageId), new XAttribute("Version", packageVersion), new XAttribute("PrivateAssets", "all"))));
        var projectPath = Path.Combine(directory, $"{AssemblyName}.csproj");
        var text = project.ToString() + Environment.NewLine;
        if (!File.Exists(projectPath) || File.ReadAllText(projectPath) != text)
        {
            File.WriteAllText(projectPath, text);
        }

        return projectPath;
    }

    private static void CopyIfChanged(string source, string target)
    {
        if (!File.Exists(target) || !File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(target)))
        {
            File.Copy(source, target, overwrite: true);
        }
    }
}
