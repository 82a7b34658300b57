using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.NuGet;

/// <summary>The user's NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages): restores of known packages come from there.</summary>
internal static class NuGetFolders
{
    public static string UserPackages { get; } =
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static async Task RestoreAsync(string target, string workingDirectory, string packagesFolder)
    {
        var result = await DotNet.RunAsync(["restore", target], workingDirectory, packagesFolder);
        result.EnsureSuccess();
    }
}

/// <summary>
/// A copy of the repository's sample app (with the repository's Directory.*.props, so central package versions, its lock
/// file and the artifacts output layout apply) restored with <c>dotnet restore</c> from the user's package folder.
/// </summary>
public sealed class RestoredSample : IAsyncLifetime
{
    private readonly TemporaryDirectory _root = new("tk-nuget-sample");

    public string Root => _root.Path;

    public string ProjectPath => _root.Combine("samples", "Sample.Api", "Sample.Api.csproj");

    public string LockFilePath => _root.Combine("samples", "Sample.Api", "packages.lock.json");

    /// <summary>Where the SDK writes the assets file with <c>UseArtifactsOutput</c>.</summary>
    public string AssetsPath => _root.Combine("artifacts", "obj", "Sample.Api", "project.assets.json");

    public string PackagesFolder => NuGetFolders.UserPackages;

    public async Task InitializeAsync()
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "NuGet.config", "global.json" })
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, file), _root.Combine(file));
        }

        var source = Path.Combine(TestPaths.RepositoryRoot, "samples", "Sample.Api");
        var destination = _root.Combine("samples", "Sample.Api");
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        await NuGetFolders.RestoreAsync(ProjectPath, _root.Path, PackagesFolder);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// A solution made for these tests and restored for real: <c>App</c> (an executable, also restored for linux-x64)
/// references <c>Lib</c> (net10.0 and netstandard2.0), which references <c>Shared</c>. Between them they use packages
/// with a licence expression, a licence URL only and a licence file; an analyzer package with <c>PrivateAssets="all"</c>
/// (xunit.analyzers, also a development dependency); a package that ships despite <c>PrivateAssets="all"</c>
/// (Newtonsoft.Json); and <c>Tk.BuildTool</c>, packed here as a <c>developmentDependency</c> with a licence file.
/// Packages come from a local feed, the user's package folder and nuget.org, into a package folder of their own.
/// </summary>
public sealed class RestoredSolution : IAsyncLifetime
{
    private readonly TemporaryDirectory _root = new("tk-nuget-solution");

    public string Root => _root.Path;

    public string Sln => _root.Combine("Solution.sln");

    public string Slnx => _root.Combine("Solution.slnx");

    /// <summary>The folder that holds the three projects (and no solution).</summary>
    public string ProjectsFolder => _root.Combine("src");

    public string App => _root.Combine("src", "App", "App.csproj");

    public string Lib => _root.Combine("src", "Lib", "Lib.csproj");

    public string Shared => _root.Combine("src", "Shared", "Shared.csproj");

    /// <summary>NUGET_PACKAGES of every restore of this solution.</summary>
    public string PackagesFolder => _root.Combine("packages");

    /// <summary>The local feed with <c>Tk.BuildTool</c>; also the only source of <see cref="WriteNuGetConfig"/> with <c>localOnly</c>.</summary>
    public string FeedFolder => _root.Combine("feed");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(FeedFolder);
        Directory.CreateDirectory(PackagesFolder);
        WriteNuGetConfig(_root.Path, localOnly: false);
        Write("tool/Tk.BuildTool.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <PackageId>Tk.BuildTool</PackageId>
                <Version>1.2.3</Version>
                <Authors>Toolkit tests</Authors>
                <Description>An MSBuild-only package that says it is a development dependency.</Description>
                <DevelopmentDependency>true</DevelopmentDependency>
                <PackageLicenseFile>LICENSE.txt</PackageLicenseFile>
                <IncludeBuildOutput>false</IncludeBuildOutput>
                <NoWarn>$(NoWarn);NU5128</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <None Include="LICENSE.txt" Pack="true" PackagePath="" />
                <None Include="Tk.BuildTool.props" Pack="true" PackagePath="build/" />
              </ItemGroup>
            </Project>
            """);
        Write("tool/LICENSE.txt", "Licensed to the toolkit's tests only.\n");
        Write("tool/Tk.BuildTool.props", "<Project />\n");
        Write("src/App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <RuntimeIdentifiers>linux-x64</RuntimeIdentifiers>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
                <PackageReference Include="FluentValidation" Version="12.1.1" />
                <PackageReference Include="xunit.analyzers" Version="1.18.0" PrivateAssets="all" />
                <PackageReference Include="Tk.BuildTool" Version="1.2.3" />
              </ItemGroup>
            </Project>
            """);
        Write("src/App/Program.cs", "System.Console.WriteLine(\"app\");\n");
        Write("src/Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFrameworks>net10.0;netstandard2.0</TargetFrameworks>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Shared/Shared.csproj" />
                <PackageReference Include="Serilog" Version="4.3.0" />
                <PackageReference Include="Newtonsoft.Json" Version="13.0.3" PrivateAssets="all" />
                <PackageReference Include="xunit.abstractions" Version="2.0.3" />
              </ItemGroup>
            </Project>
            """);
        Write("src/Shared/Shared.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>netstandard2.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Dapper" Version="2.1.66" />
              </ItemGroup>
            </Project>
            """);

        await RunAsync(["pack", _root.Combine("tool", "Tk.BuildTool.csproj"), "-c", "Release", "-o", FeedFolder]);
        await RunAsync(["new", "sln", "--name", "Solution", "--format", "sln"]);
        await RunAsync(["new", "sln", "--name", "Solution", "--format", "slnx"]);
        foreach (var solution in new[] { Sln, Slnx })
        {
            await RunAsync(["sln", solution, "add", App, Lib, Shared]);
        }

        await NuGetFolders.RestoreAsync(Slnx, _root.Path, PackagesFolder);
    }

    /// <summary>
    /// A nuget.config with the local feed, the user's package folder (a folder source: packages already on the machine
    /// are not downloaded again) and nuget.org; or, with <paramref name="localOnly"/>, the local feed alone.
    /// </summary>
    public void WriteNuGetConfig(string folder, bool localOnly)
    {
        var sources = new List<string> { $"<add key=\"local\" value=\"{FeedFolder}\" />" };
        if (!localOnly)
        {
            if (Directory.Exists(NuGetFolders.UserPackages))
            {
                sources.Add($"<add key=\"machine\" value=\"{NuGetFolders.UserPackages}\" />");
            }

            sources.Add("<add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />");
        }

        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                {string.Join(Environment.NewLine + "    ", sources)}
              </packageSources>
            </configuration>
            """);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    private void Write(string relative, string content)
    {
        var path = _root.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task RunAsync(IReadOnlyList<string> arguments)
        => (await DotNet.RunAsync(arguments, _root.Path, PackagesFolder)).EnsureSuccess();
}

[CollectionDefinition(Name)]
public sealed class RestoredProjectsCollection : ICollectionFixture<RestoredSample>, ICollectionFixture<RestoredSolution>
{
    public const string Name = "Restored NuGet projects";
}
