using System.ComponentModel;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Registry;

public sealed class DockerConfigCredentialProviderTests : IDisposable
{
    private const string Secret = "hunter2-very-secret";
    private readonly TemporaryDirectory _home = new("docker-config");
    private readonly FakeProcessRunner _processes = new();
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public DockerConfigCredentialProviderTests()
    {
        _variables["DOCKER_CONFIG"] = _home.Path;
    }

    public void Dispose() => _home.Dispose();

    private DockerConfigCredentialProvider Provider() => new(new DictionaryEnvironmentVariables(_variables), _processes);

    private void Config(string json) => File.WriteAllText(_home.Combine("config.json"), json);

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_base64_auth_entry_gives_the_username_and_password()
    {
        // Given an auths entry keyed by a URL
        Config("""{"auths":{"https://registry.example:5000/v1/":{"auth":"@@0@@"}}}""".Replace("@@0@@", Base64("alice:" + Secret), StringComparison.Ordinal));

        // When credentials for the host are asked for
        var credential = await Provider().GetCredentialAsync("registry.example:5000", CancellationToken.None);

        // Then they come from the entry
        Assert.NotNull(credential);
        Assert.Equal("alice", credential.Username);
        Assert.Equal(Secret, credential.Password);
        Assert.DoesNotContain(Secret, credential.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Username_password_and_identity_token_entries_are_read()
    {
        // Given entries with username/password and with an identity token
        Config("""{"auths":{"a.example":{"username":"bob","password":"@@0@@"},"b.example":{"identitytoken":"@@1@@"}}}""".Replace("@@0@@", Secret, StringComparison.Ordinal).Replace("@@1@@", Secret, StringComparison.Ordinal));

        // When both are asked for
        var a = await Provider().GetCredentialAsync("a.example", CancellationToken.None);
        var b = await Provider().GetCredentialAsync("b.example", CancellationToken.None);

        // Then each has its kind of secret
        Assert.Equal(("bob", Secret), (a!.Username, a.Password));
        Assert.Equal(Secret, b!.IdentityToken);
        Assert.Null(b.Password);
    }

    [Fact]
    public async Task Docker_Hub_aliases_find_the_index_entry()
    {
        // Given docker's own key for Docker Hub
        Config("""{"auths":{"https://index.docker.io/v1/":{"auth":"@@0@@"}}}""".Replace("@@0@@", Base64("carol:" + Secret), StringComparison.Ordinal));

        // When docker.io and its registry host are asked for
        var a = await Provider().GetCredentialAsync("docker.io", CancellationToken.None);
        var b = await Provider().GetCredentialAsync("registry-1.docker.io", CancellationToken.None);

        // Then both find it
        Assert.Equal("carol", a!.Username);
        Assert.Equal("carol", b!.Username);
    }

    [Fact]
    public async Task A_credHelper_for_the_host_is_run_with_the_server_URL_on_standard_input()
    {
        // Given a credHelpers entry and a helper that answers
        Config("""{"credHelpers":{"ecr.example":"ecr-login"},"auths":{"ecr.example":{"auth":"ignored"}}}""");
        _processes.Answer = (_, _) => new ProcessResult(0, """{"ServerURL":"ecr.example","Username":"AWS","Secret":"@@0@@"}""".Replace("@@0@@", Secret, StringComparison.Ordinal), string.Empty);

        // When credentials are asked for
        var credential = await Provider().GetCredentialAsync("ecr.example", CancellationToken.None);

        // Then the helper was run as docker does it
        var call = Assert.Single(_processes.Calls);
        Assert.Equal("docker-credential-ecr-login", call.FileName);
        Assert.Equal(["get"], call.Arguments);
        Assert.Equal("ecr.example", call.StandardInput);
        Assert.Equal(("AWS", Secret), (credential!.Username, credential.Password));
        Assert.Equal("docker-credential-ecr-login", credential.Source);
    }

    [Fact]
    public async Task A_credsStore_is_used_for_hosts_without_an_entry_and_token_usernames_are_identity_tokens()
    {
        // Given a credsStore whose helper returns an identity token for Docker Hub
        Config("""{"credsStore":"desktop"}""");
        _processes.Answer = (_, _) => new ProcessResult(0, """{"Username":"<token>","Secret":"@@0@@"}""".Replace("@@0@@", Secret, StringComparison.Ordinal), string.Empty);

        // When Docker Hub is asked for
        var credential = await Provider().GetCredentialAsync("docker.io", CancellationToken.None);

        // Then the store got Docker Hub's server URL and the secret is an identity token
        Assert.Equal("https://index.docker.io/v1/", Assert.Single(_processes.Calls).StandardInput);
        Assert.Equal(Secret, credential!.IdentityToken);
        Assert.Null(credential.Username);
    }

    [Fact]
    public async Task A_helper_that_has_no_credentials_means_anonymous()
    {
        // Given a store that has nothing for the host
        Config("""{"credsStore":"pass"}""");
        _processes.Answer = (_, _) => new ProcessResult(1, "credentials not found in native keychain", string.Empty);

        // When asked
        var credential = await Provider().GetCredentialAsync("ghcr.io", CancellationToken.None);

        // Then there are none
        Assert.Null(credential);
    }

    [Fact]
    public async Task A_missing_helper_is_a_coded_error_naming_the_helper_and_what_to_do()
    {
        // Given a helper that is not installed
        Config("""{"credHelpers":{"ghcr.io":"gh"}}""");
        _processes.Answer = (_, _) => throw new Win32Exception(2, "No such file or directory");

        // When asked
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Provider().GetCredentialAsync("ghcr.io", CancellationToken.None));

        // Then the error says which helper and how to fix it, with no stack trace in the message
        Assert.Equal(ErrorCodes.CredentialHelperFailed.Code, error.Code);
        Assert.Contains("docker-credential-gh", error.Message, StringComparison.Ordinal);
        Assert.Contains("Install it", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_helper_is_a_coded_error()
    {
        // Given a helper that fails
        Config("""{"credsStore":"secretservice"}""");
        _processes.Answer = (_, _) => new ProcessResult(3, string.Empty, "dbus unavailable");

        // When asked
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Provider().GetCredentialAsync("quay.io", CancellationToken.None));

        // Then it is TK1012 with the exit code and the helper's words
        Assert.Equal(ErrorCodes.CredentialHelperFailed.Code, error.Code);
        Assert.Contains("exit code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("dbus unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_variables_override_the_config_per_host_first_then_for_every_host()
    {
        // Given a config entry, global variables and per-host variables for one host
        Config("""{"auths":{"a.example":{"auth":"@@0@@"}}}""".Replace("@@0@@", Base64("config:x"), StringComparison.Ordinal));
        _variables["TOOLKIT_REGISTRY_USERNAME"] = "global";
        _variables["TOOLKIT_REGISTRY_PASSWORD"] = Secret;
        _variables["TOOLKIT_REGISTRY_127_0_0_1_5000_USERNAME"] = "local";
        _variables["TOOLKIT_REGISTRY_127_0_0_1_5000_PASSWORD"] = Secret;

        // When both hosts are asked for
        var a = await Provider().GetCredentialAsync("a.example", CancellationToken.None);
        var local = await Provider().GetCredentialAsync("127.0.0.1:5000", CancellationToken.None);

        // Then the per-host variables win for their host and the global ones for the others
        Assert.Equal("global", a!.Username);
        Assert.Equal("local", local!.Username);
        Assert.Empty(_processes.Calls);
    }

    [Fact]
    public async Task No_config_file_means_anonymous()
    {
        // Given an empty DOCKER_CONFIG folder
        // When asked
        var credential = await Provider().GetCredentialAsync("ghcr.io", CancellationToken.None);

        // Then there are no credentials
        Assert.Null(credential);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"auths":{"a.example":{"auth":"@@not-base64@@"}}}""")]
    [InlineData("""{"auths":{"a.example":{"auth":"bm9jb2xvbg=="}}}""")]
    public async Task A_broken_config_is_a_coded_error_without_secrets(string json)
    {
        // Given a broken config
        Config(json);

        // When asked
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Provider().GetCredentialAsync("a.example", CancellationToken.None));

        // Then it is TK1014 and quotes no auth value
        Assert.Equal(ErrorCodes.InvalidDockerConfig.Code, error.Code);
        Assert.DoesNotContain("bm9jb2xvbg", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("@@not-base64@@", error.Message, StringComparison.Ordinal);
    }

    private sealed class FakeProcessRunner : IProcessRunner
    {
        public List<(string FileName, IReadOnlyList<string> Arguments, string? StandardInput)> Calls { get; } = [];

        public Func<string, string?, ProcessResult> Answer { get; set; } = (_, _) => new ProcessResult(1, string.Empty, "no helper");

        public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
            => RunAsync(fileName, arguments, workingDirectory, null, cancellationToken);

        public Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? workingDirectory, string? standardInput, CancellationToken cancellationToken)
        {
            Calls.Add((fileName, arguments, standardInput));
            return Task.FromResult(Answer(fileName, standardInput));
        }
    }
}
