using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Testing;

namespace Toolkit.Cake.Tests;

/// <summary>Toolkit.Cake packed once for the tests of this class.</summary>
public sealed class PackedToolkitCake : IAsyncLifetime
{
    private LocalPackageFeed? _feed;

    public LocalPackageFeed Feed => _feed ?? throw new InvalidOperationException("The package has not been packed yet.");

    public async Task InitializeAsync()
        => _feed = await LocalPackageFeed.PackAsync(["src/Toolkit.Cake/Toolkit.Cake.csproj"]);

    public Task DisposeAsync()
    {
        _feed?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The addin as a user gets it: packed, loaded by a real <c>dotnet cake</c> (the repository's local
/// Cake tool) through <c>#addin nuget:file://...&amp;loaddependencies=true</c>.
/// </summary>
public sealed partial class CakeAddinTests(PackedToolkitCake package) : IClassFixture<PackedToolkitCake>
{
    private static readonly TimeSpan CakeTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_script_that_loads_the_packed_addin_builds_an_OCI_layout_with_the_settings_it_was_given()
    {
        // Given
        var feed = package.Feed;
        var scriptDirectory = Path.Combine(feed.Root, "script");
        Directory.CreateDirectory(Path.Combine(scriptDirectory, "site"));
        File.WriteAllText(Path.Combine(scriptDirectory, "site", "index.html"), "<h1>hello</h1>\n");
        feed.WriteNuGetConfig(scriptDirectory);
        var script = Path.Combine(scriptDirectory, "build.cake");
        File.WriteAllText(script, $$"""
            #addin nuget:file://{{feed.FeedDirectory}}?package=Toolkit.Cake&version={{feed.Version}}&loaddependencies=true

            var image = ToolkitBuildImage(new ToolkitBuildImageSettings
            {
                Output = "oci:image:v1",
                Layers = { "site:/srv/www/" },
                Platforms = { "linux/arm64" },
                Entrypoint = { "/bin/httpd", "-f" },
                Cmd = { "-p", "8080" },
                WorkingDirectory = "/srv/www/",
                User = "1000:1000",
                Environment = { ["GREETING"] = "hello" },
                Labels = { ["com.example.team"] = "payments" },
                Ports = { "8080/tcp" },
                SourceDateEpoch = 1700000000,
            });
            Information("Toolkit image {0} {1}", image.Output, image.Digest);
            """);
        await DotNet.RunAsync(["tool", "restore"], TestPaths.RepositoryRoot, feed.PackagesDirectory).ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default);

        // When
        using var timeout = new CancellationTokenSource(CakeTimeout);
        var cake = await DotNet.RunAsync(
            ["cake", script],
            TestPaths.RepositoryRoot,
            feed.PackagesDirectory,
            new Dictionary<string, string> { ["NO_COLOR"] = "1" },
            timeout.Token);

        // Then
        Assert.True(cake.ExitCode == 0, $"dotnet cake exited with {cake.ExitCode}:{Environment.NewLine}{cake.StandardOutput}{cake.StandardError}");
        var image = OciLayoutCheck.Verify(Path.Combine(scriptDirectory, "image"), "v1");
        var logged = ImageLine().Match(cake.StandardOutput);
        Assert.True(logged.Success, cake.StandardOutput);
        Assert.Equal(image.ManifestDigest, logged.Groups["digest"].Value);

        Assert.Equal("arm64", image.Config.GetProperty("architecture").GetString());
        Assert.Equal("linux", image.Config.GetProperty("os").GetString());
        var config = image.ContainerConfig;
        Assert.Equal(["/bin/httpd", "-f"], Strings(config.GetProperty("Entrypoint")));
        Assert.Equal(["-p", "8080"], Strings(config.GetProperty("Cmd")));
        Assert.Equal("/srv/www/", config.GetProperty("WorkingDir").GetString());
        Assert.Equal("1000:1000", config.GetProperty("User").GetString());
        Assert.Contains("GREETING=hello", Strings(config.GetProperty("Env")));
        Assert.Equal("payments", config.GetProperty("Labels").GetProperty("com.example.team").GetString());
        Assert.Equal(["8080/tcp"], config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name));
        Assert.Single(image.Manifest.GetProperty("layers").EnumerateArray());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [GeneratedRegex(@"Toolkit image (?<output>\S+) (?<digest>sha256:[a-f0-9]{64})")]
    private static partial Regex ImageLine();
}
