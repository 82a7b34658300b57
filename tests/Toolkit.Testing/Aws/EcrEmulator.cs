using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolkit.Testing.Aws;

/// <summary>How an <see cref="EcrEmulator"/> is set up; every member has a default.</summary>
public sealed record EcrEmulatorOptions
{
    /// <summary>The 12-digit account the registry belongs to.</summary>
    public string AccountId { get; init; } = "123456789012";

    public string Region { get; init; } = "us-east-1";

    /// <summary>The clock of tokens, scans, push times and the SigV4 date check (a <c>FakeTimeProvider</c> in tests that wait).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The real registry behind the data-plane facade (e.g. a <see cref="DistributionRegistryFixture"/>'s base URI). With it,
    /// PutImage checks that the layers exist there and puts the manifest there, BatchCheckLayerAvailability asks it, and
    /// BatchGetImage and ListImageReferrers read the manifests of images pushed through the facade from it.
    /// </summary>
    public Uri? BackingRegistry { get; init; }

    /// <summary>The handler the emulator reaches <see cref="BackingRegistry"/> through (plain HTTP by default).</summary>
    public HttpMessageHandler? BackingRegistryHandler { get; init; }

    /// <summary>
    /// How far a request's signing time may be from the emulator's clock (AWS allows 15 minutes). Tests that run a fake clock far
    /// ahead of the real one, while the client signs with the real time, widen it.
    /// </summary>
    public TimeSpan AllowedClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Dispose throws when the emulator recorded model violations (on by default; tests may assert themselves instead).</summary>
    public bool ThrowOnViolationsAtDispose { get; init; } = true;
}

/// <summary>One request the emulator answered: its request id, operation, status, error, signer and body, in arrival order.</summary>
public sealed record EcrRequestRecord(
    string RequestId,
    DateTimeOffset Time,
    string? Operation,
    int StatusCode,
    string? ErrorCode,
    string? AccessKeyId,
    string? UserAgent,
    string? ContentType,
    string RequestBody);

