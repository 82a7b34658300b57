using System.Text.RegularExpressions;
using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// A small console app in its own folder that references the packed Toolkit.MSBuild like a user's project, and one
/// runtime package (Serilog) from the repository's package sources.
/// </summary>
public sealed partial class ConsumerProject
{
    public const string Name = "Hello.Image";
    public const string Tag = "1.2.3";

    /// <summary>The one runtime package the app references, so its SBOM has a NuGet package to list.</summary>
    public const string SerilogVersion = "4.0.0";

    /// <summary>Fixed, so every publish is reproducible.</summary>
    public const string SourceDateEpoch = "1700000000";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalPackageFeed _feed;

    public ConsumerProject(LocalPackageFeed feed, string directory)
    {
        _feed = feed;
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        feed.WriteNuGetConfig(directory);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), "System.Console.WriteLine(\"Hello from an image\");\n");
        File.WriteAllText(Path.Combine(directory, Name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <ContainerImageTag>{Tag}</ContainerImageTag>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Toolkit.MSBuild" Version="{feed.Version}" />
                <PackageReference Include="Serilog" Version="{SerilogVersion}" />
              </ItemGroup>
              <ItemGroup>
                <ContainerEnvironmentVariable Include="GREETING" Value="hello" />
                <ContainerEnvironmentVariable Include="DOTNET_gcServer" Value="0" />
                <ContainerLabel Include="com.example.team" Value="payments" />
                <ContainerPort Include="8080" Type="tcp" />
                <ContainerPort Include="5353" Type="udp" />
              </ItemGroup>
            </Project>
            """);
    }

    public string Directory { get; }

    /// <summary>Where the targets put the image by default: <c>oci:$(OutputPath)image/</c>.</summary>
    public string ImageDirectory => Path.Combine(Directory, "bin", "Release", "net10.0", "linux-x64", "image");

    /// <summary>Where the targets put the image's SBOM by default: <c>$(OutputPath)sbom/$(AssemblyName).cdx.json</c>.</summary>
    public string SbomFile => Path.Combine(Directory, "bin", "Release", "net10.0", "linux-x64", "sbom", Name + ".cdx.json");

    /// <summary>The task assemblies of the package as NuGet restored them for this project.</summary>
    public string TaskDirectory => Path.Combine(_feed.PackagesDirectory, "toolkit.msbuild", _feed.Version, "tasks", "net10.0");

    /// <summary><c>dotnet build -c Release -r linux-x64</c> plus <paramref name="arguments"/> (e.g. <c>-t:ToolkitGenerateSbom</c>).</summary>
    public Task<ExternalToolResult> BuildAsync(params string[] arguments) => BuildAsync(new Dictionary<string, string>(), arguments);

    /// <summary>The build with these environment variables as well (e.g. AWS credentials).</summary>
    public async Task<ExternalToolResult> BuildAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(PublishTimeout);
        return await DotNet.RunAsync(
            ["build", "-c", "Release", "-r", "linux-x64", "--disable-build-servers", .. arguments],
            Directory,
            _feed.PackagesDirectory,
            new Dictionary<string, string>(environment) { ["SOURCE_DATE_EPOCH"] = SourceDateEpoch },
            timeout.Token);
    }

    /// <summary><c>dotnet publish -c Release -r linux-x64 -p:ToolkitImage=true</c> plus <paramref name="properties"/>.</summary>
    public Task<ExternalToolResult> PublishAsync(params string[] properties) => PublishAsync(new Dictionary<string, string>(), properties);

    /// <summary>The publish with these environment variables as well (e.g. AWS credentials).</summary>
    public async Task<ExternalToolResult> PublishAsync(IReadOnlyDictionary<string, string> environment, params string[] properties)
    {
        using var timeout = new CancellationTokenSource(PublishTimeout);
        return await DotNet.RunAsync(
            ["publish", "-c", "Release", "-r", "linux-x64", "-p:ToolkitImage=true", "--disable-build-servers", .. properties],
            Directory,
            _feed.PackagesDirectory,
            new Dictionary<string, string>(environment) { ["SOURCE_DATE_EPOCH"] = SourceDateEpoch },
            timeout.Token);
    }

    /// <summary>The digest the task logged in "Built image &lt;location&gt; &lt;digest&gt;".</summary>
    public static string LoggedDigest(ExternalToolResult publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        var match = BuiltImageLine().Match(publish.StandardOutput);
        Assert.True(match.Success, "The publish output has no 'Built image' line:" + Environment.NewLine + publish.StandardOutput);
        return match.Groups["digest"].Value;
    }

    [GeneratedRegex(@"Built image (?<location>\S+) (?<digest>sha256:[a-f0-9]{64})")]
    private static partial Regex BuiltImageLine();
}
