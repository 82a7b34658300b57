using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// IAM Identity Center (SSO) profiles: the token <c>aws sso login</c> cached under <c>~/.aws/sso/cache</c> (HOME is a
/// temporary folder) is exchanged for role credentials at a loopback stand-in of the SSO portal
/// (<c>AWS_ENDPOINT_URL_SSO</c>), and those credentials sign the service request.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class AwsSsoCredentialsTests
{
    private const string Config = """
        [profile sso-dev]
        sso_session = corp
        sso_account_id = 123456789012
        sso_role_name = Developer
        region = eu-west-1

        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1

        [profile sso-legacy]
        sso_start_url = https://legacy.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 210987654321
        sso_role_name = ReadOnly
        region = eu-west-1
        """;

    private static string SignedWith(StubRequest request) => request.Headers["Authorization"].Split("Credential=")[1].Split('/')[0];

    /// <summary>Writes the token file the AWS CLI writes: named by the SHA-1 of the session name (or the legacy start URL).</summary>
    private static void CacheToken(string home, string key, string startUrl, DateTimeOffset expiresAt)
    {
        var folder = Path.Combine(home, ".aws", "sso", "cache");
        Directory.CreateDirectory(folder);
#pragma warning disable CA5350 // The AWS CLI names the file by SHA-1; nothing is protected by it.
        var name = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(key))) + ".json";
#pragma warning restore CA5350
        File.WriteAllText(Path.Combine(folder, name), $$"""
            {"startUrl":"{{startUrl}}","region":"us-east-1","accessToken":"{{CredentialsStandIn.SsoAccessToken}}","expiresAt":"{{expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}
            """);
    }

    private static ProcessEnvironment SsoEnvironment(TemporaryDirectory directory, string portalUrl)
    {
        var config = Path.Combine(directory.Path, "config");
        File.WriteAllText(config, Config);
        return new ProcessEnvironment(
            new Dictionary<string, string?> { ["HOME"] = directory.Path, ["AWS_ENDPOINT_URL_SSO"] = portalUrl },
            Path.Combine(directory.Path, "credentials"),
            config);
    }

    private static TestJsonClient ClientFor(string profile, AwsJsonStub ecr)
        => new(AwsConnection.Resolve(new AwsConnectionOptions { Profile = profile, EndpointUrl = ecr.Url, Environment = ProcessEnvironmentVariables.Instance }));

    [Theory]
    [InlineData("sso-dev", "corp", "https://corp.awsapps.com/start", "123456789012", "Developer")]
    [InlineData("sso-legacy", "https://legacy.awsapps.com/start", "https://legacy.awsapps.com/start", "210987654321", "ReadOnly")]
    public async Task The_cached_token_is_exchanged_at_the_portal_and_its_credentials_sign_the_request(string profile, string cacheKey, string startUrl, string account, string role)
    {
        // Given
        using var portal = new CredentialsStandIn("ASIAFROMSSOPORTAL", "sso-secret", "sso-session-token");
        using var directory = new TemporaryDirectory();
        using var environment = SsoEnvironment(directory, portal.Url);
        CacheToken(directory.Path, cacheKey, startUrl, DateTimeOffset.UtcNow.AddHours(1));
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "req-sso"));
        using var client = ClientFor(profile, ecr);

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        var exchange = Assert.Single(portal.Requests);
        Assert.Equal("GET", exchange.Method);
        Assert.Equal("/federation/credentials", exchange.Path);
        Assert.Equal(account, exchange.QueryParameters["account_id"]);
        Assert.Equal(role, exchange.QueryParameters["role_name"]);
        Assert.Equal(CredentialsStandIn.SsoAccessToken, exchange.Headers["x-amz-sso_bearer_token"]);
        Assert.False(exchange.Headers.ContainsKey("Authorization"));
        var request = Assert.Single(ecr.Requests);
        Assert.Equal("ASIAFROMSSOPORTAL", SignedWith(request));
        Assert.Equal("sso-session-token", request.Headers["X-Amz-Security-Token"]);
        Assert.Contains("/eu-west-1/ecr/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_endpoint_can_come_from_the_profiles_services_section()
    {
        // Given
        using var portal = new CredentialsStandIn("ASIAFROMSERVICES", "sso-secret", "sso-session-token");
        using var directory = new TemporaryDirectory();
        var config = Path.Combine(directory.Path, "config");
        await File.WriteAllTextAsync(config, $$"""
            [profile sso-dev]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = Developer
            region = eu-west-1
            services = local

            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = us-east-1

            [services local]
            sso =
              endpoint_url = {{portal.Url}}
            """);
        using var environment = new ProcessEnvironment(new Dictionary<string, string?> { ["HOME"] = directory.Path }, Path.Combine(directory.Path, "credentials"), config);
        CacheToken(directory.Path, "corp", "https://corp.awsapps.com/start", DateTimeOffset.UtcNow.AddHours(1));
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "req-sso"));
        using var client = ClientFor("sso-dev", ecr);

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        Assert.Single(portal.Requests);
        Assert.Equal("ASIAFROMSERVICES", SignedWith(Assert.Single(ecr.Requests)));
    }

    [Theory]
    [InlineData("sso-dev", null)]
    [InlineData("sso-legacy", null)]
    [InlineData("sso-dev", "corp")]
    [InlineData("sso-legacy", "https://legacy.awsapps.com/start")]
    public async Task A_missing_or_expired_login_is_a_coded_error_that_says_to_log_in_with_the_profile(string profile, string? expiredTokenKey)
    {
        // Given: no cached token, or one that expired an hour ago and has no refresh token.
        using var portal = new CredentialsStandIn("ASIAFROMSSOPORTAL", "sso-secret", "sso-session-token");
        using var directory = new TemporaryDirectory();
        using var environment = SsoEnvironment(directory, portal.Url);
        if (expiredTokenKey is not null)
        {
            CacheToken(directory.Path, expiredTokenKey, expiredTokenKey.StartsWith("https", StringComparison.Ordinal) ? expiredTokenKey : "https://corp.awsapps.com/start", DateTimeOffset.UtcNow.AddHours(-1));
        }

        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(profile, ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsSsoLoginRequired, exception.ErrorCode);
        Assert.Contains($"aws sso login --profile {profile}", exception.Message, StringComparison.Ordinal);
        Assert.Empty(portal.Requests);
        Assert.Empty(ecr.Requests);
        Assert.DoesNotContain(CredentialsStandIn.SsoAccessToken, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_portal_that_drops_every_connection_is_asked_max_attempts_times()
    {
        // Given
        using var portal = new ConnectionDroppingServer();
        using var directory = new TemporaryDirectory();
        using var environment = SsoEnvironment(directory, portal.Url);
        CacheToken(directory.Path, "corp", "https://corp.awsapps.com/start", DateTimeOffset.UtcNow.AddHours(1));
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = new TestJsonClient(AwsConnection.Resolve(new AwsConnectionOptions
        {
            Profile = "sso-dev",
            EndpointUrl = ecr.Url,
            MaxAttempts = 2,
            Environment = ProcessEnvironmentVariables.Instance,
        }));

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(2, portal.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains("IAM Identity Center (SSO) (start URL https://corp.awsapps.com/start, account 123456789012, role Developer)", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"{portal.Url} (from AWS_ENDPOINT_URL_SSO)", exception.Message, StringComparison.Ordinal);
    }
}