/// <summary>
/// The Amazon ECR control plane as an AWS JSON 1.1 service on a free 127.0.0.1 port (<see cref="Endpoint"/>), for tests:
/// <c>POST /</c> with <c>X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.&lt;Operation&gt;</c>, every request SigV4-verified
/// (<see cref="SigV4Verifier"/>, service <c>ecr</c>) and checked against the official model (<see cref="AwsServiceModel.Ecr"/>),
/// every response checked against the output or error shape. A request that breaks the model is answered like the service
/// answers it (<c>InvalidParameterException</c>, or <c>SerializationException</c> for a wrong JSON type); a response that
/// breaks it is an emulator defect, recorded in <see cref="ModelViolations"/> (Dispose throws when there are any).
/// State is per instance: repositories with their settings, policies and tags, images (from PutImage and from the
/// data-plane facade through <see cref="IEcrRegistryBackend"/>), scans and their findings (<see cref="SeedFindings"/>),
/// registry scanning and replication settings, and the registry passwords GetAuthorizationToken issued.
/// <see cref="Scenario"/> holds the knobs: injected faults and scan timing.
/// </summary>
public sealed partial class EcrEmulator : LoopbackHttpServer, IEcrRegistryBackend
{
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921";
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The access key every emulator accepts (AWS's documentation example key): put it in the client's environment.</summary>
    public static readonly SigV4Credentials DefaultCredentials = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    /// <summary>Errors any AWS JSON operation may answer although no operation models them (authentication, throttling, routing).</summary>
    private static readonly HashSet<string> s_commonErrors = new(StringComparer.Ordinal)
    {
        "AccessDeniedException", "IncompleteSignatureException", "InvalidSignatureException", "MissingAuthenticationTokenException",
        "UnrecognizedClientException", "ThrottlingException", "ServiceUnavailableException", "SerializationException",
        "UnknownOperationException", "InternalFailure",
    };

    /// <summary>Framework errors the Coral stack names with a namespace (<c>com.amazon.coral.service#...</c>), which clients strip.</summary>
    private static readonly HashSet<string> s_coralServiceErrors = new(StringComparer.Ordinal)
    {
        "IncompleteSignatureException", "InvalidSignatureException", "MissingAuthenticationTokenException", "UnrecognizedClientException",
        "SerializationException", "UnknownOperationException",
    };

    private readonly EcrEmulatorOptions _options;
    private readonly SigV4Verifier _verifier;
    private readonly ConcurrentQueue<ModelViolationRecord> _violations = new();
    private readonly ConcurrentQueue<EcrRequestRecord> _requests = new();
    private readonly Dictionary<string, Func<OperationContext, Task<JsonObject>>> _operations;
    private readonly HttpClient? _backingRegistry;
    private readonly Lock _lock = new();
    private bool _disposed;

    public EcrEmulator(EcrEmulatorOptions? options = null)
    {
        _options = options ?? new EcrEmulatorOptions();
        if (_options.AccountId.Length != 12 || !_options.AccountId.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"The account id must be 12 digits, not '{_options.AccountId}'.", nameof(options));
        }

        _verifier = new SigV4Verifier(_options.Region, Model.SigningName, _options.TimeProvider) { AllowedSkew = _options.AllowedClockSkew };
        _verifier.AddCredentials(DefaultCredentials);
        if (_options.BackingRegistry is { } backing)
        {
            _backingRegistry = _options.BackingRegistryHandler is { } handler
                ? new HttpClient(handler, disposeHandler: false) { BaseAddress = backing }
                : new HttpClient { BaseAddress = backing };
        }

        _operations = new(StringComparer.Ordinal)
        {
            ["GetAuthorizationToken"] = Sync(GetAuthorizationToken),
            ["CreateRepository"] = Sync(CreateRepository),
            ["DeleteRepository"] = Sync(DeleteRepository),
            ["DescribeRepositories"] = Sync(DescribeRepositories),
            ["PutImageScanningConfiguration"] = Sync(PutImageScanningConfiguration),
            ["PutImageTagMutability"] = Sync(PutImageTagMutability),
            ["PutLifecyclePolicy"] = Sync(PutLifecyclePolicy),
            ["GetLifecyclePolicy"] = Sync(GetLifecyclePolicy),
            ["DeleteLifecyclePolicy"] = Sync(DeleteLifecyclePolicy),
            ["SetRepositoryPolicy"] = Sync(SetRepositoryPolicy),
            ["GetRepositoryPolicy"] = Sync(GetRepositoryPolicy),
            ["DeleteRepositoryPolicy"] = Sync(DeleteRepositoryPolicy),
            ["TagResource"] = Sync(TagResource),
            ["UntagResource"] = Sync(UntagResource),
            ["ListTagsForResource"] = Sync(ListTagsForResource),
            ["DescribeImages"] = Sync(DescribeImages),
            ["BatchGetImage"] = BatchGetImageAsync,
            ["PutImage"] = PutImageAsync,
            ["BatchCheckLayerAvailability"] = BatchCheckLayerAvailabilityAsync,
            ["StartImageScan"] = Sync(StartImageScan),
            ["DescribeImageScanFindings"] = Sync(DescribeImageScanFindings),
            ["GetRegistryScanningConfiguration"] = Sync(GetRegistryScanningConfiguration),
            ["PutRegistryScanningConfiguration"] = Sync(PutRegistryScanningConfiguration),
            ["PutReplicationConfiguration"] = Sync(PutReplicationConfiguration),
            ["DescribeRegistry"] = Sync(DescribeRegistry),
            ["ListImageReferrers"] = ListImageReferrersAsync,
        };
        Start();
    }

    /// <summary>The official ECR model every request and response is checked against.</summary>
    public static AwsServiceModel Model => AwsServiceModel.Ecr;

    /// <summary>The operations this emulator implements.</summary>
    public IReadOnlyCollection<string> Operations => _operations.Keys;

    /// <summary><c>http://127.0.0.1:port</c>: the endpoint URL to give clients (<c>--endpoint-url</c>, <c>endpoint</c>).</summary>
    public Uri Endpoint => new($"http://{HostPort}");

    public string AccountId => _options.AccountId;

    public string Region => _options.Region;

    /// <summary>The AWS partition of <see cref="Region"/>: <c>aws</c>, <c>aws-cn</c> or <c>aws-us-gov</c>.</summary>
    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    /// <summary>The registry host names in repository URIs and the proxy endpoint: <c>&lt;acct&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>.</summary>
    public string RegistryHost => $"{AccountId}.dkr.ecr.{Region}.amazonaws.com{(Partition == "aws-cn" ? ".cn" : string.Empty)}";

    public TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>The scenario knobs: injected faults and scan timing.</summary>
    public EcrScenario Scenario { get; } = new();

    /// <summary>Every response that broke the model (and every operation a client called that the emulator lacks): emulator defects, must stay empty.</summary>
    public IReadOnlyList<string> ModelViolations => [.. _violations.Select(v => v.ToString())];

    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<EcrRequestRecord> Requests => [.. _requests];

    /// <summary>Lets requests signed with another key (e.g. temporary credentials with their session token) through.</summary>
    public void AddCredentials(SigV4Credentials credentials) => _verifier.AddCredentials(credentials);

