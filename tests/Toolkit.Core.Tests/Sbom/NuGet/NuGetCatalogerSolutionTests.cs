using Toolkit.Core.Diagnostics;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.NuGet;
using static Toolkit.Core.Tests.Sbom.NuGet.NuGetCatalogerSampleTests;

namespace Toolkit.Core.Tests.Sbom.NuGet;

/// <summary>A three-project solution restored for real: project references, targets, development-only packages, licences.</summary>
[Collection(RestoredProjectsCollection.Name)]
public sealed class NuGetCatalogerSolutionTests(RestoredSolution solution)
{
    private const string Dapper = "pkg:nuget/Dapper@2.1.66";
    private const string FluentValidation = "pkg:nuget/FluentValidation@12.1.1";
    private const string Serilog = "pkg:nuget/Serilog@4.3.0";
    private const string NewtonsoftJson = "pkg:nuget/Newtonsoft.Json@13.0.3";
    private const string XunitAbstractions = "pkg:nuget/xunit.abstractions@2.0.3";
    private const string XunitAnalyzers = "pkg:nuget/xunit.analyzers@1.18.0";
    private const string BuildTool = "pkg:nuget/Tk.BuildTool@1.2.3";
    private const string NetStandardLibrary = "pkg:nuget/NETStandard.Library@2.0.3";

    [Fact]
    public async Task Every_project_is_a_component_with_its_packages_and_project_references()
    {
        var result = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);

        // Then the three projects are the roots, with their kind and path
        Assert.Equal(["project:App", "project:Lib", "project:Shared"], result.Roots);
        var app = Component(result, "project:App");
        Assert.Equal(SbomComponentType.Application, app.Type);
        Assert.Equal("src/App/App.csproj", Property(app, NuGetProperties.ProjectPath));
        Assert.Equal([new SbomEvidence("src/App/App.csproj")], app.Evidence);
        Assert.Equal(SbomComponentType.Library, Component(result, "project:Lib").Type);
        Assert.Equal(SbomComponentType.Library, Component(result, "project:Shared").Type);

        // And each project depends on its own packages and the projects it references (not on what those bring)
        Assert.Equal([FluentValidation, BuildTool, XunitAnalyzers, "project:Lib"], DependsOn(result, "project:App"));
        Assert.Equal([NetStandardLibrary, NewtonsoftJson, Serilog, XunitAbstractions, "project:Shared"], DependsOn(result, "project:Lib"));
        Assert.Equal([Dapper, NetStandardLibrary], DependsOn(result, "project:Shared"));

