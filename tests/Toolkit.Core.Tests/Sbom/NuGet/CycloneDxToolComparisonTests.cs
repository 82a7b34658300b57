using System.Text.Json;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.NuGet;

/// <summary>
/// Peer comparison: on the sample app and on the test solution, our NuGet components are a superset of what the
/// CycloneDX .NET tool 6.3.1 reports (a local tool of this repository: <c>dotnet tool restore</c>), with the same purl,
/// SHA-512 and licence, and our graph has every edge of its graph. The tool runs offline: no restore
/// (<c>--disable-package-restore</c>), no GitHub licence lookup (off unless asked), and an empty local folder as its
/// NuGet source (<c>--url</c>), so a nuspec it cannot find locally fails the run instead of being fetched.
/// </summary>
[Collection(RestoredProjectsCollection.Name)]
public sealed class CycloneDxToolComparisonTests(RestoredSample sample, RestoredSolution solution) : IDisposable
{
    private const string ToolVersion = "6.3.1";

    private readonly TemporaryDirectory _temp = new("tk-cdx-peer");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task On_the_sample_app_our_components_are_a_superset_of_the_cyclonedx_tools()
    {
        var theirs = await RunToolAsync(
            [sample.ProjectPath, "--base-intermediate-output-path", Path.Combine(sample.Root, "artifacts", "obj")], sample.PackagesFolder);
        var ours = await new NuGetCataloger().CatalogAsync(sample.ProjectPath, null, CancellationToken.None);

        var compared = AssertSuperset(theirs, ours);
        Assert.True(compared >= 18, $"the tool reported {compared} NuGet packages");
    }

    [Fact]
    public async Task On_the_test_solution_our_components_are_a_superset_of_the_cyclonedx_tools()
    {
        var theirs = await RunToolAsync([solution.Slnx], solution.PackagesFolder);
        var ours = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);

        var compared = AssertSuperset(theirs, ours);
        Assert.True(compared >= 15, $"the tool reported {compared} NuGet packages");
    }

    /// <summary>Every NuGet component of the tool's BOM is ours with the same purl, hash and licence; every edge between them is ours too.</summary>
    private static int AssertSuperset(JsonElement bom, CatalogResult ours)
    {
        var components = ours.Components.Where(c => c.Purl is not null).ToDictionary(c => c.Purl!, StringComparer.Ordinal);
        var compared = 0;
        foreach (var theirs in bom.GetProperty("components").EnumerateArray())
        {
            var purl = theirs.GetProperty("purl").GetString()!;
            if (!purl.StartsWith("pkg:nuget/", StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(components.TryGetValue(purl, out var component), $"{purl}: reported by the CycloneDX tool, missing from ours");
            Assert.Equal(theirs.GetProperty("version").GetString(), component.Version);

            var theirHashes = theirs.GetProperty("hashes").EnumerateArray().Where(h => h.GetProperty("alg").GetString() == "SHA-512").ToArray();
            Assert.NotEmpty(theirHashes);
            foreach (var hash in theirHashes)
            {
                Assert.Contains(
                    component.Hashes,
                    h => h.Algorithm == "SHA-512" && string.Equals(h.Value, hash.GetProperty("content").GetString(), StringComparison.OrdinalIgnoreCase));
            }

            if (theirs.TryGetProperty("licenses", out var licences))
            {
                foreach (var choice in licences.EnumerateArray())
                {
                    AssertSameLicence(purl, choice, component.Licenses);
                }
            }

            compared++;
        }

        var graph = ours.Dependencies.ToDictionary(d => d.Ref, d => d.DependsOn, StringComparer.Ordinal);
        foreach (var node in bom.GetProperty("dependencies").EnumerateArray())
        {
            var from = node.GetProperty("ref").GetString()!;
            if (!from.StartsWith("pkg:nuget/", StringComparison.Ordinal) || !node.TryGetProperty("dependsOn", out var dependsOn))
            {
                continue;
            }

            foreach (var to in dependsOn.EnumerateArray().Select(d => d.GetString()!))
            {
                Assert.True(graph[from].Contains(to), $"{from} -> {to}: an edge of the CycloneDX tool missing from ours");
            }
        }

        return compared;
    }

    /// <summary>
    /// The tool splits an expression into one licence per SPDX id, and names a URL-only licence "Unknown - See URL":
    /// the same facts as ours, which keep the expression whole.
    /// </summary>
    private static void AssertSameLicence(string purl, JsonElement choice, IReadOnlyList<SbomLicense> ours)
    {
        if (choice.TryGetProperty("expression", out var expression))
        {
            Assert.Contains(ours, l => (l.Expression ?? l.Id) == expression.GetString());
            return;
        }

        var licence = choice.GetProperty("license");
        if (licence.TryGetProperty("id", out var id))
        {
            Assert.True(
                ours.Any(l => l.Id == id.GetString() || (l.Expression is not null && SpdxIds(l.Expression).Contains(id.GetString()!))),
                $"{purl}: the CycloneDX tool says {id.GetString()}, ours {string.Join(", ", ours)}");
            return;
        }

        Assert.True(licence.TryGetProperty("url", out var url), $"{purl}: a licence with neither id nor URL: {licence}");
        Assert.True(ours.Any(l => l.Url == url.GetString()), $"{purl}: the CycloneDX tool says {url.GetString()}, ours {string.Join(", ", ours)}");
    }

    private static HashSet<string> SpdxIds(string expression)
        => expression.Split([' ', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t is not ("AND" or "OR" or "WITH"))
            .ToHashSet(StringComparer.Ordinal);

    private async Task<JsonElement> RunToolAsync(IReadOnlyList<string> arguments, string packagesFolder)
    {
        var tool = await RestoreToolAsync();
        var output = _temp.Combine("out-" + Guid.NewGuid().ToString("N"));
        var emptySource = _temp.Combine("no-packages");
        Directory.CreateDirectory(emptySource);
        var run = await DotNet.RunAsync(
            [tool, .. arguments, "--output", output, "--filename", "bom.json", "--output-format", "Json", "--disable-package-restore",
             "--url", emptySource, "--no-serial-number", "--spec-version", "1.6"],
            _temp.Path,
            packagesFolder);
        run.EnsureSuccess();
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "bom.json")));
        return document.RootElement.Clone();
    }

    /// <summary>The tool's entry assembly, after <c>dotnet tool restore</c> of the repository's tool manifest (a no-op when done).</summary>
    private static async Task<string> RestoreToolAsync()
    {
        var restore = await DotNet.RunAsync(["tool", "restore"], TestPaths.RepositoryRoot, NuGetFolders.UserPackages);
        restore.EnsureSuccess();
        var tool = Path.Combine(NuGetFolders.UserPackages, "cyclonedx", ToolVersion, "tools", "net10.0", "any", "CycloneDX.dll");
        Assert.True(File.Exists(tool), $"'{tool}' is missing after 'dotnet tool restore'; the tool manifest (.config/dotnet-tools.json) must name CycloneDX {ToolVersion}.");
        return tool;
    }
}
