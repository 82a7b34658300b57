using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests.Ecr.Login;

public sealed class DockerConfigAuthWriterTests : IDisposable
{
    private const string Host = "111122223333.dkr.ecr.us-east-1.amazonaws.com";
    private const string Password = "canary-password-0f9e8d";
    private readonly TemporaryDirectory _folder = new("docker-config-writer");

    public void Dispose() => _folder.Dispose();

    private string ConfigPath => _folder.Combine("config.json");

    [Fact]
    public async Task A_new_config_is_created_with_mode_0600_and_read_back_by_our_provider()
    {
        // Given no docker config yet, in a folder that does not exist
        var path = _folder.Combine("new", "config.json");

        // When an entry is written
        var written = await DockerConfigAuthWriter.SetAuthAsync(path, Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None);

        // Then only the owner may read it, and docker's lookup finds the credential
        Assert.Equal(path, written.Path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        var provider = new DockerConfigCredentialProvider(new DictionaryEnvironmentVariables(new Dictionary<string, string> { ["DOCKER_CONFIG"] = Path.GetDirectoryName(path)! }), ProcessRunner.Instance);
        var credential = await provider.GetCredentialAsync(Host, CancellationToken.None);
        Assert.Equal(("AWS", Password), (credential!.Username, credential.Password));
    }

    [Fact]
    public async Task Other_entries_and_settings_are_kept_and_the_entry_replaced()
    {
        // Given a config with another registry, a stale entry for this one and other settings
        File.WriteAllText(ConfigPath, """
            {
              "auths": {
                "ghcr.io": { "auth": "b3RoZXI6c2VjcmV0" },
                "111122223333.dkr.ecr.us-east-1.amazonaws.com": { "auth": "c3RhbGU=", "email": "x@example.com" }
              },
              "psFormat": "table {{.ID}}",
              "proxies": { "default": { "httpProxy": "http://proxy:3128" } }
            }
            """);
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        // When the entry is written
        await DockerConfigAuthWriter.SetAuthAsync(ConfigPath, Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None);

        // Then the other entries are as they were, the entry holds the new auth only, and the file is 0600
        var root = JsonNode.Parse(File.ReadAllText(ConfigPath))!;
        Assert.Equal("b3RoZXI6c2VjcmV0", (string?)root["auths"]!["ghcr.io"]!["auth"]);
        Assert.Equal(DockerConfigAuthWriter.Auth("AWS", Password), (string?)root["auths"]![Host]!["auth"]);
        Assert.Null(root["auths"]![Host]!["email"]);
        Assert.Equal("table {{.ID}}", (string?)root["psFormat"]);
        Assert.Equal("http://proxy:3128", (string?)root["proxies"]!["default"]!["httpProxy"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public async Task Helpers_that_take_precedence_are_reported()
    {
        File.WriteAllText(ConfigPath, """{"credsStore":"desktop","credHelpers":{"HOST":"ecr-login"}}""".Replace("HOST", Host, StringComparison.Ordinal));

        var written = await DockerConfigAuthWriter.SetAuthAsync(ConfigPath, Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None);

        Assert.Equal("ecr-login", written.CredentialHelper);
        Assert.Equal("desktop", written.CredentialsStore);
    }

    [Fact]
    public async Task A_symbolic_link_is_followed_and_kept()
    {
        var target = _folder.Combine("real.json");
        File.WriteAllText(target, "{}");
        File.CreateSymbolicLink(ConfigPath, target);

        var written = await DockerConfigAuthWriter.SetAuthAsync(ConfigPath, Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None);

        Assert.Equal(target, written.Path);
        Assert.NotNull(new FileInfo(ConfigPath).LinkTarget);
        Assert.Contains(Host, File.ReadAllText(ConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_config_is_TK1014_and_its_content_is_not_quoted()
    {
        File.WriteAllText(ConfigPath, """{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="}} """);

        var error = await Assert.ThrowsAsync<ToolkitException>(() => DockerConfigAuthWriter.SetAuthAsync(ConfigPath, Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None));

        Assert.Equal(ErrorCodes.InvalidDockerConfig, error.ErrorCode);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_cannot_be_created_is_TK3079()
    {
        // Given DOCKER_CONFIG under a path whose parent is a file
        var file = _folder.Combine("not-a-folder");
        File.WriteAllText(file, "x");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => DockerConfigAuthWriter.SetAuthAsync(Path.Combine(file, "docker", "config.json"), Host, DockerConfigAuthWriter.Auth("AWS", Password), CancellationToken.None));

        Assert.Equal(ErrorCodes.DockerConfigNotWritten, error.ErrorCode);
        Assert.Contains("DOCKER_CONFIG", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }
}
