using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// Where credentials come from, each source proven against loopback stand-ins only. AWSSDK.Core reads the process
/// environment for these, so the tests set it (see <see cref="ProcessEnvironment"/>) and run one at a time.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class AwsCredentialsTests
{
    private static AwsConnection Connect(string endpointUrl, string? profile = null, string? region = "us-east-1")
        => AwsConnection.Resolve(new AwsConnectionOptions
        {
            Profile = profile,
            Region = region,
            EndpointUrl = endpointUrl,
            Environment = ProcessEnvironmentVariables.Instance,
        });

    private static string SignedWith(StubRequest request) => request.Headers["Authorization"].Split("Credential=")[1].Split('/')[0];

    [Fact]
    public async Task Environment_variables_sign_the_request()
    {
        // Given
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = "AKIDFROMENVIRONMENT",
            ["AWS_SECRET_ACCESS_KEY"] = "environment-secret",
            ["AWS_SESSION_TOKEN"] = "environment-session",
        });
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-env"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        var request = Assert.Single(stub.Requests);
        Assert.Equal("AKIDFROMENVIRONMENT", SignedWith(request));
        Assert.Equal("environment-session", request.Headers["X-Amz-Security-Token"]);
    }

    [Fact]
    public async Task A_named_profile_of_the_shared_files_signs_and_gives_the_region()
    {
        // Given
        using var directory = new TemporaryDirectory();
        var credentials = Path.Combine(directory.Path, "credentials");
        var config = Path.Combine(directory.Path, "config");
        await File.WriteAllTextAsync(credentials, """
            [default]
            aws_access_key_id = AKIDDEFAULTPROFILE
            aws_secret_access_key = default-secret

            [deploy]
            aws_access_key_id = AKIDDEPLOYPROFILE
            aws_secret_access_key = deploy-secret
            """);
        await File.WriteAllTextAsync(config, """
            [default]
            region = eu-west-1

            [profile deploy]
            region = eu-central-1
            """);
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>(), credentials, config);
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-p1"), StubAnswer.Ok("{}", "req-p2"));

        // When
        var deploy = Connect(stub.Url, profile: "deploy", region: null);
        using (var client = new TestJsonClient(deploy))
        {
            await client.CallEmptyAsync("DescribeRegistry");
        }

        var fallback = Connect(stub.Url, region: null);
        using (var client = new TestJsonClient(fallback))
        {
            await client.CallEmptyAsync("DescribeRegistry");
        }

        // Then
        Assert.Equal("eu-central-1", deploy.Region);
        Assert.Equal("eu-west-1", fallback.Region);
        Assert.Equal(["AKIDDEPLOYPROFILE", "AKIDDEFAULTPROFILE"], stub.Requests.Select(SignedWith).ToArray());
        Assert.Contains("/eu-central-1/ecr/aws4_request", stub.Requests[0].Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_profile_that_does_not_exist_is_a_coded_error_naming_the_profiles_there()
    {
        using var directory = new TemporaryDirectory();
        var credentials = Path.Combine(directory.Path, "credentials");
        File.WriteAllText(credentials, "[default]\naws_access_key_id = AKIDX\naws_secret_access_key = x\n");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>(), credentials);

        var exception = Assert.Throws<ToolkitException>(() => Connect("http://127.0.0.1:9", profile: "missing"));

        Assert.Equal(ErrorCodes.AwsProfileNotFound, exception.ErrorCode);
        Assert.Contains("'missing'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("default", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_region_anywhere_is_a_coded_error_that_says_what_to_set()
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>());

        var exception = Assert.Throws<ToolkitException>(() => Connect("http://127.0.0.1:9", region: null));

        Assert.Equal(ErrorCodes.AwsRegionMissing, exception.ErrorCode);
        Assert.Contains("AWS_REGION", exception.Message, StringComparison.Ordinal);
        Assert.Contains("--region", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credentials_anywhere_is_a_coded_error()
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?> { ["HOME"] = "/nonexistent/toolkit-home" });
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = new TestJsonClient(Connect(stub.Url));

        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        Assert.Equal(ErrorCodes.AwsCredentialsNotFound, exception.ErrorCode);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_role_profile_assumes_the_role_at_sts_with_the_source_profiles_keys()
    {
        // Given
        using var sts = new CredentialsStandIn("ASIAASSUMEDROLE", "assumed-secret", "assumed-session-token");
        using var directory = new TemporaryDirectory();
        var credentials = Path.Combine(directory.Path, "credentials");
        var config = Path.Combine(directory.Path, "config");
        await File.WriteAllTextAsync(credentials, "[base]\naws_access_key_id = AKIDSOURCEPROFILE\naws_secret_access_key = source-secret\n");
        await File.WriteAllTextAsync(config, """
            [profile deploy]
            role_arn = arn:aws:iam::123456789012:role/deploy
            source_profile = base
            role_session_name = toolkit-test
            region = us-west-2
            """);
        using var environment = new ProcessEnvironment(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_STS"] = sts.Url }, credentials, config);
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-role"));
        using var client = new TestJsonClient(Connect(stub.Url, profile: "deploy", region: null));

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        var assume = Assert.Single(sts.Requests);
        Assert.Equal("AssumeRole", assume.Form["Action"]);
        Assert.Equal("arn:aws:iam::123456789012:role/deploy", assume.Form["RoleArn"]);
        Assert.Equal("toolkit-test", assume.Form["RoleSessionName"]);
        Assert.Contains("Credential=AKIDSOURCEPROFILE/", assume.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("/us-west-2/sts/aws4_request", assume.Headers["Authorization"], StringComparison.Ordinal);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("ASIAASSUMEDROLE", SignedWith(request));
        Assert.Equal("assumed-session-token", request.Headers["X-Amz-Security-Token"]);
    }

    [Fact]
    public async Task Web_identity_from_the_environment_is_exchanged_at_sts_like_github_oidc()
    {
        // Given
        using var sts = new CredentialsStandIn("ASIAWEBIDENTITY", "web-secret", "web-session-token");
        using var directory = new TemporaryDirectory();
        var tokenFile = Path.Combine(directory.Path, "token");
        await File.WriteAllTextAsync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.github-oidc-token.signature");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/github-deploy",
            ["AWS_ROLE_SESSION_NAME"] = "gh-run-42",
            ["AWS_ENDPOINT_URL_STS"] = sts.Url,
        });
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-web"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        var exchange = Assert.Single(sts.Requests);
        Assert.Equal("AssumeRoleWithWebIdentity", exchange.Form["Action"]);
        Assert.Equal("arn:aws:iam::123456789012:role/github-deploy", exchange.Form["RoleArn"]);
        Assert.Equal("eyJhbGciOiJSUzI1NiJ9.github-oidc-token.signature", exchange.Form["WebIdentityToken"]);
        Assert.Equal("gh-run-42", exchange.Form["RoleSessionName"]);
        Assert.False(exchange.Headers.ContainsKey("Authorization"));
        Assert.Equal("ASIAWEBIDENTITY", SignedWith(Assert.Single(stub.Requests)));
    }

    [Fact]
    public async Task Container_credentials_come_from_the_full_uri_with_the_authorization_token()
    {
        // Given
        using var container = new CredentialsStandIn("ASIACONTAINER", "container-secret", "container-session");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = $"{container.Url}/container/credentials",
            ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = CredentialsStandIn.ContainerToken,
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-container"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        var fetch = Assert.Single(container.Requests);
        Assert.Equal("GET", fetch.Method);
        Assert.Equal(CredentialsStandIn.ContainerToken, fetch.Headers["Authorization"]);
        Assert.Equal("ASIACONTAINER", SignedWith(Assert.Single(stub.Requests)));
    }

    [Fact]
    public async Task Instance_metadata_credentials_use_an_imdsv2_session_token()
    {
        // Given
        using var imds = new CredentialsStandIn("ASIAINSTANCE", "instance-secret", "instance-session");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Url,
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        environment.Set("AWS_EC2_METADATA_DISABLED", null);
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-imds"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var failure = await Record.ExceptionAsync(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        var requests = imds.Requests;
        Assert.True(failure is null, $"{failure}\nIMDS saw: {string.Join(", ", requests.Select(r => $"{r.Method} {r.Path}"))}");
        Assert.Equal("PUT", requests[0].Method);
        Assert.Equal("/latest/api/token", requests[0].Path);
        Assert.True(requests[0].Headers.ContainsKey("X-aws-ec2-metadata-token-ttl-seconds"));
        Assert.Contains(requests, r => r.Method == "GET" && r.Path.EndsWith("/" + CredentialsStandIn.RoleName, StringComparison.Ordinal));
        Assert.All(requests.Where(r => r.Method == "GET"), r => Assert.Equal(CredentialsStandIn.ImdsToken, r.Headers["X-aws-ec2-metadata-token"]));
        Assert.Equal("ASIAINSTANCE", SignedWith(Assert.Single(stub.Requests)));
    }
}
