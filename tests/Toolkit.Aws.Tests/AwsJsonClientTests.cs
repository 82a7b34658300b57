using System.Net;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Aws.Tests;

public sealed class AwsJsonClientTests
{
    internal const string AccessKey = "AKIDTOOLKITCANARY01";
    internal const string SecretKey = "canary-secret-0123456789abcdefghijklmnopqrstuv";
    internal const string SessionToken = "canary-session-token-ZYXWVUTSRQPONM";

    internal static AwsConnection Connect(string endpointUrl, int? maxAttempts = null, ILoggerFactory? loggers = null, string region = "us-east-1")
        => AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = region,
            EndpointUrl = endpointUrl,
            MaxAttempts = maxAttempts,
            Credentials = new SessionAWSCredentials(AccessKey, SecretKey, SessionToken),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
            LoggerFactory = loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });

    [Fact]
    public async Task An_operation_is_a_signed_json_1_1_post_to_the_root_naming_its_target()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Ok("""{"value":"answer"}""", "req-1"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var output = await client.CallAsync("DescribeRepositories", new EchoInput("app"));

        // Then
        Assert.Equal("answer", output.Value);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);
        Assert.Equal("AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", request.Headers["X-Amz-Target"]);
        Assert.Equal("""{"repositoryName":"app"}""", request.Body);
        Assert.Equal(SessionToken, request.Headers["X-Amz-Security-Token"]);
        var authorization = request.Headers["Authorization"];
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/", authorization, StringComparison.Ordinal);
        Assert.Contains("/us-east-1/ecr/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Contains("content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target", authorization, StringComparison.Ordinal);
        Assert.Matches(@"Signature=[0-9a-f]{64}$", authorization);
    }

    [Fact]
    public async Task Every_request_names_the_toolkit_in_its_user_agent()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-ua"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        await client.CallEmptyAsync("GetAuthorizationToken");

        // Then
        var userAgent = Assert.Single(stub.Requests).Headers["User-Agent"];
        Assert.Contains("dotnet-toolkit/0.1.0", userAgent, StringComparison.Ordinal);
        Assert.Contains("aws-sdk-dotnet", userAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_input_is_sent_as_an_empty_object_and_an_empty_answer_reads_as_one()
    {
        // Given
        using var stub = new AwsJsonStub(new StubAnswer(200, string.Empty));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var output = await client.CallEmptyAsync("GetRegistryScanningConfiguration");

        // Then
        Assert.Equal("{}", Assert.Single(stub.Requests).Body);
        Assert.Null(output.Value);
    }

    [Fact]
    public async Task Request_ids_are_logged_at_debug_and_kept_in_the_request_log()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-log-1"), StubAnswer.Ok("{}", "req-log-2"));
        var logger = new RecordingLoggerFactory();
        var connection = Connect(stub.Url, loggers: logger);
        using var client = new TestJsonClient(connection);

        // When
        await client.CallEmptyAsync("DescribeRegistry");
        await client.CallEmptyAsync("GetAuthorizationToken");

        // Then
        Assert.Equal(
            [("DescribeRegistry", 200, "req-log-1"), ("GetAuthorizationToken", 200, "req-log-2")],
            connection.RequestLog.Records.Select(r => (r.Operation, r.StatusCode, r.RequestId)).ToArray());
        Assert.All(connection.RequestLog.Records, r => Assert.Equal("ECR", r.Service));
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Debug && m.Message.Contains("req-log-1", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Debug && m.Message.Contains("GetAuthorizationToken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_of_throttling_and_server_errors_is_retried_until_success()
    {
        // Given
        using var stub = new AwsJsonStub(
            StubAnswer.Error(400, "ThrottlingException", "Rate exceeded", "req-t1"),
            StubAnswer.Error(500, "ServerException", "Internal", "req-t2"),
            StubAnswer.Error(400, "ThrottlingException", "Rate exceeded", "req-t3"),
            StubAnswer.Ok("""{"value":"done"}""", "req-t4"));
        var connection = Connect(stub.Url, maxAttempts: 4);
        using var client = new TestJsonClient(connection);

        // When
        var output = await client.CallEmptyAsync("DescribeImages");

        // Then
        Assert.Equal("done", output.Value);
        Assert.Equal(4, stub.Requests.Count);
        Assert.Equal(["req-t1", "req-t2", "req-t3", "req-t4"], connection.RequestLog.Records.Select(r => r.RequestId ?? string.Empty).ToArray());
        Assert.Equal([400, 500, 400, 200], connection.RequestLog.Records.Select(r => r.StatusCode).ToArray());
    }

    [Fact]
    public async Task Throttling_on_every_attempt_ends_in_a_coded_error_after_the_configured_attempts()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Error(400, "ThrottlingException", "Rate exceeded", "req-x"));
        using var client = new TestJsonClient(Connect(stub.Url, maxAttempts: 3));

        // When
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeImages"));

        // Then
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(ErrorCodes.AwsThrottled, exception.ErrorCode);
        Assert.Equal("ThrottlingException", exception.ErrorType);
        Assert.Equal("req-x", exception.RequestId);
        Assert.Contains("req-x", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_on_every_attempt_end_in_the_unavailable_code()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Error(503, "ServiceUnavailableException", "Down", "req-5"));
        using var client = new TestJsonClient(Connect(stub.Url, maxAttempts: 2));

        // When
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeImages"));

        // Then
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(ErrorCodes.AwsServiceUnavailable, exception.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, exception.StatusCode);
    }

    [Fact]
    public async Task Aws_sdk_core_counts_request_limit_exceeded_as_throttling_and_retries_it_by_default()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Error(400, "RequestLimitExceeded", "Request limit exceeded", "req-l"));
        using var client = new TestJsonClient(Connect(stub.Url, maxAttempts: 3));

        // When
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("StartImageScan"));

        // Then
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal("RequestLimitExceeded", exception.ErrorType);
    }

    [Fact]
    public async Task An_error_a_client_declares_final_for_an_operation_is_not_retried_there_but_still_elsewhere()
    {
        // Given an error type AWSSDK.Core retries as throttling (ECR's own LimitExceededException is a declared quota error, see EcrClient)
        using var stub = new AwsJsonStub(StubAnswer.Error(400, "RequestLimitExceeded", "Request limit exceeded", "req-l"));
        var connection = Connect(stub.Url, maxAttempts: 3);
        using var client = new TestJsonClient(connection, error => !(error.Operation == "StartImageScan" && error.ErrorType == "RequestLimitExceeded"));

        // When
        var scan = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("StartImageScan"));
        var scanRequests = stub.Requests.Count;
        var other = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("PutLifecyclePolicy"));

        // Then
        Assert.Equal(1, scanRequests);
        Assert.Equal(ErrorCodes.AwsThrottled, scan.ErrorCode);
        Assert.Equal("RequestLimitExceeded", scan.ErrorType);
        Assert.Equal("req-l", scan.RequestId);
        Assert.Equal(1 + 3, stub.Requests.Count);
        Assert.Equal("RequestLimitExceeded", other.ErrorType);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_carries_type_message_status_request_id_and_members()
    {
        // Given
        using var stub = new AwsJsonStub(new StubAnswer(
            400,
            """{"__type":"com.amazonaws.ecr#KmsException:http://internal.amazon.com/coral/com.amazonaws.ecr/","message":"KMS said no","kmsError":"DisabledException"}""",
            new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-kms" }));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("CreateRepository"));

        // Then
        Assert.Single(stub.Requests);
        Assert.Equal(ErrorCodes.AwsServiceError, exception.ErrorCode);
        Assert.Equal("KmsException", exception.ErrorType);
        Assert.Equal("KMS said no", exception.ServiceMessage);
        Assert.Equal(HttpStatusCode.BadRequest, exception.StatusCode);
        Assert.Equal("req-kms", exception.RequestId);
        Assert.Equal("DisabledException", exception.Error.Members["kmsError"].GetString());
        Assert.Equal("CreateRepository", exception.Error.Operation);
        Assert.StartsWith("ECR CreateRepository failed with KmsException (HTTP 400): KMS said no (AWS request ID req-kms).", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_type_header_wins_over_the_body()
    {
        // Given
        using var stub = new AwsJsonStub(new StubAnswer(
            400,
            """{"__type":"BodyType","code":"CodeType","Message":"from body"}""",
            new Dictionary<string, string> { ["X-Amzn-Errortype"] = "RepositoryNotFoundException:http://internal.amazon.com/", ["x-amzn-RequestId"] = "req-h" }));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeRepositories"));

        // Then
        Assert.Equal("RepositoryNotFoundException", exception.ErrorType);
        Assert.Equal("from body", exception.ServiceMessage);
    }

    [Theory]
    [InlineData("FooError", "FooError")]
    [InlineData("aws.protocoltests.restjson#FooError", "FooError")]
    [InlineData("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError")]
    [InlineData("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError")]
    [InlineData("a#b#FooError", "b#FooError")]
    public void Error_types_are_sanitised_as_the_aws_json_protocols_say(string raw, string expected)
        => Assert.Equal(expected, AwsServiceError.SanitizeErrorType(raw));

    [Fact]
    public async Task Rejected_credentials_and_access_denied_have_their_own_codes()
    {
        // Given
        using var stub = new AwsJsonStub(
            StubAnswer.Error(400, "UnrecognizedClientException", "The security token included in the request is invalid.", "req-c"),
            StubAnswer.Error(400, "AccessDeniedException", "User is not authorized", "req-d"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var rejected = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeRegistry"));
        var denied = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsCredentialsRejected, rejected.ErrorCode);
        Assert.Equal(ErrorCodes.AwsAccessDenied, denied.ErrorCode);
        Assert.Contains("ecr:DescribeRegistry", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_is_not_the_expected_json_is_a_coded_error()
    {
        // Given
        using var stub = new AwsJsonStub(StubAnswer.Ok("<html>proxy login</html>", "req-html"));
        using var client = new TestJsonClient(Connect(stub.Url));

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsInvalidResponse, exception.ErrorCode);
        Assert.Contains("req-html", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_retried_then_a_coded_error()
    {
        // Given
        var port = FreePort();
        var connection = Connect($"http://127.0.0.1:{port}", maxAttempts: 2);
        using var client = new TestJsonClient(connection);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsUnreachable, exception.ErrorCode);
        Assert.Equal(2, connection.RequestLog.Records.Count);
        Assert.All(connection.RequestLog.Records, r => Assert.Equal(0, r.StatusCode));
    }

    [Fact]
    public async Task Dropped_connections_count_as_attempts_with_backoff_not_as_extra_retries()
    {
        // Given
        using var endpoint = new ConnectionDroppingServer();
        var connection = Connect(endpoint.Url, maxAttempts: 3);
        using var client = new TestJsonClient(connection);

        // When
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        Assert.Equal(ErrorCodes.AwsUnreachable, exception.ErrorCode);
        Assert.Equal(3, endpoint.Requests);
        Assert.Equal(3, connection.RequestLog.Records.Count);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Nothing_logged_or_thrown_contains_the_credentials_or_the_signature()
    {
        // Given
        using var stub = new AwsJsonStub(
            StubAnswer.Ok("{}", "req-s1"),
            StubAnswer.Error(400, "ThrottlingException", "slow down", "req-s2"));
        var logger = new RecordingLoggerFactory();
        using var client = new TestJsonClient(Connect(stub.Url, maxAttempts: 2, loggers: logger));

        // When
        await client.CallEmptyAsync("DescribeRegistry");
        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.CallEmptyAsync("DescribeRegistry"));

        // Then
        var signatures = stub.Requests.Select(r => r.Headers["Authorization"].Split("Signature=")[1]).ToArray();
        var text = string.Join('\n', logger.Messages.Select(m => m.Message)) + exception + exception.Message;
        foreach (var secret in new[] { SecretKey, SessionToken }.Concat(signatures))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.NotEmpty(logger.Messages);
    }
}
