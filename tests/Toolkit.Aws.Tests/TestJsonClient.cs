using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Toolkit.Aws.Tests;

public sealed record EchoInput(string? RepositoryName);

public sealed record EchoOutput(string? Value);

[JsonSerializable(typeof(EchoInput))]
[JsonSerializable(typeof(EchoOutput))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>
/// An AWS JSON 1.1 client of the ECR service definition, with its invoke methods opened for tests; it can declare
/// errors final the way a service client does (<see cref="AwsServiceClient.IsRetryable"/>).
/// </summary>
public sealed class TestJsonClient(AwsConnection connection, Func<AwsServiceError, bool>? isRetryable = null) : AwsJsonClient(connection, AwsServices.Ecr)
{
    protected override bool IsRetryable(AwsServiceError error) => isRetryable?.Invoke(error) ?? base.IsRetryable(error);

    public Task<EchoOutput> CallAsync(string operation, EchoInput input, CancellationToken cancellationToken = default)
        => InvokeAsync(operation, input, TestJsonContext.Default.EchoInput, TestJsonContext.Default.EchoOutput, cancellationToken);

    public Task<EchoOutput> CallEmptyAsync(string operation, CancellationToken cancellationToken = default)
        => InvokeAsync(operation, null, TestJsonContext.Default.EchoOutput, cancellationToken);

    public Task<TOutput> CallAsync<TOutput>(string operation, Action<Utf8JsonWriter>? input, JsonTypeInfo<TOutput> output, CancellationToken cancellationToken = default)
        => InvokeAsync(operation, input, output, cancellationToken);
}
