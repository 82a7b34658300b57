using System.Text.Json.Nodes;
using Amazon.Runtime;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Host;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Runs every operation of <see cref="EcrWireCases"/> once through the AWS CLI against a recorder on a free loopback
/// port (all commands in one Python process where possible) and keeps what the CLI sent.
/// </summary>
public sealed class AwsCliRecording : IAsyncLifetime
{
    private EcrRecorder? _recorder;

    public IReadOnlyDictionary<string, RecordedRequest> Requests { get; private set; } = new Dictionary<string, RecordedRequest>();

    public IReadOnlyDictionary<string, int> ExitCodes { get; private set; } = new Dictionary<string, int>();

    public string Output { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _recorder = new EcrRecorder(EcrClientWireTests.CannedAnswer);
        var commands = EcrWireCases.All
            .Select(c => (IReadOnlyList<string>)["ecr", c.CliCommand, "--cli-input-json", c.CliInput, "--endpoint-url", _recorder.Url, "--region", "us-east-1", "--no-paginate", "--output", "json"])
            .ToArray();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var (codes, output) = await AwsCli.RunAsync(commands, timeout.Token);
        Output = output;
        ExitCodes = EcrWireCases.All.Zip(codes).ToDictionary(p => p.First.Operation, p => p.Second, StringComparer.Ordinal);
        Requests = _recorder.Requests.GroupBy(r => r.Operation).ToDictionary(g => g.Key, g => g.Single(), StringComparer.Ordinal);
    }

    public Task DisposeAsync()
    {
        _recorder?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Wire indistinguishability from an independent client: for every operation, what <see cref="EcrClient"/> sends for
/// an input is what the AWS CLI (botocore) sends for the same input: method, path, content type, target, the set of
/// SigV4-signed headers and the JSON body (by meaning). Both read the same canned, model-valid answer.
/// </summary>
public sealed class EcrClientWireTests(AwsCliRecording cli) : IClassFixture<AwsCliRecording>
{
    internal const string AccessKey = "AKIDTOOLKITWIRE00001";
    internal const string SecretKey = "toolkit-wire-secret-key-for-loopback-only";
    internal const string SessionToken = "toolkit-wire-session-token-for-loopback-only";

    public static TheoryData<string> Operations() => [.. EcrWireCases.All.Select(c => c.Operation)];

    /// <summary>A full response of the operation's output shape, generated from the service model.</summary>
    internal static RecordedAnswer CannedAnswer(RecordedRequest request)
        => new(
            200,
            EcrServiceModel.Instance.Generate(EcrServiceModel.Instance.OutputShape(request.Operation)).ToJsonString(),
            new Dictionary<string, string> { ["x-amzn-RequestId"] = "wire-" + request.Operation });

    internal static AwsConnection Connect(string endpointUrl, int maxAttempts = 1, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
        => AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = "us-east-1",
            EndpointUrl = endpointUrl,
            MaxAttempts = maxAttempts,
            Credentials = new SessionAWSCredentials(AccessKey, SecretKey, SessionToken),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
            LoggerFactory = loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });

    [Fact]
    public void The_CLI_covered_every_operation_the_client_has()
    {
        Assert.Equal(EcrOperations.All.Select(o => o.Name).Order(), EcrWireCases.All.Select(c => c.Operation).Order());
        Assert.All(EcrWireCases.All, c => Assert.True(cli.ExitCodes[c.Operation] == 0, $"aws ecr {c.CliCommand} exited with {cli.ExitCodes[c.Operation]}:{Environment.NewLine}{cli.Output}"));
        Assert.Equal(EcrWireCases.All.Count, cli.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Our_request_is_the_AWS_CLIs_request(string operation)
    {
        // Given what the CLI sent for the input
        var wireCase = EcrWireCases.All.Single(c => c.Operation == operation);
        Assert.True(cli.Requests.TryGetValue(operation, out var theirs), $"The AWS CLI sent no {operation}:{Environment.NewLine}{cli.Output}");

        // When our client is called with the same input
        using var recorder = new EcrRecorder(CannedAnswer);
        using var client = new EcrClient(Connect(recorder.Url));
        await wireCase.Call(client, CancellationToken.None);

        // Then the requests cannot be told apart where it matters
        var ours = Assert.Single(recorder.Requests);
        Assert.Equal(theirs.Method, ours.Method);
        Assert.Equal(theirs.Path, ours.Path);
        Assert.Equal(theirs.Headers["Content-Type"], ours.Headers["Content-Type"]);
        Assert.Equal(theirs.Headers["X-Amz-Target"], ours.Headers["X-Amz-Target"]);
        Assert.Equal(SessionToken, ours.Headers["X-Amz-Security-Token"]);
        Assert.Contains("/us-east-1/ecr/aws4_request", ours.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal(ExpectedSignedHeaders(theirs.SignedHeaders), ours.SignedHeaders.Order(StringComparer.Ordinal));
        JsonAssert.Equal(JsonNode.Parse(theirs.Body), JsonNode.Parse(ours.Body), $"(the AWS CLI sent {theirs.Body}, we sent {ours.Body})");
    }

    /// <summary>
    /// The CLI's signed headers, plus <c>x-amz-content-sha256</c>: AWSSDK.Core's SigV4 signer (what the AWS SDK for .NET
    /// signs with for every service) adds and signs the payload hash header, which botocore sends only to S3.
    /// </summary>
    private static IEnumerable<string> ExpectedSignedHeaders(IReadOnlyList<string> cliSignedHeaders)
        => cliSignedHeaders.Append("x-amz-content-sha256").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
}
