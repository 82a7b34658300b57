using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Cli.Tests;

public sealed class ImageCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-cli");

    public void Dispose() => _temp.Dispose();

    private string App(string name = "app")
    {
        var folder = _temp.Combine(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "app.dll"), "not really a dll");
        File.WriteAllText(Path.Combine(folder, "appsettings.json"), "{}");
        return folder;
    }

    [Fact]
    public async Task Build_then_inspect_as_json_reports_the_same_digest_and_config()
    {
        // Given
        var layout = _temp.Combine("image");

        // When
        var build = await CliRunner.RunInProcessAsync(
            "image", "build", "--layer", $"{App()}:/app", "--output", $"oci:{layout}:1.0", "--platform", "linux/amd64",
            "--entrypoint", "dotnet", "--entrypoint", "/app/app.dll", "--env", "A=1", "--port", "8080", "--label", "team=payments",
            "--workdir", "/app", "--source-date-epoch", "1700000000", "--json");
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"oci:{layout}:1.0", "--json");

        // Then
        Assert.True(build.ExitCode == 0, build.Error);
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        var built = JsonNode.Parse(build.Output)!;
        var inspected = JsonNode.Parse(inspect.Output)!;
        Assert.Equal(built["digest"]!.GetValue<string>(), inspected["digest"]!.GetValue<string>());
        Assert.Equal("2023-11-14T22:13:20Z", built["created"]!.GetValue<string>());
        var config = inspected["platforms"]![0]!["config"]!;
        Assert.Equal("[\"dotnet\",\"/app/app.dll\"]", config["config"]!["Entrypoint"]!.ToJsonString());
        Assert.Equal("payments", config["config"]!["Labels"]!["team"]!.GetValue<string>());
        OciSchemas.AssertValidConfig(System.Text.Encoding.UTF8.GetBytes(config.ToJsonString()));
    }

    [Fact]
    public async Task Inspect_prints_a_table_for_people()
    {
        var layout = _temp.Combine("image");
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", App(), "-o", $"oci:{layout}", "--platform", "linux/arm64", "--source-date-epoch", "0");
        Assert.Equal(0, build.ExitCode);

        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"oci:{layout}");

        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("Platform   linux/arm64/v8", inspect.Output, StringComparison.Ordinal);
        Assert.Contains("application/vnd.oci.image.layer.v1.tar+gzip", inspect.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad/Reference:1", "TK2001", 2)]
    [InlineData("foo:/some/where", "TK2003", 2)]
    [InlineData("127.0.0.1:1/base:1", "TK1001", 1)]
    public async Task A_bad_base_gives_a_coded_error_and_exit_code_not_a_stack_trace(string from, string code, int exitCode)
    {
        var result = await CliRunner.RunInProcessAsync("image", "build", "--from", from, "--layer", App(), "-o", $"oci:{_temp.Combine("out")}");

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith($"error {code}: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_base_is_an_error_with_exit_code_1()
    {
        var notALayout = _temp.Combine("not-a-layout");
        Directory.CreateDirectory(notALayout);

        var result = await CliRunner.RunInProcessAsync("image", "build", "--from", $"oci:{notALayout}", "--layer", App(), "-o", $"oci:{_temp.Combine("out")}");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error TK2009: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_layer_folder_is_a_usage_error()
    {
        var result = await CliRunner.RunInProcessAsync("image", "build", "--layer", _temp.Combine("missing"), "-o", $"oci:{_temp.Combine("out")}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error TK2004: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var result = await CliRunner.RunInProcessAsync("image", "build", "--no-such-option", "-o", "oci:x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("TK2000", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspecting_a_missing_archive_is_an_error_with_a_code()
    {
        var result = await CliRunner.RunInProcessAsync("image", "inspect", $"oci-archive:{_temp.Combine("missing.tar")}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches("^error TK[0-9]{4}: ", result.Error);
    }

    [Fact]
    public async Task The_same_inputs_built_in_two_processes_at_different_times_from_different_folders_give_one_digest()
    {
        // Given the same files in two different folders, with different modification times
        var first = App("first/app");
        var second = App("second/app");
        File.SetLastWriteTimeUtc(Path.Combine(second, "app.dll"), DateTime.UtcNow.AddDays(-10));
        var environment = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1700000000" };

        // When each is built by its own process, a little apart
        var one = await CliRunner.RunProcessAsync(
            ["image", "build", "--layer", $"{first}:/app", "-o", $"oci:{_temp.Combine("first", "image")}:1", "--platform", "linux/amd64", "--json"],
            _temp.Combine("first"), environment);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var two = await CliRunner.RunProcessAsync(
            ["image", "build", "--layer", $"{second}:/app", "-o", $"oci:{_temp.Combine("second", "image")}:1", "--platform", "linux/amd64", "--json"],
            _temp.Combine("second"), environment);

        // Then
        Assert.True(one.ExitCode == 0, one.StandardError);
        Assert.True(two.ExitCode == 0, two.StandardError);
        var digestOne = JsonNode.Parse(one.StandardOutput)!["digest"]!.GetValue<string>();
        var digestTwo = JsonNode.Parse(two.StandardOutput)!["digest"]!.GetValue<string>();
        Assert.Equal(digestOne, digestTwo);
        Assert.Equal(
            File.ReadAllBytes(_temp.Combine("first", "image", "index.json")),
            File.ReadAllBytes(_temp.Combine("second", "image", "index.json")));
    }

    [Fact]
    public async Task Without_an_epoch_the_timestamp_is_the_commit_time_of_HEAD()
    {
        // Given a git repository with one commit at a known time
        var repo = _temp.Combine("repo");
        Directory.CreateDirectory(repo);
        var app = App("repo/app");
        var gitEnvironment = new Dictionary<string, string>
        {
            ["GIT_AUTHOR_DATE"] = "2024-02-03T04:05:06Z",
            ["GIT_COMMITTER_DATE"] = "2024-02-03T04:05:06Z",
            ["GIT_AUTHOR_NAME"] = "t",
            ["GIT_AUTHOR_EMAIL"] = "t@example.invalid",
            ["GIT_COMMITTER_NAME"] = "t",
            ["GIT_COMMITTER_EMAIL"] = "t@example.invalid",
        };
        await ExternalTool.RunCheckedAsync("git", ["init", "-q"], repo);
        await ExternalTool.RunCheckedAsync("git", ["add", "."], repo);
        await ExternalTool.RunCheckedAsync("git", ["commit", "-q", "-m", "one"], repo, gitEnvironment);

        // When
        var result = await CliRunner.RunProcessAsync(["image", "build", "--layer", app, "-o", $"oci:{_temp.Combine("image")}", "--json"], repo, new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = string.Empty });

        // Then
        Assert.True(result.ExitCode == 0, result.StandardError);
        var json = JsonNode.Parse(result.StandardOutput)!;
        Assert.Equal("2024-02-03T04:05:06Z", json["created"]!.GetValue<string>());
        Assert.Equal("GitCommit", json["timestampSource"]!.GetValue<string>());
    }
}
