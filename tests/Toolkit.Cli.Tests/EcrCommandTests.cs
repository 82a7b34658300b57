using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Cli.Tests;

/// <summary>
/// <c>dotnet toolkit ecr ...</c> as its own process against the ECR emulator: AWS credentials and the endpoint come from
/// the environment, as on a CI runner; nothing else on the machine (shared AWS files, docker config) is read.
/// </summary>
public sealed class EcrCommandTests : IDisposable
{
    private static readonly string[] s_reads = ["Describe", "Get", "List"];

    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _temp = new("tk-cli-ecr-controls");

    public void Dispose()
    {
        _emulator.Dispose();
        _temp.Dispose();
    }

    private string DockerConfig => _temp.Combine("docker");

    /// <summary>The emulator's credentials and endpoint, and no shared AWS files, instance metadata or docker config of the machine.</summary>
    internal static Dictionary<string, string> AwsEnvironment(EcrEmulator emulator, TemporaryDirectory temp) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = EcrEmulator.DefaultCredentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = EcrEmulator.DefaultCredentials.SecretAccessKey,
        ["AWS_REGION"] = emulator.Region,
        ["AWS_ENDPOINT_URL_ECR"] = emulator.Endpoint.ToString(),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = temp.Combine("no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = temp.Combine("no-aws-credentials"),
        ["AWS_PROFILE"] = string.Empty,
        ["DOCKER_CONFIG"] = temp.Combine("docker"),
    };

    private Task<ExternalToolResult> RunAsync(params string[] args) => CliRunner.RunProcessAsync(args, _temp.Path, AwsEnvironment(_emulator, _temp));

