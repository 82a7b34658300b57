using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.NuGet;

namespace Toolkit.Core.Tests.Sbom.NuGet;

/// <summary>
/// The sample app, restored for real, against what NuGet itself wrote: its <c>packages.lock.json</c> (versions, content
/// hashes, direct or transitive, dependencies), the .nupkg files (hashed here) and the nuspecs (read here as plain XML).
/// </summary>
[Collection(RestoredProjectsCollection.Name)]
public sealed class NuGetCatalogerSampleTests(RestoredSample sample)
{
    [Fact]
    public async Task Every_package_of_the_lock_file_is_a_component_with_its_version_hashes_and_licence()
    {
        // Given the sample's lock file
        var locked = LockedPackages(sample.LockFilePath);
        Assert.NotEmpty(locked);

        // When
        var result = await new NuGetCataloger().CatalogAsync(sample.ProjectPath, null, CancellationToken.None);

        // Then each locked package is one component, with the SHA-512 of its .nupkg and NuGet's content hash
        var components = result.Components.ToDictionary(c => c.BomRef, StringComparer.Ordinal);
        foreach (var package in locked.Values.DistinctBy(p => p.Purl))
        {
            Assert.True(components.TryGetValue(package.Purl, out var component), $"{package.Purl} is missing");
            Assert.Equal(package.Purl, component.Purl);
            Assert.Equal(package.Id, component.Name);
            Assert.Equal(package.Version, component.Version);
            Assert.Equal(SbomComponentType.Library, component.Type);
            Assert.Equal(SbomComponentScope.Required, component.Scope);
            Assert.Equal(Convert.ToHexStringLower(Convert.FromBase64String(package.ContentHash)), Property(component, NuGetProperties.ContentHash));

            var folder = Path.Combine(sample.PackagesFolder, package.Id.ToLowerInvariant(), package.Version.ToLowerInvariant());
            var nupkg = Path.Combine(folder, $"{package.Id.ToLowerInvariant()}.{package.Version.ToLowerInvariant()}.nupkg");
            var fileHash = Convert.ToHexStringLower(SHA512.HashData(File.ReadAllBytes(nupkg)));
            Assert.Equal([new SbomHash("SHA-512", fileHash)], component.Hashes);

            AssertLicenceAsDeclared(Path.Combine(folder, $"{package.Id.ToLowerInvariant()}.nuspec"), component);
            Assert.Equal(package.Direct ? "direct" : "transitive", Property(component, NuGetProperties.Dependency));
        }

        // And only these packages, and the project
        Assert.Equal(
            locked.Values.Select(p => p.Purl).Append("project:Sample.Api").Distinct().Order(StringComparer.Ordinal),
            result.Components.Select(c => c.BomRef));
    }

    [Fact]
    public async Task Packages_name_the_targets_they_are_in()
    {
        // Given the targets of the assets file (the lock file lists a RID target's packages only where they differ)
        var targets = AssetsTargets(sample.AssetsPath);
        Assert.Equal(["net10.0", "net10.0/linux-x64"], targets.Keys.Order(StringComparer.Ordinal));

        // When
        var result = await new NuGetCataloger().CatalogAsync(sample.ProjectPath, null, CancellationToken.None);

        // Then
        foreach (var purl in targets.Values.SelectMany(p => p).Distinct())
        {
            var component = result.Components.Single(c => c.BomRef == purl);
            Assert.Equal(
                targets.Where(t => t.Value.Contains(purl)).Select(t => t.Key).Order(StringComparer.Ordinal),
                component.Properties.Where(p => p.Key == NuGetProperties.Target).Select(p => p.Value));
        }
    }

    [Fact]
    public async Task The_dependency_graph_has_every_edge_of_the_lock_file_and_the_project_at_its_root()
    {
        var locked = LockedPackages(sample.LockFilePath);

        var result = await new NuGetCataloger().CatalogAsync(sample.ProjectPath, null, CancellationToken.None);

        // Then every dependency NuGet resolved in a target is an edge to the version of that target
        var graph = result.Dependencies.ToDictionary(d => d.Ref, d => d.DependsOn, StringComparer.Ordinal);
        var edges = 0;
        foreach (var package in locked.Values)
        {
            foreach (var dependency in package.Dependencies)
            {
                if (locked.TryGetValue((package.Target, dependency), out var resolved))
                {
                    Assert.Contains(resolved.Purl, graph[package.Purl]);
                    edges++;
                }
            }
        }

        Assert.True(edges > 10, $"only {edges} edges checked");

        // And the project is the root: an application depending on its direct packages
        Assert.Equal(["project:Sample.Api"], result.Roots);
        var project = result.Components.Single(c => c.BomRef == "project:Sample.Api");
        Assert.Equal(SbomComponentType.Application, project.Type);
        Assert.Equal("Sample.Api", project.Name);
        Assert.Equal(
            locked.Values.Where(p => p.Direct).Select(p => p.Purl).Distinct().Order(StringComparer.Ordinal),
            graph["project:Sample.Api"]);
        Assert.Contains(new KeyValuePair<string, string>(NuGetProperties.FrameworkReference, "Microsoft.AspNetCore.App"), project.Properties);

        // And every component is in the graph, and every edge ends at a component
        var refs = result.Components.Select(c => c.BomRef).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(refs.Order(StringComparer.Ordinal), graph.Keys.Order(StringComparer.Ordinal));
        Assert.All(graph.Values.SelectMany(d => d), r => Assert.Contains(r, refs));
    }

