using Toolkit.Core.Sbom;
using Toolkit.Core.Tests.Sbom.NuGet;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Peers;

/// <summary>
/// Peer comparison on the sample project (integration, not timed): every NuGet package cdxgen 12.8.4 reports for the
/// restored sample app (<c>cdxgen -t dotnet</c> on its folder, offline: see <see cref="Cdxgen"/>) is in our SBOM of the
/// project with the same purl and version. cdxgen reads the restored project.assets.json and packages.lock.json; its
/// purls keep the package id's case as ours do (<c>pkg:nuget/Serilog.AspNetCore@10.0.0</c>). It also lists the project
/// itself as a NuGet component (<c>pkg:nuget/Sample.Api@0.1.0</c>, from the assets file's project entry); ours describes
/// the project as the document's subject (<c>metadata.component</c>), with no purl: it is no package of any feed.
/// </summary>
[Collection(RestoredProjectsCollection.Name)]
public sealed class CdxgenProjectComparisonTests(RestoredSample sample) : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-cdxgen-project");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task On_the_sample_app_our_nuget_components_are_a_superset_of_cdxgens()
    {
        // When
        var theirs = BomComponent.Read(await Cdxgen.RunAsync(TestPaths.RepositoryRoot, "dotnet", sample.Root, _temp.Combine("cdxgen")))
            .Where(c => c.Purl?.StartsWith("pkg:nuget/", StringComparison.Ordinal) == true)
            .ToList();
        var result = await new SbomGenerator().GenerateAsync(new SbomRequest { Project = sample.ProjectPath }, CancellationToken.None);
        var document = BomComponent.Parse(result.Content);
        var ours = BomComponent.Read(document).Where(c => c.Purl is not null).ToDictionary(c => c.Purl!, StringComparer.Ordinal);
        var subject = document.GetProperty("metadata").GetProperty("component");

        // Then
        Assert.True(theirs.Count >= 18, $"cdxgen reported {theirs.Count} NuGet packages: {string.Join(", ", theirs)}");
        foreach (var package in theirs)
        {
            if (package.Name == subject.GetProperty("name").GetString())
            {
                Assert.Equal(package.Version, subject.GetProperty("version").GetString());
                continue;
            }

            Assert.True(ours.TryGetValue(package.Purl!, out var component), $"{package.Purl}: reported by cdxgen, missing from ours");
            Assert.Equal(package.Version, component.Version);
        }
    }
}