        // And packages depend on what they resolved to
        Assert.Contains("pkg:nuget/System.Threading.Channels@8.0.0", DependsOn(result, Serilog));
        Assert.Contains("pkg:nuget/System.Reflection.Emit.Lightweight@4.7.0", DependsOn(result, Dapper));
    }

    [Fact]
    public async Task A_package_in_several_targets_and_projects_is_one_component_naming_every_target()
    {
        var result = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);

        var serilog = Assert.Single(result.Components, c => c.Name == "Serilog");
        Assert.Equal(["net10.0", "net10.0/linux-x64", "netstandard2.0"], Targets(serilog));
        Assert.Equal("direct", Property(serilog, NuGetProperties.Dependency));
        Assert.Equal(["src/App/obj/project.assets.json", "src/Lib/obj/project.assets.json"], serilog.Evidence.Select(e => e.Path));

        var transitive = Component(result, "pkg:nuget/System.Threading.Channels@8.0.0");
        Assert.Equal("transitive", Property(transitive, NuGetProperties.Dependency));
        Assert.Equal(["netstandard2.0"], Targets(transitive));
    }

    [Fact]
    public async Task Development_only_packages_are_excluded_and_say_why()
    {
        var result = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);

        // An analyzer referenced with PrivateAssets=all that is also a development dependency
        var analyzers = Component(result, XunitAnalyzers);
        Assert.Equal(SbomComponentScope.Excluded, analyzers.Scope);
        Assert.Equal("PrivateAssets=all; analyzers only; developmentDependency", Property(analyzers, NuGetProperties.DevelopmentOnly));
        Assert.Equal("all", Property(analyzers, NuGetProperties.PrivateAssets));

        // A development dependency referenced without PrivateAssets, whose licence is a file in the package
        var tool = Component(result, BuildTool);
        Assert.Equal(SbomComponentScope.Excluded, tool.Scope);
        Assert.Equal("developmentDependency", Property(tool, NuGetProperties.DevelopmentOnly));
        var licence = Assert.Single(tool.Licenses);
        Assert.Equal("LICENSE.txt (licence file in the package)", licence.Name);
        Assert.Null(licence.Url);

        // The implicit netstandard2.0 reference, and what only it uses
        Assert.Equal("PrivateAssets=all (implicit reference)", Property(Component(result, NetStandardLibrary), NuGetProperties.DevelopmentOnly));
        Assert.Equal(
            "used only by development-only packages",
            Property(Component(result, "pkg:nuget/Microsoft.NETCore.Platforms@1.1.0"), NuGetProperties.DevelopmentOnly));

        // PrivateAssets=all on a package whose runtime assemblies are copied to the output: it ships, so it is required
        var newtonsoft = Component(result, NewtonsoftJson);
        Assert.Equal(SbomComponentScope.Required, newtonsoft.Scope);
        Assert.Equal("all", Property(newtonsoft, NuGetProperties.PrivateAssets));
        Assert.Null(Property(newtonsoft, NuGetProperties.DevelopmentOnly));

        // Everything else ships
        Assert.Equal(
            new[] { BuildTool, NetStandardLibrary, XunitAnalyzers, "pkg:nuget/Microsoft.NETCore.Platforms@1.1.0" }.Order(StringComparer.Ordinal),
            result.Components.Where(c => c.Scope == SbomComponentScope.Excluded).Select(c => c.BomRef));
    }

    [Fact]
    public async Task Development_only_packages_can_be_left_out_with_their_edges()
    {
        var result = await new NuGetCataloger().CatalogAsync(
            solution.Slnx, new NuGetCatalogOptions { ExcludeDevelopmentDependencies = true }, CancellationToken.None);

        Assert.DoesNotContain(result.Components, c => c.Scope == SbomComponentScope.Excluded);
        Assert.DoesNotContain(result.Components, c => c.BomRef is XunitAnalyzers or BuildTool or NetStandardLibrary);
        Assert.Equal([FluentValidation, "project:Lib"], DependsOn(result, "project:App"));
        Assert.Equal([Dapper], DependsOn(result, "project:Shared"));
        var refs = result.Components.Select(c => c.BomRef).ToHashSet(StringComparer.Ordinal);
        Assert.All(result.Dependencies, d => Assert.All(d.DependsOn, r => Assert.Contains(r, refs)));
        Assert.Contains(result.Components, c => c.BomRef == NewtonsoftJson);
    }

    [Fact]
    public async Task Licences_come_from_the_nuspecs_as_expression_or_url()
    {
        var result = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);

        Assert.Equal([new SbomLicense { Id = "Apache-2.0" }], Component(result, Serilog).Licenses);
        Assert.Equal(
            [new SbomLicense { Name = NuspecFacts.UrlOnlyLicenseName, Url = "https://raw.githubusercontent.com/xunit/xunit/master/license.txt" }],
            Component(result, XunitAbstractions).Licenses);
        foreach (var component in result.Components.Where(c => c.Purl is not null && c.BomRef != BuildTool))
        {
            var folder = Path.Combine(solution.PackagesFolder, component.Name.ToLowerInvariant(), component.Version!.ToLowerInvariant());
            AssertLicenceAsDeclared(Path.Combine(folder, component.Name.ToLowerInvariant() + ".nuspec"), component);
        }
    }

    [Fact]
    public async Task The_sln_the_slnx_and_the_folder_of_projects_give_the_same_result()
    {
        var fromSlnx = await new NuGetCataloger().CatalogAsync(solution.Slnx, null, CancellationToken.None);
        var fromSln = await new NuGetCataloger().CatalogAsync(solution.Sln, null, CancellationToken.None);
        var fromFolder = await new NuGetCataloger().CatalogAsync(solution.ProjectsFolder, null, CancellationToken.None);

        Assert.Equal(Describe(fromSlnx), Describe(fromSln));

        // The folder is the root of relative paths, so those differ by the "src/" prefix only
        Assert.Equal(Describe(fromSlnx), Describe(fromFolder).Replace("App/", "src/App/", StringComparison.Ordinal)
            .Replace("Lib/", "src/Lib/", StringComparison.Ordinal).Replace("Shared/", "src/Shared/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_solution_filter_catalogs_the_projects_it_names()
    {
        var filter = Path.Combine(solution.Root, "AppOnly.slnf");
        File.WriteAllText(filter, """
            {
              "solution": {
                "path": "Solution.sln",
                "projects": [ "src\\App\\App.csproj" ]
              }
            }
            """);

        var result = await new NuGetCataloger().CatalogAsync(filter, null, CancellationToken.None);

        Assert.Equal(["project:App"], result.Roots);
        Assert.Equal("src/App/App.csproj", Property(Component(result, "project:App"), NuGetProperties.ProjectPath));
        Assert.DoesNotContain(result.Components, c => c.BomRef == NewtonsoftJson);
    }

    [Fact]
    public async Task A_folder_with_two_solutions_is_ambiguous()
    {
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(solution.Root, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectInputInvalid, error.ErrorCode);
        Assert.Contains("Solution.sln, Solution.slnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_project_lists_what_its_project_references_bring()
    {
        var result = await new NuGetCataloger().CatalogAsync(solution.App, null, CancellationToken.None);

        // Then Lib and Shared are components, from App's assets file, with what flows to App (not Lib's private packages)
        Assert.Equal(["project:App"], result.Roots);
        Assert.Equal([Serilog, XunitAbstractions, "project:Shared"], DependsOn(result, "project:Lib"));
        Assert.Equal([Dapper], DependsOn(result, "project:Shared"));
        Assert.Equal("../Lib/Lib.csproj", Property(Component(result, "project:Lib"), NuGetProperties.ProjectPath));
        Assert.DoesNotContain(result.Components, c => c.BomRef == NewtonsoftJson);
        Assert.Equal(["net10.0", "net10.0/linux-x64"], Targets(Component(result, Dapper)));
    }

    [Fact]
    public async Task A_framework_filter_keeps_that_framework_and_a_missing_runtime_falls_back_with_a_note()
    {
        var result = await new NuGetCataloger().CatalogAsync(
            solution.Slnx, new NuGetCatalogOptions { TargetFramework = "net10.0", RuntimeIdentifier = "linux-x64" }, CancellationToken.None);

        // App has a linux-x64 target; Lib was restored without a RID and Shared lacks net10.0 (App's graph still has it)
        Assert.Equal(["net10.0", "net10.0/linux-x64"], Targets(Component(result, Serilog)));
        Assert.Equal(["net10.0/linux-x64"], Targets(Component(result, FluentValidation)));
        Assert.DoesNotContain(result.Components, c => Targets(c).Contains("netstandard2.0"));
        Assert.Contains(result.Notes, n => n.StartsWith("src/Lib/Lib.csproj was not restored for the runtime 'linux-x64'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_framework_no_project_was_restored_for_is_an_error()
    {
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(
            solution.Lib, new NuGetCatalogOptions { TargetFramework = "net8.0" }, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetTargetNotFound, error.ErrorCode);
        Assert.Contains("'net8.0' (it has: net10.0, netstandard2.0)", error.Message, StringComparison.Ordinal);
    }

    private static SbomComponent Component(CatalogResult result, string bomRef)
        => Assert.Single(result.Components, c => c.BomRef == bomRef);

    private static IReadOnlyList<string> DependsOn(CatalogResult result, string bomRef)
        => Assert.Single(result.Dependencies, d => d.Ref == bomRef).DependsOn;

    private static string[] Targets(SbomComponent component)
        => component.Properties.Where(p => p.Key == NuGetProperties.Target).Select(p => p.Value).ToArray();
}
