using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// A credential source that keeps failing is asked a bounded number of times: the connection's attempts per fetch
/// (STS and container credentials), with backoff, and the request that needed the credentials does not fetch again
/// per attempt of its own. The failure is a coded error that names the source. Loopback stand-ins only.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class CredentialFetchBoundsTests
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/github-deploy";

    private const string StsInternalFailure = """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>STS is having a bad day</Message></Error>
          <RequestId>sts-500</RequestId>
        </ErrorResponse>
        """;

    private const string StsAccessDenied = """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error>
          <RequestId>sts-403</RequestId>
        </ErrorResponse>
        """;

    private static TestJsonClient ClientFor(AwsJsonStub ecr, int? maxAttempts = null)
        => new(AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = "us-east-1",
            EndpointUrl = ecr.Url,
            MaxAttempts = maxAttempts,
            Environment = ProcessEnvironmentVariables.Instance,
        }));

    private static ProcessEnvironment WebIdentityAt(string stsUrl, TemporaryDirectory directory)
    {
        var tokenFile = Path.Combine(directory.Path, "token");
        File.WriteAllText(tokenFile, "eyJhbGciOiJSUzI1NiJ9.github-oidc-token.signature");
        return new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile,
            ["AWS_ROLE_ARN"] = RoleArn,
            ["AWS_ENDPOINT_URL_STS"] = stsUrl,
        });
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public async Task Web_identity_at_an_sts_that_drops_every_connection_is_asked_max_attempts_times(int maxAttempts)
    {
        // Given
        using var sts = new ConnectionDroppingServer();
        using var directory = new TemporaryDirectory();
        using var environment = WebIdentityAt(sts.Url, directory);
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr, maxAttempts);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(maxAttempts, sts.Requests);
        Assert.Empty(ecr.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains($"web identity (AWS_ROLE_ARN {RoleArn}, AWS_WEB_IDENTITY_TOKEN_FILE ", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"STS at {sts.Url} (from AWS_ENDPOINT_URL_STS)", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"all {maxAttempts} attempts", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Web_identity_at_an_sts_that_answers_500_every_time_is_asked_max_attempts_times()
    {
        // Given
        using var sts = new AwsJsonStub(new StubAnswer(500, StsInternalFailure));
        using var directory = new TemporaryDirectory();
        using var environment = WebIdentityAt(sts.Url, directory);
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(3, sts.Requests.Count);
        Assert.All(sts.Requests, r => Assert.Contains("Action=AssumeRoleWithWebIdentity", r.Body, StringComparison.Ordinal));
        Assert.Empty(ecr.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains("HTTP 500", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"AWS_ROLE_ARN {RoleArn}", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_from_sts_is_asked_once_and_is_the_credentials_failed_code()
    {
        // Given
        using var sts = new AwsJsonStub(new StubAnswer(403, StsAccessDenied));
        using var directory = new TemporaryDirectory();
        using var environment = WebIdentityAt(sts.Url, directory);
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Single(sts.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialsFailed, exception.ErrorCode);
        Assert.Contains("HTTP 403 AccessDenied", exception.Message, StringComparison.Ordinal);
        Assert.Contains("trusts the identity provider", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assume_role_at_an_sts_that_drops_every_connection_is_asked_max_attempts_times()
    {
        // Given
        using var sts = new ConnectionDroppingServer();
        using var directory = new TemporaryDirectory();
        var credentials = Path.Combine(directory.Path, "credentials");
        var config = Path.Combine(directory.Path, "config");
        await File.WriteAllTextAsync(credentials, "[base]\naws_access_key_id = AKIDSOURCEPROFILE\naws_secret_access_key = source-secret\n");
        await File.WriteAllTextAsync(config, "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\nregion = us-west-2\n");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_STS"] = sts.Url }, credentials, config);
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = new TestJsonClient(AwsConnection.Resolve(new AwsConnectionOptions { Profile = "deploy", EndpointUrl = ecr.Url, Environment = ProcessEnvironmentVariables.Instance }));

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(3, sts.Requests);
        Assert.Empty(ecr.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains("assume-role (role arn:aws:iam::123456789012:role/deploy)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_credentials_that_drop_every_connection_are_asked_max_attempts_times()
    {
        // Given
        using var container = new ConnectionDroppingServer();
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = $"{container.Url}/container/credentials",
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(3, container.Requests);
        Assert.Empty(ecr.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains($"container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI {container.Url}/container/credentials)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_credentials_that_answer_500_every_time_are_asked_max_attempts_times()
    {
        // Given
        using var container = new AwsJsonStub(new StubAnswer(500, "agent failure"));
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = $"{container.Url}/container/credentials",
            ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = CredentialsStandIn.ContainerToken,
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr, maxAttempts: 4);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(4, container.Requests.Count);
        Assert.All(container.Requests, r => Assert.Equal(CredentialsStandIn.ContainerToken, r.Headers["Authorization"]));
        Assert.Equal(ErrorCodes.AwsCredentialSourceUnavailable, exception.ErrorCode);
        Assert.Contains("HTTP 500 on all 4 attempts", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(CredentialsStandIn.ContainerToken, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_credentials_refused_are_asked_once()
    {
        // Given
        using var container = new CredentialsStandIn("ASIACONTAINER", "container-secret", "container-session");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = $"{container.Url}/container/credentials",
            ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "a-token-the-agent-does-not-know",
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Single(container.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialsFailed, exception.ErrorCode);
        Assert.Contains("HTTP 403", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("a-token-the-agent-does-not-know", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instance_metadata_that_answers_500_every_time_is_asked_a_bounded_number_of_times()
    {
        // Given: AWSSDK.Core's own provider, the chain's last resort: three tries for the session token per fetch, and
        // a background refresh that runs once alongside the first fetch.
        using var imds = new AwsJsonStub(new StubAnswer(500, "metadata service failure"));
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Url,
            ["HOME"] = "/nonexistent/toolkit-home",
        });
        environment.Set("AWS_EC2_METADATA_DISABLED", null);
        using var ecr = new AwsJsonStub(StubAnswer.Ok("{}", "never"));
        using var client = ClientFor(ecr);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Then
        Assert.InRange(imds.Requests.Count, 3, 6);
        Assert.All(imds.Requests, r => Assert.Equal("PUT /latest/api/token", $"{r.Method} {r.Path}"));
        Assert.Empty(ecr.Requests);
        Assert.Equal(ErrorCodes.AwsCredentialsNotFound, exception.ErrorCode);
        Assert.Contains("EC2 Instance Metadata", exception.Message, StringComparison.Ordinal);
    }
}
