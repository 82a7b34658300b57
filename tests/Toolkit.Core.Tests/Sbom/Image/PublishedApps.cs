using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>
/// A tiny real application published twice by the .NET SDK running the tests: framework-dependent (portable) and
/// self-contained for linux-x64. It references Serilog.Sinks.Console (which depends on Serilog) and a project of its
/// own, so its deps.json has packages, projects and a graph; its packages are restored into a folder of its own.
/// </summary>
public sealed class PublishedApps : IAsyncLifetime
{
    public const string AppName = "Tiny.App";
    public const string LibraryName = "Tiny.Lib";
    public const string SinkVersion = "6.0.0";
    public const string SerilogVersion = "4.0.0";

    private readonly TemporaryDirectory _temp = new("tk-published");

    /// <summary>The framework-dependent publish folder (no runtime identifier).</summary>
    public string FrameworkDependent => _temp.Combine("out", "fdd");

    /// <summary>The self-contained linux-x64 publish folder.</summary>
    public string SelfContained => _temp.Combine("out", "sc");

    public string PackagesDirectory => _temp.Combine("packages");

    public string Root => _temp.Path;

    /// <summary>
    /// The base64 SHA-512 content hash NuGet recorded for a package it restored (<c>.nupkg.metadata</c>), which is what
    /// project.assets.json and so deps.json carry; for a signed package it differs from the .nupkg.sha512 of the whole file.
    /// </summary>
    public string PackageContentHash(string id, string version)
    {
        using var metadata = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(PackagesDirectory, id.ToLowerInvariant(), version, ".nupkg.metadata")));
        return metadata.RootElement.GetProperty("contentHash").GetString()!;
    }

    /// <summary>The version of the runtime pack the self-contained publish used.</summary>
    public string RuntimePackVersion
        => Directory.GetDirectories(Path.Combine(PackagesDirectory, "microsoft.netcore.app.runtime.linux-x64")).Select(Path.GetFileName).Single()!;

    public async Task InitializeAsync()
    {
        var library = _temp.Combine("src", LibraryName);
        var app = _temp.Combine("src", AppName);
        Directory.CreateDirectory(library);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(library, "Greeting.cs"), "namespace Tiny.Lib;\npublic static class Greeting { public static string Text => \"hello\"; }\n");
        File.WriteAllText(Path.Combine(library, LibraryName + ".csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Version>2.1.0</Version>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), "using Serilog;\nusing var log = new LoggerConfiguration().WriteTo.Console().CreateLogger();\nlog.Information(Tiny.Lib.Greeting.Text);\n");
        File.WriteAllText(Path.Combine(app, AppName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Version>1.4.0</Version>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Serilog.Sinks.Console" Version="{SinkVersion}" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="../{LibraryName}/{LibraryName}.csproj" />
              </ItemGroup>
            </Project>
            """);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var project = Path.Combine(app, AppName + ".csproj");
        (await DotNet.RunAsync(["publish", project, "-c", "Release", "-o", FrameworkDependent, "--disable-build-servers"], Root, PackagesDirectory, cancellationToken: timeout.Token)).EnsureSuccess();
        (await DotNet.RunAsync(["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", SelfContained, "--disable-build-servers"], Root, PackagesDirectory, cancellationToken: timeout.Token)).EnsureSuccess();
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(nameof(PublishedApps))]
public sealed class PublishedAppsCollection : ICollectionFixture<PublishedApps>;