    private string File(string name, string text)
    {
        var path = _temp.Combine(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string[] Writes(int from = 0)
        => [.. _emulator.Requests.Skip(from).Select(r => r.Operation!).Where(o => !s_reads.Any(r => o.StartsWith(r, StringComparison.Ordinal)))];

    private const string Lifecycle = """
        {
          "rules": [
            {
              "rulePriority": 1,
              "description": "Expire untagged images after 14 days",
              "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14 },
              "action": { "type": "expire" }
            }
          ]
        }
        """;

    [Fact]
    public async Task The_json_result_lists_every_AWS_request_with_the_request_id_AWS_gave_it()
    {
        // When a repository is ensured with a JSON result
        var result = await RunAsync("ecr", "ensure-repository", "audit/trail", "--scan-on-push", "--json");

        // Then the document lists each AWS call in order, with the emulator's x-amzn-RequestId for each
        Assert.True(result.ExitCode == 0, result.StandardError);
        var requests = JsonNode.Parse(result.StandardOutput)!["awsRequests"]!.AsArray();
        Assert.Equal(
            _emulator.Requests.Select(r => (r.Operation ?? string.Empty, r.RequestId)),
            requests.Select(r => (r!["operation"]!.GetValue<string>(), r["requestId"]!.GetValue<string>())));
        Assert.All(requests, r => Assert.Equal("ECR", r!["service"]!.GetValue<string>()));
        Assert.Contains(requests, r => r!["operation"]!.GetValue<string>() == "CreateRepository" && r["status"]!.GetValue<int>() == 200);
    }

    [Fact]
    public async Task Ensure_repository_creates_then_changes_nothing_on_a_second_run()
    {
        // Given settings for a new repository
        var key = _emulator.AddKmsKey();
        string[] args =
        [
            "ecr", "ensure-repository", "payments/api", "--scan-on-push", "--immutable", "--immutable-exclude", "latest",
            "--kms-key", key, "--tag", "team=payments", "--lifecycle-policy", File("lifecycle.json", Lifecycle), "--json",
        ];

        // When it is run twice
        var first = await RunAsync(args);
        var afterFirst = _emulator.Requests.Count;
        var second = await RunAsync(args);

        // Then the first created it (JSON result for scripts), the second sent no write and says so
        Assert.True(first.ExitCode == 0, first.StandardError);
        var created = JsonNode.Parse(first.StandardOutput)!;
        Assert.True(created["created"]!.GetValue<bool>());
        Assert.Equal($"{_emulator.RegistryHost}/payments/api", created["repositoryUri"]!.GetValue<string>());
        Assert.Equal(["repository", "lifecyclePolicy"], created["actions"]!.AsArray().Select(a => a!["setting"]!.GetValue<string>()));
        Assert.Equal(["CreateRepository", "PutLifecyclePolicy"], Writes());
        Assert.True(second.ExitCode == 0, second.StandardError);
        var again = JsonNode.Parse(second.StandardOutput)!;
        Assert.False(again["changed"]!.GetValue<bool>());
        Assert.All(again["actions"]!.AsArray(), a => Assert.Equal("unchanged", a!["change"]!.GetValue<string>()));
        Assert.Empty(Writes(afterFirst));
    }

    [Fact]
    public async Task Ensure_repository_shows_a_policy_diff_for_people_and_a_dry_run_sends_nothing()
    {
        // Given a repository with a lifecycle policy
        var first = await RunAsync("ecr", "ensure-repository", "app", "--lifecycle-policy", File("old.json", Lifecycle));
        Assert.True(first.ExitCode == 0, first.StandardError);
        var before = _emulator.Requests.Count;

        // When a changed policy and scan on push are planned
        var plan = await RunAsync("ecr", "ensure-repository", "app", "--scan-on-push", "--lifecycle-policy", File("new.json", Lifecycle.Replace("14", "30", StringComparison.Ordinal)), "--dry-run");

        // Then the plan lists both, with the unified diff, and nothing was sent
        Assert.True(plan.ExitCode == 0, plan.StandardError);
        Assert.Contains("would be updated scan on push: false -> true", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("would be replaced lifecycle policy replaced from ", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--- app lifecycle policy (in ECR)\n+++ ", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("-        \"countNumber\": 14,\n+        \"countNumber\": 30,", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Dry run: 2 changes would be made; nothing was sent.", plan.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Writes(before));
    }

    [Fact]
    public async Task Malformed_policy_JSON_exits_2_with_TK3072_and_its_position_before_any_request()
    {
        var broken = File("policy.json", "{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}\n");

        var result = await RunAsync("ecr", "ensure-repository", "app", "--policy", broken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error TK3072: {broken} is not well-formed JSON at line 3, column 3", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task Policy_files_are_checked_before_AWS_is_needed()
    {
        // Given no AWS region or credentials at all
        var broken = File("lifecycle.json", "{\"rules\": [{\"rulePriority\": 0}]}");
        var environment = AwsEnvironment(_emulator, _temp);
        environment.Remove("AWS_REGION");
        environment.Remove("AWS_ACCESS_KEY_ID");
        environment.Remove("AWS_SECRET_ACCESS_KEY");

        // When
        var result = await CliRunner.RunProcessAsync(["ecr", "ensure-repository", "app", "--lifecycle-policy", broken], _temp.Path, environment);

        // Then the policy's mistake is what is reported, not the missing region
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK3073: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("(rules[0].rulePriority): expected a number of at least 1, found 0", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task Encryption_drift_exits_1_with_TK3075()
    {
        Assert.Equal(0, (await RunAsync("ecr", "ensure-repository", "app")).ExitCode);

        var result = await RunAsync("ecr", "ensure-repository", "app", "--encryption", "KMS");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error TK3075: The ECR repository app is encrypted with AES256, but the settings ask for KMS.", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contradictory_mutability_options_exit_2_with_TK3070_before_any_request()
    {
        var result = await RunAsync("ecr", "ensure-repository", "app", "--immutable", "--mutable-exclude", "v*");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK3070: ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task Login_writes_the_docker_config_only_when_asked_and_never_prints_the_password()
    {
        // When the login runs without, then with --write-docker-config (at the most verbose level)
        var plain = await RunAsync("ecr", "login", "-v", "diagnostic");
        Assert.True(plain.ExitCode == 0, plain.StandardError);
        Assert.False(Directory.Exists(DockerConfig) && Directory.EnumerateFileSystemEntries(DockerConfig).Any());
        var written = await RunAsync("ecr", "login", _emulator.RegistryHost, "--write-docker-config", "-v", "diagnostic", "--json");

        // Then the config holds a password the registry accepts, only its owner may read it, and no output shows it
        Assert.True(written.ExitCode == 0, written.StandardError);
        var configFile = Path.Combine(DockerConfig, "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(configFile));
        var auth = (string)JsonNode.Parse(System.IO.File.ReadAllText(configFile))!["auths"]![_emulator.RegistryHost]!["auth"]!;
        var password = Encoding.UTF8.GetString(Convert.FromBase64String(auth))["AWS:".Length..];
        Assert.True(((IEcrRegistryBackend)_emulator).IsValidRegistryPassword(password));
        var json = JsonNode.Parse(written.StandardOutput)!;
        Assert.Equal(_emulator.RegistryHost, json["registry"]!.GetValue<string>());
        Assert.Equal("AWS", json["username"]!.GetValue<string>());
        Assert.Equal(configFile, json["dockerConfig"]!.GetValue<string>());
        foreach (var output in new[] { plain.StandardOutput, plain.StandardError, written.StandardOutput, written.StandardError })
        {
            Assert.DoesNotContain(password, output, StringComparison.Ordinal);
            Assert.DoesNotContain(auth, output, StringComparison.Ordinal);
        }

        Assert.Contains($"Got a credential for {_emulator.RegistryHost} (user AWS, valid until ", plain.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_to_another_region_than_asked_is_TK3081()
    {
        var result = await RunAsync("ecr", "login", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "--region", "us-east-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error TK3081: ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task Replication_is_set_once_with_a_diff()
    {
        var first = await RunAsync("ecr", "replication", "--destination", "eu-west-1", "--destination", "us-west-2:111122223333", "--prefix", "payments/");
        var afterFirst = _emulator.Requests.Count;
        var second = await RunAsync("ecr", "replication", "--destination", "us-west-2:111122223333", "--destination", "eu-west-1", "--prefix", "payments/", "--json");

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("added          replication added: eu-west-1, us-west-2:111122223333 for payments/*", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("+          \"registryId\": \"123456789012\"", first.StandardOutput, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Equal("unchanged", JsonNode.Parse(second.StandardOutput)!["action"]!["change"]!.GetValue<string>());
        Assert.Equal(["PutReplicationConfiguration"], Writes());
        Assert.Equal(afterFirst + 1, _emulator.Requests.Count);
    }
}

/// <summary>
/// <c>image push</c> to an Amazon ECR host name with nothing but AWS credentials in the environment: the tool gets the
/// registry password from the ECR emulator (GetAuthorizationToken) and pushes through the ECR data plane (TLS, reached
/// through a loopback CONNECT proxy) in front of a real distribution registry.
/// </summary>
public sealed class EcrPushTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _temp = new("tk-cli-ecr-push");
    private EcrDataPlane _plane = null!;
    private LoopbackConnectProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _plane = await EcrDataPlane.StartAsync(_emulator, registry.BaseUri, new EcrDataPlaneOptions { Tls = true });
        _proxy = new LoopbackConnectProxy(_plane.Port, _plane.RegistryHost);
    }

    public async Task DisposeAsync()
    {
        _proxy.Dispose();
        await _plane.DisposeAsync();
        _emulator.Dispose();
        _temp.Dispose();
    }

    private Dictionary<string, string> Environment()
    {
        var environment = EcrCommandTests.AwsEnvironment(_emulator, _temp);
        var proxy = _proxy.Uri.ToString();
        foreach (var name in new[] { "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy" })
        {
            environment[name] = proxy;
        }

        // The emulator's API endpoint is plain HTTP on loopback; only the registry host goes through the proxy.
        environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1";
        return environment;
    }

    private async Task<string> BuiltLayoutAsync()
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = _temp.Combine("image");
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", app, "-o", $"oci:{layout}:1", "--source-date-epoch", "0");
        Assert.True(build.ExitCode == 0, build.Error);
        return $"oci:{layout}:1";
    }

    [Fact]
    public async Task Push_to_an_ECR_host_just_works_with_AWS_credentials_and_ensure_repository_creates_it_first()
    {
        // Given an image, and no repository yet
        var source = await BuiltLayoutAsync();

        // When it is pushed to the ECR host name with --ensure-repository
        var push = await CliRunner.RunProcessAsync(
            ["image", "push", source, $"{_plane.RegistryHost}/team/app:1", "--ensure-repository", "--ca-file", _plane.CaFile!, "--json"], _temp.Path, Environment());

        // Then the repository was created, the registry password came from GetAuthorizationToken, and ECR holds the image
        Assert.True(push.ExitCode == 0, push.StandardError);
        var digest = JsonNode.Parse(push.StandardOutput)!["digest"]!.GetValue<string>();
        Assert.Equal([digest], _emulator.ImageDigests("team/app"));
        var operations = _emulator.Requests.Select(r => r.Operation).ToArray();
        Assert.Contains("CreateRepository", operations);
        Assert.Contains("GetAuthorizationToken", operations);
        Assert.Empty(_proxy.Refused);
        Assert.Contains("Created the ECR repository team/app", push.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_canary_credential_or_registry_password_appears_in_any_output_report_error_or_command_line()
    {
        // Given canary AWS credentials (with a session token) that the emulator accepts, and the most verbose logging
        var canary = new SigV4Credentials("ASIACANARY0123456789", "canary-secret-" + Guid.NewGuid().ToString("N"), "canary-session-" + Guid.NewGuid().ToString("N"));
        _emulator.AddCredentials(canary);
        var environment = Environment();
        environment["AWS_ACCESS_KEY_ID"] = canary.AccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = canary.SecretAccessKey;
        environment["AWS_SESSION_TOKEN"] = canary.SessionToken!;
        var source = await BuiltLayoutAsync();
        var lifecycle = _temp.Combine("lifecycle.json");
        await File.WriteAllTextAsync(lifecycle, """
            {"rules":[{"rulePriority":1,"description":"Expire untagged images after 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}
            """);

        // ...and the same session token with a wrong secret: AWS then answers with the canonical request it expected,
        // which quotes the x-amz-security-token header
        var wrongSecret = new Dictionary<string, string>(environment) { ["AWS_SECRET_ACCESS_KEY"] = "wrong-" + canary.SecretAccessKey };

        // When the repository is ensured and an image pushed to it (logging everything, then as JSON reports), a push
        // fails on a missing repository, and a call is refused for its signature, while every command line is watched
        ExternalToolResult[] runs;
        IReadOnlyList<string> commandLines;
        using (var watcher = ProcessCommandLineWatcher.Start())
        {
            runs =
            [
                await CliRunner.RunProcessAsync(["ecr", "ensure-repository", "team/canary", "--scan-on-push", "--lifecycle-policy", lifecycle, "-v", "diagnostic"], _temp.Path, environment),
                await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/canary:1", "--ca-file", _plane.CaFile!, "-v", "diagnostic"], _temp.Path, environment),
                await CliRunner.RunProcessAsync(["ecr", "ensure-repository", "team/canary", "--scan-on-push", "--json"], _temp.Path, environment),
                await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/canary:2", "--ca-file", _plane.CaFile!, "--json"], _temp.Path, environment),
                await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/missing:1", "--ca-file", _plane.CaFile!, "-v", "diagnostic"], _temp.Path, environment),
                await CliRunner.RunProcessAsync(["ecr", "ensure-repository", "team/canary", "-v", "diagnostic"], _temp.Path, wrongSecret),
            ];
            commandLines = await watcher.StopAsync();
        }

        // Then the good runs worked, signed with the canary credentials, and the failures failed with their codes
        Assert.All(runs[..4], r => Assert.True(r.ExitCode == 0, r.StandardError));
        Assert.Contains("TK3050", runs[4].StandardError, StringComparison.Ordinal);
        Assert.Contains("TK3011", runs[5].StandardError, StringComparison.Ordinal);
        Assert.Contains(_emulator.Requests, r => r.Operation == "GetAuthorizationToken" && r.AccessKeyId == canary.AccessKeyId);

        // ...and no secret is in any output, log line, JSON report, error message or process command line seen meanwhile
        var secrets = new List<string> { canary.SecretAccessKey, canary.SessionToken!, wrongSecret["AWS_SECRET_ACCESS_KEY"] };
        secrets.AddRange(_emulator.IssuedRegistrySecrets());
        Assert.True(secrets.Count >= 5, "the pushes got registry passwords");
        var everything = string.Join("\n", runs.Select(r => r.StandardOutput + r.StandardError));
        Assert.Contains("debug: ", everything, StringComparison.Ordinal);
        Assert.Contains(commandLines, c => c.Contains("dotnet-toolkit.dll", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(commandLines, c => c.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("Basic ", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_to_a_missing_ECR_repository_fails_with_the_advice_to_ensure_it()
    {
        var source = await BuiltLayoutAsync();

        var push = await CliRunner.RunProcessAsync(["image", "push", source, $"{_plane.RegistryHost}/team/missing:1", "--ca-file", _plane.CaFile!], _temp.Path, Environment());

        Assert.Equal(1, push.ExitCode);
        Assert.Contains("TK3050", push.StandardError, StringComparison.Ordinal);
        Assert.Contains("ensure-repository", push.StandardError, StringComparison.Ordinal);
        Assert.Empty(_emulator.ImageDigests("team/missing"));
    }

    [Fact]
    public async Task Ensure_repository_is_refused_for_a_registry_that_is_not_ECR()
    {
        var source = await BuiltLayoutAsync();

        var push = await CliRunner.RunProcessAsync(["image", "push", source, $"{registry.HostPort}/team/app:1", "--ensure-repository"], _temp.Path, Environment());

        Assert.Equal(2, push.ExitCode);
        Assert.Contains("error TK3078: --ensure-repository is for Amazon ECR destinations", push.StandardError, StringComparison.Ordinal);
    }
}
