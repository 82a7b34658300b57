using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Runtime;

/// <summary>Builds and checks a client's configuration before AWSSDK.Core builds the client on it.</summary>
internal static class AwsClientSetup
{
    public static AwsClientConfig CreateConfig(AwsConnection connection, AwsServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(service);

        // The configured endpoint must be usable and the rule set must give an endpoint: fail before any request.
        var endpoint = connection.ConfiguredEndpoints.Find(service.ServiceId, connection.Options.EndpointUrl);
        if (endpoint is not null)
        {
            CheckEndpointUrl(endpoint.Url, endpoint.Source);
        }

        var config = new AwsClientConfig(service, connection, endpoint);
        ResolveEndpoint(config);
        return config;
    }

    /// <summary>The endpoint the rule set gives for the configuration (the custom endpoint when there is one).</summary>
    public static Uri ResolveEndpoint(AwsClientConfig config)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Region"] = config.Region,
            ["UseFIPS"] = config.UseFIPSEndpoint,
            ["UseDualStack"] = config.UseDualstackEndpoint,
            ["Endpoint"] = config.ServiceURL,
        };
        var resolved = config.Service.EndpointRules.Resolve(parameters);
        return new Uri(resolved.Url, UriKind.Absolute);
    }

    internal static void CheckEndpointUrl(string url, string source)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ToolkitException(ErrorCodes.AwsInvalidEndpointUrl, $"The AWS endpoint URL '{url}' (from {source}) is not an absolute https:// URL.");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ToolkitException(ErrorCodes.AwsInvalidEndpointUrl, $"The AWS endpoint URL from {source} may not carry a query or user information: give scheme, host, port and path only.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !AwsHttpClientFactory.IsLoopback(uri))
        {
            throw new ToolkitException(
                ErrorCodes.AwsInvalidEndpointUrl,
                $"The AWS endpoint URL '{url}' (from {source}) uses plain HTTP to {uri.Host}: only loopback hosts (localhost, 127.0.0.1, ::1) may be reached without TLS. Use https://.");
        }
    }
}

/// <summary>One operation call: its name, the marshaller that writes it, and (for JSON protocols) the body.</summary>
internal sealed class AwsOperationRequest : AmazonWebServiceRequest
{
    public AwsOperationRequest(string operation, IMarshaller<IRequest, AmazonWebServiceRequest> marshaller)
    {
        Operation = operation;
        Marshaller = marshaller;
        ((IAmazonWebServiceRequest)this).UserAgentDetails.AddUserAgentComponent(ToolkitVersion.UserAgentComponent);
    }

    public string Operation { get; }

    public IMarshaller<IRequest, AmazonWebServiceRequest> Marshaller { get; }
}

/// <summary>A successful answer's body, read whole (AWS JSON answers are small).</summary>
internal sealed class AwsOperationResponse : AmazonWebServiceResponse
{
    public byte[] Body { get; set; } = [];
}

/// <summary>
/// The error an unmarshaller makes of an error answer. An <see cref="AmazonServiceException"/>, so AWSSDK.Core's
/// standard retry policy classifies it by its error code and status; the client turns it into a coded exception.
/// </summary>
internal sealed class AwsErrorResponseException : AmazonServiceException
{
    public AwsErrorResponseException(AwsServiceError error, Exception? innerException)
        : base(error.Message, innerException, error.IsServerFault ? ErrorType.Receiver : ErrorType.Sender, error.ErrorType, error.RequestId, error.StatusCode)
    {
        Error = error;
    }

    public AwsServiceError Error { get; }
}

/// <summary>Reads AWS JSON-protocol answers: the body whole on success; the error type, message and members on failure.</summary>
internal sealed class AwsJsonResponseUnmarshaller(string service, string operation) : JsonResponseUnmarshaller
{
    /// <summary>Answers larger than this are refused rather than buffered.</summary>
    internal const int MaxResponseBytes = 64 * 1024 * 1024;

    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = input.Stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw new InvalidDataException($"The answer is larger than {MaxResponseBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return new AwsOperationResponse { Body = buffer.ToArray() };
    }

    public override AmazonServiceException UnmarshallException(JsonUnmarshallerContext input, Exception innerException, HttpStatusCode statusCode)
    {
        ArgumentNullException.ThrowIfNull(input);
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            input.Stream.CopyTo(buffer);
            body = buffer.Length > 0 ? buffer.ToArray() : input.GetResponseBodyBytes() ?? [];
        }

        var headers = input.ResponseData;
        var error = ParseError(service, operation, body, statusCode, Header(headers, "X-Amzn-Errortype"), AwsRequestLogHandler.RequestIdOf(headers));
        return new AwsErrorResponseException(error, innerException);
    }

    /// <summary>
    /// The AWS JSON error rules: the type from the <c>X-Amzn-Errortype</c> header, else the body's <c>__type</c>, else its
    /// <c>code</c>, sanitised; the message from <c>message</c> or <c>Message</c>. A body that is not JSON leaves the
    /// members empty and the type taken from the status.
    /// </summary>
    internal static AwsServiceError ParseError(string service, string operation, ReadOnlySpan<byte> body, HttpStatusCode statusCode, string? headerType, string? requestId)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? bodyType = null;
        string? code = null;
        string? message = null;
        try
        {
            if (!body.IsEmpty)
            {
                using var document = JsonDocument.Parse(body.ToArray());
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var member in document.RootElement.EnumerateObject())
                    {
                        members[member.Name] = member.Value.Clone();
                        var text = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null;
                        switch (member.Name)
                        {
                            case "__type":
                                bodyType = text;
                                break;
                            case "code":
                            case "Code":
                                code ??= text;
                                break;
                            case "message":
                            case "Message":
                            case "errorMessage":
                                message ??= text;
                                break;
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        var rawType = new[] { headerType, bodyType, code }.FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
        var type = rawType is null ? string.Empty : AwsServiceError.SanitizeErrorType(rawType);
        if (type.Length == 0)
        {
            type = (int)statusCode >= 500 ? "InternalFailure" : $"HTTP{(int)statusCode}";
        }

        message = WithoutSigningDiagnostics(message);
        foreach (var name in (string[])["message", "Message", "errorMessage"])
        {
            if (members.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                members[name] = JsonSerializer.SerializeToElement(WithoutSigningDiagnostics(value.GetString()), AwsClientSetupJson.Default.String);
            }
        }

        return new AwsServiceError(service, operation, type, message ?? string.Empty, statusCode, requestId, members);
    }

    /// <summary>
    /// A signature mismatch answer quotes the canonical request and string to sign the service expected: its headers,
    /// and so the session token, would end up in messages and logs. Everything from the first such quote is cut.
    /// </summary>
    internal static string? WithoutSigningDiagnostics(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var cut = message.Length;
        foreach (var marker in (string[])["The Canonical String for this request should have been", "The String-to-Sign should have been"])
        {
            var at = message.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && at < cut)
            {
                cut = at;
            }
        }

        return cut == message.Length ? message : message[..cut].TrimEnd() + " (the service's canonical request is left out: it contains request headers)";
    }

    private static string? Header(IWebResponseData headers, string name)
        => headers.IsHeaderPresent(name) ? headers.GetHeaderValue(name) : null;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class AwsClientSetupJson : System.Text.Json.Serialization.JsonSerializerContext;
