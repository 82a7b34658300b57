using Amazon.Runtime;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Host;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Our <see cref="EcrClient"/> against a running <see cref="EcrEmulator"/>: the endpoint is the emulator's
/// (<see cref="AwsConnectionOptions.EndpointUrl"/>), the credentials are static ones registered in the emulator (not its
/// default key), so every request is SigV4-verified with them, and the connection keeps its own request log to compare
/// with what the emulator answered.
/// </summary>
internal sealed class EmulatedEcr : IDisposable
{
    /// <summary>The key our client signs with; the emulator knows it only because it is registered.</summary>
    public static readonly SigV4Credentials Credentials = new("AKIAIOSFODNN7TOOLKIT", "t00lkit/Client/Against/The/Emulator/Key+1");

    private readonly List<EcrClient> _clients = [];

    public EmulatedEcr(EcrEmulatorOptions? options = null, int? maxAttempts = null)
    {
        Emulator = new EcrEmulator((options ?? new EcrEmulatorOptions()) with { ThrowOnViolationsAtDispose = false });
        Emulator.AddCredentials(Credentials);
        Client = NewClient(maxAttempts: maxAttempts);
        RequestLog = Client.Connection.RequestLog;
    }

    public EcrEmulator Emulator { get; }

    /// <summary>A client with <see cref="Credentials"/> and the given attempts (the foundation's default, 3, when null).</summary>
    public EcrClient Client { get; }

    /// <summary>The request log of <see cref="Client"/>'s connection.</summary>
    public AwsRequestLog RequestLog { get; }

    /// <summary>The caller's AWS options as a front-end would build them for this emulator.</summary>
    public AwsConnectionOptions ConnectionOptions(AWSCredentials? credentials = null, int? maxAttempts = null) => new()
    {
        Region = Emulator.Region,
        EndpointUrl = Emulator.Endpoint.ToString(),
        MaxAttempts = maxAttempts,
        Credentials = credentials ?? new BasicAWSCredentials(Credentials.AccessKeyId, Credentials.SecretAccessKey),
        Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
    };

    /// <summary>Another client on its own connection (other credentials, other attempts), disposed with this.</summary>
    public EcrClient NewClient(AWSCredentials? credentials = null, int? maxAttempts = null)
    {
        var client = new EcrClient(AwsConnection.Resolve(ConnectionOptions(credentials, maxAttempts)));
        _clients.Add(client);
        return client;
    }

    /// <summary>How many requests of <paramref name="operation"/> the emulator answered.</summary>
    public int Count(string operation) => Emulator.Requests.Count(r => r.Operation == operation);

    /// <summary>The request id the emulator sent with its last answer to <paramref name="operation"/>.</summary>
    public string LastRequestId(string operation) => Emulator.Requests.Last(r => r.Operation == operation).RequestId;

    /// <summary>
    /// No model violation (the emulator checked every request and answer against service-2.json), every request it
    /// verified was signed with <see cref="Credentials"/> as AWS JSON 1.1, and <see cref="Client"/>'s request log holds the
    /// request ids the emulator sent, in order.
    /// </summary>
    public void AssertHealthy()
    {
        Emulator.AssertNoModelViolations();
        Assert.NotEmpty(Emulator.Requests);
        foreach (var request in Emulator.Requests.Where(r => r.AccessKeyId is not null))
        {
            Assert.Equal(Credentials.AccessKeyId, request.AccessKeyId);
            Assert.Equal(EcrEmulator.ContentType, request.ContentType);
            Assert.Contains("dotnet-toolkit/", request.UserAgent, StringComparison.Ordinal);
        }

        var logged = RequestLog.Records.Select(r => r.RequestId).ToList();
        Assert.Equal(logged, Emulator.Requests.Where(r => logged.Contains(r.RequestId)).Select(r => r.RequestId));
        Assert.Equal(logged.Count, logged.Distinct().Count());
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Emulator.Dispose();
    }
}
