using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cake.Tests;

public sealed partial class CakeAddinTests
{
    [Fact]
    public async Task A_script_ensures_an_ECR_repository_idempotently_and_logs_in_without_showing_the_password()
    {
        // Given the ECR emulator, AWS credentials in the environment, and a script that ensures a repository twice and logs in
        using var emulator = new EcrEmulator();
        var key = emulator.AddKmsKey("alias/payments");
        var feed = package.Feed;
        var scriptDirectory = Path.Combine(feed.Root, "ecr-script");
        Directory.CreateDirectory(scriptDirectory);
        feed.WriteNuGetConfig(scriptDirectory);
        File.WriteAllText(Path.Combine(scriptDirectory, "lifecycle.json"), """
            {"rules":[{"rulePriority":1,"description":"Keep ten release images","selection":{"tagStatus":"tagged","tagPatternList":["v*"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}
            """);
        var script = Path.Combine(scriptDirectory, "build.cake");
        File.WriteAllText(script, $$"""
            #addin nuget:file://{{feed.FeedDirectory}}?package=Toolkit.Cake&version={{feed.Version}}&loaddependencies=true

            ToolkitEcrRepositoryResult Ensure() => ToolkitEcrEnsureRepository(new ToolkitEcrRepositorySettings
            {
                Name = "payments/api",
                ScanOnPush = true,
                ImmutableTags = true,
                ImmutableTagExclusions = { "latest" },
                KmsKey = "{{key}}",
                Tags = { ["team"] = "payments" },
                LifecyclePolicy = "lifecycle.json",
            });
            var first = Ensure();
            var second = Ensure();
            Information("Ensured {0} created={1} changed={2}; again changed={3}", first.RepositoryUri, first.Created, first.Changed, second.Changed);
            var login = ToolkitEcrLogin(new ToolkitEcrLoginSettings { WriteDockerConfig = true });
            Information("Logged in to {0} as {1}, config {2}", login.Registry, login.Username, login.DockerConfigPath);
            """);
        await DotNet.RunAsync(["tool", "restore"], TestPaths.RepositoryRoot, feed.PackagesDirectory).ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default);
        var dockerConfig = Path.Combine(scriptDirectory, "docker");

        // When dotnet cake runs it
        using var timeout = new CancellationTokenSource(CakeTimeout);
        var cake = await DotNet.RunAsync(
            ["cake", script],
            TestPaths.RepositoryRoot,
            feed.PackagesDirectory,
            new Dictionary<string, string>(EmulatorEnvironment(emulator, scriptDirectory)) { ["DOCKER_CONFIG"] = dockerConfig },
            timeout.Token);

        // Then the repository was created once, the second run changed nothing, and the login wrote a working credential it never printed
        var output = cake.StandardOutput + cake.StandardError;
        Assert.True(cake.ExitCode == 0, $"dotnet cake exited with {cake.ExitCode}:{Environment.NewLine}{output}");
        Assert.Contains($"Ensured {emulator.RegistryHost}/payments/api created=True changed=True; again changed=False", cake.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("payments/api: repository payments/api created: scan on push true; tags IMMUTABLE_WITH_EXCLUSION (latest);", cake.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("+++ " + Path.Combine(scriptDirectory, "lifecycle.json"), cake.StandardOutput, StringComparison.Ordinal);
        var writes = emulator.Requests.Select(r => r.Operation!).Where(o => o is not ("DescribeRepositories" or "ListTagsForResource" or "GetLifecyclePolicy" or "GetAuthorizationToken")).ToArray();
        Assert.Equal(["CreateRepository", "PutLifecyclePolicy"], writes);
        var auth = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(dockerConfig, "config.json")))!["auths"]![emulator.RegistryHost]!["auth"]!;
        var password = Encoding.UTF8.GetString(Convert.FromBase64String(auth))["AWS:".Length..];
        Assert.True(((IEcrRegistryBackend)emulator).IsValidRegistryPassword(password));
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        Assert.Contains($"Logged in to {emulator.RegistryHost} as AWS", cake.StandardOutput, StringComparison.Ordinal);
    }
}