    /// <summary>Throws when the emulator recorded model violations.</summary>
    public void AssertNoModelViolations()
    {
        var violations = ModelViolations;
        if (violations.Count > 0)
        {
            throw new InvalidOperationException(
                $"The ECR emulator recorded {violations.Count} model violation(s):{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        base.Dispose(disposing);
        if (disposing)
        {
            _backingRegistry?.Dispose();
            if (_options.ThrowOnViolationsAtDispose)
            {
                AssertNoModelViolations();
            }
        }
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var requestId = Guid.NewGuid().ToString();
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(buffer);
            body = buffer.ToArray();
        }

        var (operation, reply, accessKeyId) = await ProcessAsync(request, body);
        var bytes = Encoding.UTF8.GetBytes(reply.Body.ToJsonString(s_relaxedJson));
        var response = context.Response;
        response.StatusCode = reply.StatusCode;
        response.ContentType = ContentType;
        response.Headers["x-amzn-RequestId"] = requestId;
        response.Headers[HttpResponseHeader.Date] = TimeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        if (reply.ErrorCode is { } errorCode)
        {
            response.Headers["X-Amzn-ErrorType"] = s_coralServiceErrors.Contains(errorCode)
                ? $"{errorCode}:http://internal.amazon.com/coral/com.amazon.coral.service/"
                : errorCode;
        }

        response.ContentLength64 = bytes.Length;
        _requests.Enqueue(new EcrRequestRecord(
            requestId,
            TimeProvider.GetUtcNow(),
            operation,
            reply.StatusCode,
            reply.ErrorCode,
            accessKeyId,
            request.UserAgent,
            request.ContentType,
            Encoding.UTF8.GetString(body)));
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private async Task<(string? Operation, Answer Reply, string? AccessKeyId)> ProcessAsync(HttpListenerRequest request, byte[] body)
    {
        var verification = _verifier.Verify(SigV4Request.FromListener(request, body));
        if (!verification.IsValid)
        {
            return (OperationName(request), Error(verification.ErrorCode!, verification.Message), null);
        }

        var accessKeyId = verification.Credentials?.AccessKeyId;
        var target = request.Headers["X-Amz-Target"];
        if (request.HttpMethod != "POST" || request.Url?.AbsolutePath != "/" || target is null || !target.StartsWith(TargetPrefix + ".", StringComparison.Ordinal))
        {
            return (null, Error("UnknownOperationException", null), accessKeyId);
        }

        var operation = target[(TargetPrefix.Length + 1)..];
        if (!Model.Operations.TryGetValue(operation, out var modelled))
        {
            return (operation, Error("UnknownOperationException", null), accessKeyId);
        }

        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return (operation, Error("UnknownOperationException", null), accessKeyId);
        }

        if (!_operations.TryGetValue(operation, out var handler))
        {
            Violation(operation, "request", string.Empty, $"a client called {operation}, which the emulator does not implement");
            return (operation, Error("UnknownOperationException", $"The ECR emulator does not implement {operation}."), accessKeyId);
        }

        if (Scenario.TakeFault(operation) is { } fault)
        {
            return (operation, new Answer(fault.StatusCode, ErrorBody(fault.ErrorCode, fault.Message), fault.ErrorCode), accessKeyId);
        }

        JsonElement input;
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            input = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return (operation, Error("SerializationException", "The request body is not valid JSON."), accessKeyId);
        }

        var violations = Model.Validate(modelled.InputShape!, input);
        if (violations.FirstOrDefault(v => v.Kind == ModelViolationKind.Type) is { } typeViolation)
        {
            return (operation, Reply(operation, new EcrServiceException("SerializationException", $"Invalid value at '{typeViolation.Path}': {typeViolation.Rule}")), accessKeyId);
        }

        if (violations.Count > 0)
        {
            var first = violations[0];
            return (operation, Reply(operation, new EcrServiceException("InvalidParameterException", $"Invalid parameter at '{first.Path}' failed to satisfy constraint: '{first.Rule}'")), accessKeyId);
        }

        try
        {
            var output = await handler(new OperationContext(operation, input));
            using var document = JsonDocument.Parse(output.ToJsonString());
            foreach (var violation in Model.Validate(modelled.OutputShape!, document.RootElement))
            {
                Violation(operation, "response", violation.Path, violation.Rule);
            }

            return (operation, new Answer(200, output, null), accessKeyId);
        }
        catch (EcrServiceException exception)
        {
            return (operation, Reply(operation, exception), accessKeyId);
        }
    }

