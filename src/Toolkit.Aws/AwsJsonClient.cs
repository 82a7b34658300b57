using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Toolkit.Aws.Runtime;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws;

/// <summary>
/// Base of clients for AWS JSON 1.1 services (ECR): every operation is <c>POST /</c> with
/// <c>Content-Type: application/x-amz-json-1.1</c> and <c>X-Amz-Target: &lt;targetPrefix&gt;.&lt;Operation&gt;</c>, the
/// input as a JSON object (<c>{}</c> when empty), the output read with a source-generated <see cref="JsonTypeInfo{T}"/>
/// (no reflection, so Native AOT works). Errors become <see cref="AwsServiceException"/>s (see
/// <see cref="AwsServiceClient.CreateServiceException"/>); everything else is <see cref="AwsServiceClient"/>'s.
/// </summary>
public abstract class AwsJsonClient : AwsServiceClient
{
    /// <summary>The AWS JSON 1.1 media type.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    protected AwsJsonClient(AwsConnection connection, AwsServiceDefinition service)
        : base(connection, service)
    {
        if (service?.JsonTargetPrefix is not { Length: > 0 })
        {
            throw new ArgumentException($"The service {service?.ServiceId} has no JSON target prefix, so it is not an AWS JSON service.", nameof(service));
        }
    }

    /// <summary>Calls <paramref name="operation"/> with <paramref name="input"/> written by <paramref name="inputType"/>.</summary>
    protected Task<TOutput> InvokeAsync<TInput, TOutput>(string operation, TInput input, JsonTypeInfo<TInput> inputType, JsonTypeInfo<TOutput> outputType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputType);
        return InvokeAsync(operation, writer => JsonSerializer.Serialize(writer, input, inputType), outputType, cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="operation"/> with the input <paramref name="writeInput"/> writes (one JSON object; null
    /// sends <c>{}</c>) and reads the output with <paramref name="outputType"/> (an empty body reads as <c>{}</c>).
    /// </summary>
    protected async Task<TOutput> InvokeAsync<TOutput>(string operation, Action<Utf8JsonWriter>? writeInput, JsonTypeInfo<TOutput> outputType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outputType);
        var (body, requestId) = await InvokeRawAsync(operation, writeInput, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(body.Length == 0 ? "{}"u8 : body, outputType)
                   ?? throw new JsonException("The answer is JSON null.");
        }
        catch (JsonException exception)
        {
            throw new ToolkitException(
                ErrorCodes.AwsInvalidResponse,
                $"{Service.ServiceId} {operation}: the answer is not the JSON the service model describes ({exception.Message}; AWS request ID {requestId ?? "none"}). "
                + "If a custom endpoint is configured, check that it is the service's.",
                exception);
        }
    }

    /// <summary>Calls <paramref name="operation"/> and returns the answer's bytes and request ID as they came.</summary>
    protected async Task<(byte[] Body, string? RequestId)> InvokeRawAsync(string operation, Action<Utf8JsonWriter>? writeInput, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        var body = WriteInput(writeInput);
        var request = new AwsOperationRequest(operation, new JsonOperationMarshaller(Service, operation, body));
        return await SendAsync(request, new AwsJsonResponseUnmarshaller(Service.ServiceId, operation), cancellationToken).ConfigureAwait(false);
    }

    private static byte[] WriteInput(Action<Utf8JsonWriter>? writeInput)
    {
        if (writeInput is null)
        {
            return "{}"u8.ToArray();
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writeInput(writer);
        }

        return buffer.Length == 0 ? "{}"u8.ToArray() : buffer.ToArray();
    }

    /// <summary>Writes one AWS JSON 1.1 call: <c>POST /</c>, the content type, the target and the body.</summary>
    private sealed class JsonOperationMarshaller(AwsServiceDefinition service, string operation, byte[] body) : IMarshaller<IRequest, AmazonWebServiceRequest>
    {
        public IRequest Marshall(AmazonWebServiceRequest input)
        {
            var request = new DefaultRequest(input, service.ServiceId)
            {
                HttpMethod = "POST",
                ResourcePath = "/",
                Content = body,
            };
            request.Headers["Content-Type"] = ContentType;
            request.Headers["X-Amz-Target"] = $"{service.JsonTargetPrefix}.{operation}";
            return request;
        }
    }
}
