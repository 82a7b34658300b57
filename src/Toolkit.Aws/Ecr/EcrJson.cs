using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// Writes ECR requests and reads ECR responses in the AWS JSON 1.1 protocol: members camelCase as modelled (the
/// <c>Tag</c> shape's <c>Key</c>/<c>Value</c> are named explicitly), absent members omitted rather than sent as null,
/// timestamps as epoch seconds, enums as open strings. Source-generated, so it needs no reflection (Native AOT).
/// </summary>
internal static class EcrJson
{
    private static readonly JsonSerializerOptions s_options = new(EcrJsonContext.Default.Options)
    {
        // Only what JSON itself requires is escaped (policy documents keep their quotes readable as \").
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static EcrJsonContext Context { get; } = new(s_options);

    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}

/// <summary>An enum of the ECR model kept open: any string the service sends is preserved, known or not.</summary>
public interface IEcrEnum<TSelf>
    where TSelf : struct, IEcrEnum<TSelf>
{
    /// <summary>The value as the service spells it, e.g. <c>IMMUTABLE</c>.</summary>
    string Value { get; }

    /// <summary>Wraps a value as received (unknown values included).</summary>
    static abstract TSelf FromValue(string value);
}

/// <summary>Reads and writes an <see cref="IEcrEnum{TSelf}"/> as its string, also as a map key (<c>findingSeverityCounts</c>).</summary>
internal sealed class EcrEnumConverter<T> : JsonConverter<T>
    where T : struct, IEcrEnum<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for {typeof(T).Name}, found {reader.TokenType}.");
        }

        return T.FromValue(reader.GetString()!);
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        => writer.WriteStringValue(ValueOf(value));

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => T.FromValue(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        => writer.WritePropertyName(ValueOf(value));

    private static string ValueOf(T value)
        => value.Value ?? throw new JsonException($"A {typeof(T).Name} without a value (default) cannot be sent; use one of its named values.");
}

/// <summary>
/// AWS JSON timestamps: epoch seconds as a JSON number, possibly fractional (<c>1700000000.123</c>). Reading also
/// accepts the number or an ISO 8601 date in a string, as AWS SDKs do; writing gives whole seconds, or milliseconds
/// when the value has them.
/// </summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return FromEpochSeconds(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan));
            case JsonTokenType.String:
                var text = reader.GetString()!;
                if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    return FromEpochSeconds(text);
                }

                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    return parsed;
                }

                throw new JsonException($"'{text}' is not a timestamp (epoch seconds or ISO 8601).");
            default:
                throw new JsonException($"Expected a timestamp (epoch seconds), found {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        var ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            writer.WriteNumberValue(ticks / TimeSpan.TicksPerSecond);
            return;
        }

        var seconds = decimal.Round((decimal)ticks / TimeSpan.TicksPerSecond, 3, MidpointRounding.ToZero);
        writer.WriteRawValue(seconds.ToString("0.###", CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private static DateTimeOffset FromEpochSeconds(string text)
    {
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new JsonException($"'{text}' is not a number of seconds.");
        }

        try
        {
            return DateTimeOffset.UnixEpoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or OverflowException)
        {
            throw new JsonException($"{text} seconds since 1970 is outside the dates a timestamp can hold.", exception);
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(GetAuthorizationTokenRequest))]
[JsonSerializable(typeof(GetAuthorizationTokenResponse))]
[JsonSerializable(typeof(CreateRepositoryRequest))]
[JsonSerializable(typeof(CreateRepositoryResponse))]
[JsonSerializable(typeof(DescribeRepositoriesRequest))]
[JsonSerializable(typeof(DescribeRepositoriesResponse))]
[JsonSerializable(typeof(DeleteRepositoryRequest))]
[JsonSerializable(typeof(DeleteRepositoryResponse))]
[JsonSerializable(typeof(PutImageScanningConfigurationRequest))]
[JsonSerializable(typeof(PutImageScanningConfigurationResponse))]
[JsonSerializable(typeof(PutImageTagMutabilityRequest))]
[JsonSerializable(typeof(PutImageTagMutabilityResponse))]
[JsonSerializable(typeof(PutLifecyclePolicyRequest))]
[JsonSerializable(typeof(PutLifecyclePolicyResponse))]
[JsonSerializable(typeof(GetLifecyclePolicyRequest))]
[JsonSerializable(typeof(GetLifecyclePolicyResponse))]
[JsonSerializable(typeof(SetRepositoryPolicyRequest))]
[JsonSerializable(typeof(SetRepositoryPolicyResponse))]
[JsonSerializable(typeof(GetRepositoryPolicyRequest))]
[JsonSerializable(typeof(GetRepositoryPolicyResponse))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(TagResourceResponse))]
[JsonSerializable(typeof(UntagResourceRequest))]
[JsonSerializable(typeof(UntagResourceResponse))]
[JsonSerializable(typeof(ListTagsForResourceRequest))]
[JsonSerializable(typeof(ListTagsForResourceResponse))]
[JsonSerializable(typeof(DescribeImagesRequest))]
[JsonSerializable(typeof(DescribeImagesResponse))]
[JsonSerializable(typeof(BatchGetImageRequest))]
[JsonSerializable(typeof(BatchGetImageResponse))]
[JsonSerializable(typeof(PutImageRequest))]
[JsonSerializable(typeof(PutImageResponse))]
[JsonSerializable(typeof(BatchCheckLayerAvailabilityRequest))]
[JsonSerializable(typeof(BatchCheckLayerAvailabilityResponse))]
[JsonSerializable(typeof(StartImageScanRequest))]
[JsonSerializable(typeof(StartImageScanResponse))]
[JsonSerializable(typeof(DescribeImageScanFindingsRequest))]
[JsonSerializable(typeof(DescribeImageScanFindingsResponse))]
[JsonSerializable(typeof(ListImageReferrersRequest))]
[JsonSerializable(typeof(ListImageReferrersResponse))]
[JsonSerializable(typeof(GetRegistryScanningConfigurationRequest))]
[JsonSerializable(typeof(GetRegistryScanningConfigurationResponse))]
[JsonSerializable(typeof(PutRegistryScanningConfigurationRequest))]
[JsonSerializable(typeof(PutRegistryScanningConfigurationResponse))]
[JsonSerializable(typeof(PutReplicationConfigurationRequest))]
[JsonSerializable(typeof(PutReplicationConfigurationResponse))]
[JsonSerializable(typeof(DescribeRegistryRequest))]
[JsonSerializable(typeof(DescribeRegistryResponse))]
internal sealed partial class EcrJsonContext : JsonSerializerContext;
