using System.Net;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary><see cref="EcrClient"/> against a loopback recorder: error mapping, pagination, secrets.</summary>
public sealed class EcrClientTests
{
    private static readonly EcrServiceModel s_model = EcrServiceModel.Instance;

    public static TheoryData<string, string> ErrorsInEveryForm()
    {
        var data = new TheoryData<string, string>();
        foreach (var error in s_model.ErrorShapes.Order(StringComparer.Ordinal))
        {
            foreach (var form in new[] { "header", "namespace", "suffix" })
            {
                data.Add(error, form);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ErrorsInEveryForm))]
    public async Task Every_modelled_error_in_every_wire_form_becomes_its_typed_exception_with_the_request_id(string error, string form)
    {
        // Given a server answering the error the way the form says, for an operation that models it
        var wireCase = EcrWireCases.All.FirstOrDefault(c => s_model.ErrorsOf(c.Operation).Contains(error))
                       ?? EcrWireCases.All.Single(c => c.Operation == "DescribeRegistry");
        var status = error == "ServerException" ? 500 : 400;
        var requestId = $"req-{error}-{form}";
        var message = $"{error} for this test";
        using var recorder = new EcrRecorder(_ => form switch
        {
            "header" => new RecordedAnswer(status, $$"""{"message":"{{message}}"}""", new Dictionary<string, string>
            {
                ["X-Amzn-Errortype"] = error + ":http://internal.amazon.com/coral/com.amazonaws.ecr/",
                ["x-amzn-RequestId"] = requestId,
            }),
            "namespace" => new RecordedAnswer(status, $$"""{"__type":"com.amazonaws.ecr#{{error}}","message":"{{message}}"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId }),
            _ => new RecordedAnswer(status, $$"""{"__type":"{{error}}:http://internal.amazon.com/coral/com.amazonaws.ecr/","message":"{{message}}"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId }),
        });
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        // When the operation is called
        var exception = await Assert.ThrowsAnyAsync<EcrServiceException>(() => wireCase.Call(client, CancellationToken.None));

        // Then
        var expectedType = typeof(EcrServiceException).Assembly.GetType("Toolkit.Aws.Ecr." + error) ?? typeof(EcrServiceException);
        Assert.Equal(expectedType, exception.GetType());
        Assert.Equal(new EcrErrorType(error), exception.EcrErrorType);
        Assert.Equal(error, exception.ErrorType);
        Assert.Equal(requestId, exception.RequestId);
        Assert.Equal(message, exception.ServiceMessage);
        Assert.Equal((HttpStatusCode)status, exception.StatusCode);
        Assert.Equal(wireCase.Operation, exception.Operation);
        Assert.InRange(int.Parse(exception.Code[2..], System.Globalization.CultureInfo.InvariantCulture), 3030, 3049);
        Assert.Contains($"AWS request ID {requestId}", exception.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<AwsServiceException>(exception);
    }

    [Fact]
    public async Task KmsException_and_InvalidLayerPartException_carry_their_extra_members_from_the_wire()
    {
        using var recorder = new EcrRecorder(r => r.Operation == "CreateRepository"
            ? new RecordedAnswer(400, """{"__type":"KmsException","message":"key disabled","kmsError":"DisabledException"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-kms" })
            : new RecordedAnswer(400, """{"__type":"InvalidLayerPartException","message":"bad part","registryId":"123456789012","repositoryName":"team/app","uploadId":"up-1","lastValidByteReceived":10485759}"""));
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        var kms = await Assert.ThrowsAsync<KmsException>(() => client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None));
        var part = await Assert.ThrowsAsync<InvalidLayerPartException>(() => client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None));

        Assert.Equal("DisabledException", kms.KmsError);
        Assert.Equal(ErrorCodes.EcrKmsError, kms.ErrorCode);
        Assert.Equal(10_485_759L, part.LastValidByteReceived);
        Assert.Equal("up-1", part.UploadId);
        Assert.Null(part.RequestId);
        Assert.Contains("no AWS request ID", part.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_the_ECR_model_does_not_list_keep_the_AWS_layers_mapping()
    {
        using var recorder = new EcrRecorder(_ => new RecordedAnswer(400, """{"__type":"AccessDeniedException","message":"not allowed"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-denied" }));
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        var exception = await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None));

        Assert.Equal(ErrorCodes.AwsAccessDenied, exception.ErrorCode);
        Assert.Equal("req-denied", exception.RequestId);
    }

    [Fact]
    public async Task A_ServerException_is_retried_and_then_thrown_typed()
    {
        var attempts = 0;
        using var recorder = new EcrRecorder(_ => new RecordedAnswer(500, """{"__type":"ServerException","message":"internal"}""", new Dictionary<string, string> { ["x-amzn-RequestId"] = $"req-{Interlocked.Increment(ref attempts)}" }));
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url, maxAttempts: 3));

        var exception = await Assert.ThrowsAsync<ServerException>(() => client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None));