    /// <summary>An error answer, checked against its modelled shape and the operation's declared errors.</summary>
    private Answer Reply(string operation, EcrServiceException exception)
    {
        var body = ErrorBody(exception.ErrorCode, exception.Message);
        foreach (var (name, value) in exception.Members)
        {
            body[name] = value;
        }

        var status = 400;
        if (Model.TryGetShape(exception.ErrorCode, out var shape) && shape.IsException)
        {
            status = shape.IsFault ? 500 : shape.HttpStatusCode ?? 400;
            using var document = JsonDocument.Parse(body.ToJsonString());
            foreach (var violation in Model.Validate(shape.Name, document.RootElement, "__type"))
            {
                Violation(operation, $"{exception.ErrorCode} error", violation.Path, violation.Rule);
            }

            if (!Model.Operations[operation].Errors.Contains(exception.ErrorCode) && !s_commonErrors.Contains(exception.ErrorCode))
            {
                Violation(operation, $"{exception.ErrorCode} error", string.Empty, $"{operation} does not declare {exception.ErrorCode}");
            }
        }
        else if (!s_commonErrors.Contains(exception.ErrorCode))
        {
            Violation(operation, "error", string.Empty, $"{exception.ErrorCode} is neither a modelled error shape nor a common AWS error");
        }

        return new Answer(status, body, exception.ErrorCode);
    }

    private static Answer Error(string errorCode, string? message) => new(400, ErrorBody(errorCode, message), errorCode);

    private static JsonObject ErrorBody(string errorCode, string? message)
    {
        var body = new JsonObject
        {
            ["__type"] = s_coralServiceErrors.Contains(errorCode) ? $"com.amazon.coral.service#{errorCode}" : errorCode,
        };
        if (message is not null)
        {
            body["message"] = message;
        }

        return body;
    }

    private static string? OperationName(HttpListenerRequest request)
        => request.Headers["X-Amz-Target"] is { } target && target.StartsWith(TargetPrefix + ".", StringComparison.Ordinal) ? target[(TargetPrefix.Length + 1)..] : null;

    private void Violation(string operation, string where, string path, string rule)
        => _violations.Enqueue(new ModelViolationRecord(operation, where, path, rule));

    /// <summary>Runs an operation's handler directly (no HTTP, no signature), for test setup.</summary>
    private Task<JsonObject> InvokeAsync(string operation, JsonObject input)
    {
        using var document = JsonDocument.Parse(input.ToJsonString());
        return _operations[operation](new OperationContext(operation, document.RootElement.Clone()));
    }

    private static Func<OperationContext, Task<JsonObject>> Sync(Func<OperationContext, JsonObject> handler)
        => context => Task.FromResult(handler(context));

    /// <summary>Epoch seconds as the service writes them: a JSON number in Java's notation, e.g. <c>1.700000000123E9</c>.</summary>
    internal static JsonNode Epoch(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        var text = (milliseconds / 1000m).ToString(CultureInfo.InvariantCulture);
        var point = text.IndexOf('.', StringComparison.Ordinal);
        var integer = point < 0 ? text : text[..point];
        var digits = (integer + (point < 0 ? string.Empty : text[(point + 1)..])).TrimEnd('0');
        if (digits.Length == 0 || integer.StartsWith('-') || integer.Length < 2)
        {
            return JsonValue.Create(milliseconds / 1000.0);
        }

        var mantissa = digits.Length == 1 ? digits + ".0" : $"{digits[0]}.{digits[1..]}";
        return JsonNode.Parse($"{mantissa}E{integer.Length - 1}")!;
    }

    private sealed record Answer(int StatusCode, JsonObject Body, string? ErrorCode);

    private sealed record OperationContext(string Operation, JsonElement Input)
    {
        public string? String(string name) => Input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        public int? Int(string name) => Input.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

        public bool? Bool(string name) => Input.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

        public JsonElement? Element(string name) => Input.TryGetProperty(name, out var value) ? value : null;
    }

    private sealed record ModelViolationRecord(string Operation, string Where, string Path, string Rule)
    {
        public override string ToString() => $"{Operation} {Where}: {(Path.Length == 0 ? "(root)" : Path)}: {Rule}";
    }
}

/// <summary>An error an emulated operation answers: the error shape's name, its message and any extra modelled members.</summary>
internal sealed class EcrServiceException : Exception
{
    public EcrServiceException(string errorCode, string message, params (string Name, JsonNode Value)[] members)
        : base(message)
    {
        ErrorCode = errorCode;
        Members = members;
    }

    public string ErrorCode { get; }

    public IReadOnlyList<(string Name, JsonNode Value)> Members { get; }
}
