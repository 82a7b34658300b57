using Toolkit.Core.Diagnostics;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.NuGet;

/// <summary>What the NuGet cataloger says when it cannot give a complete answer.</summary>
public sealed class NuGetCatalogerErrorTests : IDisposable
{
    private const string LibraryProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
          </PropertyGroup>
        </Project>
        """;

    private readonly TemporaryDirectory _temp = new("tk-nuget-errors");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_project_that_was_never_restored_asks_for_dotnet_restore()
    {
        var project = Write("Lib/Lib.csproj", LibraryProject);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(project, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectNotRestored, error.ErrorCode);
        Assert.Contains($"dotnet restore \"{project}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_packages_config_project_is_named_as_such()
    {
        var project = Write("Legacy/Legacy.csproj", LibraryProject);
        Write("Legacy/packages.config", """<?xml version="1.0" encoding="utf-8"?><packages><package id="Dapper" version="2.1.66" /></packages>""");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(project, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectNotRestored, error.ErrorCode);
        Assert.Contains("packages.config", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_solution_with_one_unrestored_project_fails_for_that_project()
    {
        var project = Write("src/Lib/Lib.csproj", LibraryProject);
        var solution = Write("All.sln", """

            Microsoft Visual Studio Solution File, Format Version 12.00
            Project("{2150E333-8FDC-42A3-9474-1A3956D46DE8}") = "src", "src", "{11111111-1111-1111-1111-111111111111}"
            EndProject
            Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Lib", "src\Lib\Lib.csproj", "{22222222-2222-2222-2222-222222222222}"
            EndProject
            Global
            EndGlobal
            """);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(solution, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectNotRestored, error.ErrorCode);
        Assert.Contains(project, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_solution_naming_a_missing_project_is_invalid()
    {
        var solution = Write("All.slnx", """<Solution><Folder Name="/src/"><Project Path="src/Gone/Gone.csproj" /></Folder></Solution>""");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(solution, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetSolutionInvalid, error.ErrorCode);
        Assert.Contains("src/Gone/Gone.csproj", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_that_is_not_a_project_or_solution_is_refused()
    {
        var text = Write("notes.txt", "hello");

        var wrongKind = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(text, null, CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(_temp.Combine("none.csproj"), null, CancellationToken.None));
        var empty = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(Path.GetDirectoryName(text)!, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectInputInvalid, wrongKind.ErrorCode);
        Assert.Equal(ErrorCodes.NuGetProjectInputInvalid, missing.ErrorCode);
        Assert.Equal(ErrorCodes.NuGetProjectInputInvalid, empty.ErrorCode);
        Assert.Contains("holds no solution and no project", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_assets_file_is_reported_as_such()
    {
        var project = Write("Lib/Lib.csproj", LibraryProject);
        Write("Lib/obj/project.assets.json", "{ \"version\": 3, \"targets\": { \"net10.0\": [ }");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(project, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetAssetsFileInvalid, error.ErrorCode);
        Assert.Contains(_temp.Combine("Lib", "obj", "project.assets.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_restore_is_an_error_quoting_nuget()
    {
        // Given a project whose package does not exist in its only (local, empty) source, restored for real
        Directory.CreateDirectory(_temp.Combine("feed"));
        Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_temp.Combine("feed")}" />
              </packageSources>
            </configuration>
            """);
        var project = Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Tk.NoSuchPackage" Version="1.0.0" />
              </ItemGroup>
            </Project>
            """);
        var restore = await DotNet.RunAsync(["restore", project], _temp.Path, _temp.Combine("packages"));
        Assert.NotEqual(0, restore.ExitCode);

        // When
        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(project, null, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.NuGetRestoreFailed, error.ErrorCode);
        Assert.Contains("NU1101", error.Message, StringComparison.Ordinal);
        Assert.Contains("Tk.NoSuchPackage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assets_file_of_another_project_is_not_taken_for_this_one()
    {
        // Given an artifacts-layout assets file under the project's name that another project (elsewhere) wrote
        var project = Write("repo/src/Lib/Lib.csproj", LibraryProject);
        var other = Write("elsewhere/Lib.Core/Lib.Core.csproj", LibraryProject);
        var restore = await DotNet.RunAsync(["restore", other], _temp.Path, NuGetFolders.UserPackages);
        restore.EnsureSuccess();
        Directory.CreateDirectory(_temp.Combine("repo", "artifacts", "obj", "Lib"));
        File.Copy(_temp.Combine("elsewhere", "Lib.Core", "obj", "project.assets.json"), _temp.Combine("repo", "artifacts", "obj", "Lib", "project.assets.json"));

        var error = await Assert.ThrowsAsync<ToolkitException>(() => new NuGetCataloger().CatalogAsync(project, null, CancellationToken.None));

        Assert.Equal(ErrorCodes.NuGetProjectNotRestored, error.ErrorCode);
        Assert.Contains("belongs to another project", error.Message, StringComparison.Ordinal);
    }

    private string Write(string relative, string content)
    {
        var path = _temp.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
