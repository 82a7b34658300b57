using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Tests.Ecr.Repositories;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr.Login;

/// <summary><see cref="EcrLogin"/> through the real client against the ECR emulator, which issues the registry passwords.</summary>
public sealed class EcrLoginTests : IDisposable
{
    private readonly EcrEmulator _emulator = new();
    private readonly TemporaryDirectory _dockerConfig = new("ecr-login");
    private readonly ConcurrentQueue<LogLine> _log = new();

    public void Dispose()
    {
        _dockerConfig.Dispose();
        _emulator.Dispose();
    }

    private string ConfigFile => _dockerConfig.Combine("config.json");

    private async Task<EcrLoginResult> LoginAsync(EcrLoginRequest request)
    {
        using var client = EcrRepositoryControlsTests.ClientFor(_emulator, new LogSink(_log.Enqueue));
        var environment = new DictionaryEnvironmentVariables(new Dictionary<string, string> { ["DOCKER_CONFIG"] = _dockerConfig.Path });
        return await new EcrLogin(client, environment, new LogSink(_log.Enqueue)).LoginAsync(request, CancellationToken.None);
    }

    private string PasswordInConfig()
    {
        var auth = (string)JsonNode.Parse(File.ReadAllText(ConfigFile))!["auths"]![_emulator.RegistryHost]!["auth"]!;
        return Encoding.UTF8.GetString(Convert.FromBase64String(auth))["AWS:".Length..];
    }

    [Fact]
    public async Task Without_a_registry_the_default_one_is_named_and_nothing_is_written()
    {
        var result = await LoginAsync(new EcrLoginRequest());

        Assert.Equal(_emulator.RegistryHost, result.Registry);
        Assert.Equal("AWS", result.Username);
        Assert.InRange(result.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(11.9), TimeSpan.FromHours(12.1));
        Assert.Null(result.DockerConfigPath);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dockerConfig.Path));
        Assert.Equal(["GetAuthorizationToken"], _emulator.Requests.Select(r => r.Operation));
    }

    [Fact]
    public async Task Written_to_the_docker_config_the_password_works_and_appears_nowhere_else()
    {
        // When the login writes the docker config
        var result = await LoginAsync(new EcrLoginRequest { Registry = _emulator.RegistryHost, WriteDockerConfig = true });

        // Then the file is the owner's only, and holds a password the registry accepts
        Assert.Equal(ConfigFile, result.DockerConfigPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
        var password = PasswordInConfig();
        Assert.True(((IEcrRegistryBackend)_emulator).IsValidRegistryPassword(password));

        // And no result, log line or message carries it
        Assert.DoesNotContain(password, result.ToString(), StringComparison.Ordinal);
        Assert.All(_log, l => Assert.DoesNotContain(password, l.Message + l.Exception, StringComparison.Ordinal));
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)), string.Concat(_log.Select(l => l.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_helper_for_the_registry_is_warned_about()
    {
        File.WriteAllText(ConfigFile, """{"credHelpers":{"HOST":"ecr-login"}}""".Replace("HOST", _emulator.RegistryHost, StringComparison.Ordinal));

        var result = await LoginAsync(new EcrLoginRequest { WriteDockerConfig = true });

        Assert.StartsWith("TK3080: ", Assert.Single(result.Warnings), StringComparison.Ordinal);
        Assert.Contains(_log, l => l.Code == "TK3080" && l.Message.Contains("docker-credential-ecr-login", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("registry.example.com")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example")]
    [InlineData("public.ecr.aws")]
    public async Task A_host_that_is_not_ECR_is_TK3078_before_any_request(string registry)
    {
        var error = await Assert.ThrowsAsync<ToolkitException>(() => LoginAsync(new EcrLoginRequest { Registry = registry }));

        Assert.Equal(ErrorCodes.NotAnEcrRegistry, error.ErrorCode);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public void The_registry_host_sets_the_region_and_FIPS_of_the_connection()
    {
        var options = EcrLogin.ConnectionFor(new AwsConnectionOptions { Profile = "ci" }, "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com");

        Assert.Equal("us-gov-west-1", options.Region);
        Assert.True(options.UseFips);
        Assert.Null(options.UseDualStack);
        Assert.Equal("ci", options.Profile);
    }

    [Fact]
    public void A_region_that_contradicts_the_registry_host_is_TK3081()
    {
        var error = Assert.Throws<ToolkitException>(() => EcrLogin.ConnectionFor(new AwsConnectionOptions { Region = "eu-west-1" }, "111122223333.dkr.ecr.us-east-1.amazonaws.com"));

        Assert.Equal(ErrorCodes.EcrRegionMismatch, error.ErrorCode);
        Assert.Contains("us-east-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("eu-west-1", error.Message, StringComparison.Ordinal);
    }
}