        Assert.Equal(3, recorder.Requests.Count);
        Assert.Equal("req-3", exception.RequestId);
        Assert.True(exception.IsServerFault);
        Assert.Equal(ErrorCodes.EcrServerError, exception.ErrorCode);
    }

    [Fact]
    public async Task DescribeAllImageScanFindings_reads_every_page_through_the_client()
    {
        // Given a server with three pages of findings, basic on the first and last, enhanced on the second
        using var recorder = new EcrRecorder(request =>
        {
            var token = JsonNode.Parse(request.Body)!["nextToken"]?.GetValue<string>();
            var body = token switch
            {
                null => """{"imageScanStatus":{"status":"COMPLETE"},"imageScanFindings":{"findingSeverityCounts":{"HIGH":2},"findings":[{"name":"CVE-2024-0001","severity":"HIGH"}]},"nextToken":"p2"}""",
                "p2" => """{"imageScanStatus":{"status":"COMPLETE"},"imageScanFindings":{"enhancedFindings":[{"title":"CVE-2024-0002","severity":"HIGH","packageVulnerabilityDetails":{"vulnerabilityId":"CVE-2024-0002","vulnerablePackages":[{"name":"openssl","version":"3.0.0","fixedInVersion":"3.0.1"}]}}]},"nextToken":"p3"}""",
                _ => """{"imageScanStatus":{"status":"COMPLETE"},"imageScanFindings":{"findings":[{"name":"CVE-2024-0003","severity":"HIGH","attributes":[{"key":"package_name","value":"zlib"}]}]}}""",
            };
            return new RecordedAnswer(200, body, new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-" + (token ?? "p1") });
        });
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        // When every finding is read
        var all = await client.DescribeAllImageScanFindingsAsync(
            new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "1.0.0" }, MaxResults = 1 },
            CancellationToken.None);

        // Then
        Assert.Equal(["CVE-2024-0001", "CVE-2024-0003"], all.ImageScanFindings!.Findings!.Select(f => f.Name));
        Assert.Equal("3.0.1", Assert.Single(all.ImageScanFindings.EnhancedFindings!).PackageVulnerabilityDetails!.VulnerablePackages![0].FixedInVersion);
        Assert.Equal(2, all.ImageScanFindings.FindingSeverityCounts![FindingSeverity.High]);
        Assert.Equal([null, "p2", "p3"], recorder.Requests.Select(r => JsonNode.Parse(r.Body)!["nextToken"]?.GetValue<string>()));
        Assert.All(recorder.Requests, r => Assert.Equal(1, JsonNode.Parse(r.Body)!["maxResults"]!.GetValue<int>()));
    }

    [Fact]
    public async Task The_authorization_token_appears_in_no_log_message_or_ToString()
    {
        // Given a token answered by the server and a logger that keeps everything
        const string password = "canary-ecr-password-4f1d";
        var token = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:" + password));
        using var recorder = new EcrRecorder(_ => new RecordedAnswer(
            200,
            $$"""{"authorizationData":[{"authorizationToken":"{{token}}","expiresAt":1700043200.25,"proxyEndpoint":"https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]}""",
            new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-token" }));
        var logger = new RecordingLoggerFactory();
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url, loggers: logger));

        // When the token is fetched
        var response = await client.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest(), CancellationToken.None);

        // Then the caller has it, nothing else shows it
        Assert.Equal(token, response.AuthorizationData![0].AuthorizationToken);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_043_200_250), response.AuthorizationData[0].ExpiresAt);
        var visible = string.Join('\n', logger.Messages.Select(m => m.Message)) + response + response.AuthorizationData[0];
        Assert.DoesNotContain(token, visible, StringComparison.Ordinal);
        Assert.DoesNotContain(password, visible, StringComparison.Ordinal);
        Assert.Contains(logger.Messages, m => m.Message.Contains("req-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Policy_documents_are_sent_with_their_quotes_escaped_as_botocore_does()
    {
        using var recorder = new EcrRecorder(_ => new RecordedAnswer(200, "{}"));
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        await client.SetRepositoryPolicyAsync(new SetRepositoryPolicyRequest { RepositoryName = "team/app", PolicyText = """{"Version":"2012-10-17"}""" }, CancellationToken.None);

        Assert.Equal("""{"repositoryName":"team/app","policyText":"{\"Version\":\"2012-10-17\"}"}""", Assert.Single(recorder.Requests).Body);
    }

    [Fact]
    public async Task A_null_request_is_refused_before_anything_is_sent()
    {
        using var recorder = new EcrRecorder(_ => new RecordedAnswer(200, "{}"));
        using var client = new EcrClient(EcrClientWireTests.Connect(recorder.Url));

        await Assert.ThrowsAsync<ArgumentNullException>(() => client.DescribeRegistryAsync(null!, CancellationToken.None));
        Assert.Empty(recorder.Requests);
    }
}