    [Fact]
    public async Task A_runtime_identifier_keeps_only_the_packages_of_that_runtime()
    {
        var targets = AssetsTargets(sample.AssetsPath);

        var result = await new NuGetCataloger().CatalogAsync(
            sample.ProjectPath, new NuGetCatalogOptions { RuntimeIdentifier = "linux-x64" }, CancellationToken.None);

        Assert.Equal(
            targets["net10.0/linux-x64"].Order(StringComparer.Ordinal),
            result.Components.Where(c => c.Purl is not null).Select(c => c.BomRef));
        Assert.All(
            result.Components,
            c => Assert.Equal(["net10.0/linux-x64"], c.Properties.Where(p => p.Key == NuGetProperties.Target).Select(p => p.Value)));
        Assert.Empty(result.Notes);
    }

    [Fact]
    public async Task The_result_is_the_same_every_time()
    {
        var first = await new NuGetCataloger().CatalogAsync(sample.ProjectPath, null, CancellationToken.None);
        var second = await new NuGetCataloger().CatalogAsync(Path.GetDirectoryName(sample.ProjectPath)!, null, CancellationToken.None);

        Assert.Equal(Describe(first), Describe(second));
    }

    internal static string Describe(CatalogResult result)
        => string.Join(
            "\n",
            result.Components.Select(c =>
                $"{c.BomRef}|{c.Type}|{c.Scope}|{c.Name}|{c.Version}|{string.Join(",", c.Hashes)}|{string.Join(",", c.Licenses)}|"
                + $"{string.Join(",", c.Properties)}|{string.Join(",", c.Evidence)}|{c.Description}")
                .Concat(result.Dependencies.Select(d => $"{d.Ref}->{string.Join(",", d.DependsOn)}"))
                .Concat(result.Notes)
                .Concat(result.Roots));

    internal static string? Property(SbomComponent component, string name)
        => component.Properties.SingleOrDefault(p => p.Key == name).Value;

    /// <summary>The licence a nuspec declares, read as XML, must be the component's: expression, file or URL.</summary>
    internal static void AssertLicenceAsDeclared(string nuspecPath, SbomComponent component)
    {
        var metadata = XDocument.Load(nuspecPath).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        var license = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "license");
        var licenseUrl = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "licenseUrl")?.Value.Trim();
        var actual = Assert.Single(component.Licenses);
        switch ((string?)license?.Attribute("type"))
        {
            case "expression":
                Assert.Equal(license!.Value.Trim(), actual.Id ?? actual.Expression);
                Assert.Null(actual.Url);
                break;
            case "file":
                Assert.Contains(license!.Value.Trim(), actual.Name, StringComparison.Ordinal);
                break;
            default:
                Assert.NotNull(licenseUrl);
                Assert.Equal(licenseUrl, actual.Url);
                break;
        }
    }

    /// <summary>The purls of the packages of each target of an assets file, read as plain JSON.</summary>
    internal static Dictionary<string, HashSet<string>> AssetsTargets(string assetsFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(assetsFile));
        return document.RootElement.GetProperty("targets").EnumerateObject().ToDictionary(
            t => t.Name,
            t => t.Value.EnumerateObject()
                .Where(l => l.Value.GetProperty("type").GetString() == "package")
                .Select(l => "pkg:nuget/" + l.Name.Replace('/', '@'))
                .ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    internal sealed record LockedPackage(string Target, string Id, string Version, string ContentHash, bool Direct, IReadOnlyList<string> Dependencies)
    {
        public string Purl => $"pkg:nuget/{Id}@{Version}";
    }

    /// <summary>Packages of a packages.lock.json by (target, id); project entries are left out.</summary>
    internal static Dictionary<(string Target, string Id), LockedPackage> LockedPackages(string lockFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(lockFile));
        var packages = new Dictionary<(string, string), LockedPackage>();
        foreach (var target in document.RootElement.GetProperty("dependencies").EnumerateObject())
        {
            foreach (var package in target.Value.EnumerateObject())
            {
                var type = package.Value.GetProperty("type").GetString();
                if (type is "Project")
                {
                    continue;
                }

                var dependencies = package.Value.TryGetProperty("dependencies", out var list)
                    ? list.EnumerateObject().Select(d => d.Name).ToArray()
                    : [];
                packages[(target.Name, package.Name)] = new LockedPackage(
                    target.Name,
                    package.Name,
                    package.Value.GetProperty("resolved").GetString()!,
                    package.Value.GetProperty("contentHash").GetString()!,
                    type == "Direct",
                    dependencies);
            }
        }

        return packages;
    }
}
