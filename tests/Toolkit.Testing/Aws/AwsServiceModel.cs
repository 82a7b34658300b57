using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Toolkit.Testing.Aws;

/// <summary>What kind of rule a value broke: a wrong JSON type is a serialization fault, the rest are constraint faults.</summary>
public enum ModelViolationKind
{
    /// <summary>The JSON type does not fit the shape (a string where a number belongs, an object where a list belongs).</summary>
    Type,

    /// <summary>A required member is missing or null.</summary>
    Required,

    /// <summary>A structure has a member its shape does not define.</summary>
    UnknownMember,

    /// <summary>A string, list, map or blob is too short or too long.</summary>
    Length,

    /// <summary>A number is out of its range.</summary>
    Range,

    /// <summary>A string does not match the shape's pattern.</summary>
    Pattern,

    /// <summary>A string is not one of the shape's enum values.</summary>
    Enum,
}

/// <summary>One way a JSON value breaks a shape of an AWS service model: where (a member path such as <c>imageIds[0].imageTag</c>) and which rule.</summary>
public sealed record ModelViolation(string Path, ModelViolationKind Kind, string Rule)
{
    public override string ToString() => $"{(Path.Length == 0 ? "(root)" : Path)}: {Rule}";
}

/// <summary>An operation of a service model: its input, output and declared error shapes.</summary>
public sealed record AwsOperation(string Name, string? InputShape, string? OutputShape, IReadOnlyList<string> Errors);

/// <summary>One shape of a service model, with the constraints the validator checks.</summary>
public sealed class AwsShape
{
    internal AwsShape(string name, JsonElement definition)
    {
        Name = name;
        Type = definition.GetProperty("type").GetString()!;
        if (definition.TryGetProperty("members", out var members))
        {
            Members = members.EnumerateObject().ToDictionary(m => m.Name, m => m.Value.GetProperty("shape").GetString()!, StringComparer.Ordinal);
            MemberTimestampFormats = members.EnumerateObject()
                .Where(m => m.Value.TryGetProperty("timestampFormat", out _))
                .ToDictionary(m => m.Name, m => m.Value.GetProperty("timestampFormat").GetString()!, StringComparer.Ordinal);
        }

        Required = definition.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];
        Member = definition.TryGetProperty("member", out var member) ? member.GetProperty("shape").GetString() : null;
        Key = definition.TryGetProperty("key", out var key) ? key.GetProperty("shape").GetString() : null;
        Value = definition.TryGetProperty("value", out var value) ? value.GetProperty("shape").GetString() : null;
        Min = definition.TryGetProperty("min", out var min) ? min.GetDecimal() : null;
        Max = definition.TryGetProperty("max", out var max) ? max.GetDecimal() : null;
        Enum = definition.TryGetProperty("enum", out var values) ? [.. values.EnumerateArray().Select(v => v.GetString()!)] : null;
        IsException = definition.TryGetProperty("exception", out var exception) && exception.GetBoolean();
        IsFault = definition.TryGetProperty("fault", out var fault) && fault.GetBoolean();
        TimestampFormat = definition.TryGetProperty("timestampFormat", out var format) ? format.GetString() : null;
        if (definition.TryGetProperty("error", out var error) && error.TryGetProperty("httpStatusCode", out var status))
        {
            HttpStatusCode = status.GetInt32();
        }

        if (definition.TryGetProperty("pattern", out var pattern))
        {
            PatternText = pattern.GetString();
            try
            {
                // Smithy patterns are ECMA 262 and not anchored; the service checks the whole value (an upper-case
                // repository name is refused although its lower-case tail would match), so the whole value must match.
                Pattern = new Regex($@"\A(?:{PatternText})\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                Pattern = null;
            }
        }
    }

    public string Name { get; }

    /// <summary><c>structure</c>, <c>list</c>, <c>map</c>, <c>string</c>, <c>integer</c>, <c>long</c>, <c>double</c>, <c>float</c>, <c>boolean</c>, <c>timestamp</c> or <c>blob</c>.</summary>
    public string Type { get; }

    /// <summary>Member name to shape name (structures).</summary>
    public IReadOnlyDictionary<string, string> Members { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    internal IReadOnlyDictionary<string, string> MemberTimestampFormats { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<string> Required { get; }

    public string? Member { get; }

    public string? Key { get; }

    public string? Value { get; }

    public decimal? Min { get; }

    public decimal? Max { get; }

    public IReadOnlyList<string>? Enum { get; }

    /// <summary>The pattern as the model spells it.</summary>
    public string? PatternText { get; }

    /// <summary>The pattern as a whole-value .NET regex, or null when there is none or .NET cannot take it.</summary>
    public Regex? Pattern { get; }

    public bool IsException { get; }

    /// <summary>A server fault (HTTP 500) rather than a client error (400).</summary>
    public bool IsFault { get; }

    /// <summary>The modelled HTTP status of an error shape, when the model names one.</summary>
    public int? HttpStatusCode { get; }

    public string? TimestampFormat { get; }
}

/// <summary>
/// A botocore service model (<c>service-2.json</c>) and a validator of JSON values against its shapes, as the AWS JSON
/// protocols put them on the wire: structures (required members, no unknown members), lists and maps (length), strings
/// (length in code points, pattern, enum), integers and longs (range), booleans, timestamps (epoch seconds as numbers,
/// unless the model says otherwise) and blobs (base64, length in bytes). Emulators check every request and response
/// with it, so they cannot drift from the official model.
/// </summary>
public sealed class AwsServiceModel
{
    private static readonly Lazy<AwsServiceModel> s_ecr = new(() => Load(TestPaths.Spec("aws", "ecr", "2015-09-21", "service-2.json")));

    private readonly Dictionary<string, AwsShape> _shapes;

    private AwsServiceModel(JsonElement root)
    {
        var metadata = root.GetProperty("metadata");
        Protocol = metadata.GetProperty("protocol").GetString()!;
        JsonVersion = metadata.TryGetProperty("jsonVersion", out var jsonVersion) ? jsonVersion.GetString() : null;
        TargetPrefix = metadata.TryGetProperty("targetPrefix", out var targetPrefix) ? targetPrefix.GetString() : null;
        SigningName = metadata.TryGetProperty("signingName", out var signingName) ? signingName.GetString()! : metadata.GetProperty("endpointPrefix").GetString()!;
        EndpointPrefix = metadata.GetProperty("endpointPrefix").GetString()!;
        ApiVersion = metadata.GetProperty("apiVersion").GetString()!;
        _shapes = root.GetProperty("shapes").EnumerateObject().ToDictionary(s => s.Name, s => new AwsShape(s.Name, s.Value), StringComparer.Ordinal);
        Operations = root.GetProperty("operations").EnumerateObject().ToDictionary(
            o => o.Name,
            o => new AwsOperation(
                o.Name,
                o.Value.TryGetProperty("input", out var input) ? input.GetProperty("shape").GetString() : null,
                o.Value.TryGetProperty("output", out var output) ? output.GetProperty("shape").GetString() : null,
                o.Value.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray().Select(e => e.GetProperty("shape").GetString()!)] : []),
            StringComparer.Ordinal);
    }

    /// <summary>The Amazon ECR model (<c>../shared/spec/aws/ecr/2015-09-21/service-2.json</c>), loaded once.</summary>
    public static AwsServiceModel Ecr => s_ecr.Value;

    /// <summary><c>json</c> for ECR (AWS JSON), <c>rest-json</c> for Signer.</summary>
    public string Protocol { get; }

    /// <summary><c>1.1</c> for ECR.</summary>
    public string? JsonVersion { get; }

    /// <summary>The <c>X-Amz-Target</c> prefix, e.g. <c>AmazonEC2ContainerRegistry_V20150921</c>.</summary>
    public string? TargetPrefix { get; }

    /// <summary>The SigV4 service name, e.g. <c>ecr</c>.</summary>
    public string SigningName { get; }

    public string EndpointPrefix { get; }

    public string ApiVersion { get; }

    public IReadOnlyDictionary<string, AwsOperation> Operations { get; }

    /// <summary>Shapes whose pattern .NET cannot compile (their pattern is not checked).</summary>
    public IEnumerable<AwsShape> UncheckedPatterns => _shapes.Values.Where(s => s.PatternText is not null && s.Pattern is null);

    public static AwsServiceModel Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new AwsServiceModel(document.RootElement);
    }

    public AwsShape Shape(string name)
        => _shapes.TryGetValue(name, out var shape) ? shape : throw new KeyNotFoundException($"The model has no shape '{name}'.");

    public bool TryGetShape(string name, out AwsShape shape) => _shapes.TryGetValue(name, out shape!);

    /// <summary>
    /// Every way <paramref name="value"/> breaks <paramref name="shapeName"/>, in document order; empty when it fits.
    /// <paramref name="ignoredMembers"/> are top-level members the protocol adds (<c>__type</c> of an error body).
    /// </summary>
    public IReadOnlyList<ModelViolation> Validate(string shapeName, JsonElement value, params string[] ignoredMembers)
    {
        var violations = new List<ModelViolation>();
        ValidateValue(Shape(shapeName), value, string.Empty, null, violations, ignoredMembers);
        return violations;
    }

    private void ValidateValue(AwsShape shape, JsonElement value, string path, string? memberTimestampFormat, List<ModelViolation> violations, IReadOnlyCollection<string> ignoredMembers)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            violations.Add(new(path, ModelViolationKind.Type, $"must not be null (shape {shape.Name} is a {shape.Type}; leave the member out instead)"));
            return;
        }

        switch (shape.Type)
        {
            case "structure":
                ValidateStructure(shape, value, path, violations, ignoredMembers);
                break;
            case "list":
                if (!Expect(value, JsonValueKind.Array, shape, path, violations))
                {
                    return;
                }

                CheckLength(shape, value.GetArrayLength(), path, violations);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    ValidateValue(Shape(shape.Member!), item, $"{path}[{index++}]", null, violations, []);
                }

                break;
            case "map":
                if (!Expect(value, JsonValueKind.Object, shape, path, violations))
                {
                    return;
                }

                CheckLength(shape, value.EnumerateObject().Count(), path, violations);
                foreach (var entry in value.EnumerateObject())
                {
                    var entryPath = $"{path}[\"{entry.Name}\"]";
                    ValidateString(Shape(shape.Key!), entry.Name, entryPath + " (key)", violations);
                    ValidateValue(Shape(shape.Value!), entry.Value, entryPath, null, violations, []);
                }

                break;
            case "string":
                if (Expect(value, JsonValueKind.String, shape, path, violations))
                {
                    ValidateString(shape, value.GetString()!, path, violations);
                }

                break;
            case "integer" or "long" or "short" or "byte":
                ValidateInteger(shape, value, path, violations);
                break;
            case "double" or "float":
                if (Expect(value, JsonValueKind.Number, shape, path, violations) && value.TryGetDecimal(out var real))
                {
                    CheckRange(shape, real, path, violations);
                }

                break;
            case "boolean":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    violations.Add(new(path, ModelViolationKind.Type, $"must be true or false (shape {shape.Name} is a boolean), not {Describe(value)}"));
                }

                break;
            case "timestamp":
                ValidateTimestamp(shape, value, path, memberTimestampFormat ?? shape.TimestampFormat ?? "unixTimestamp", violations);
                break;
            case "blob":
                if (Expect(value, JsonValueKind.String, shape, path, violations))
                {
                    var text = value.GetString()!;
                    if (!Base64.IsValid(text, out var decodedLength))
                    {
                        violations.Add(new(path, ModelViolationKind.Type, $"must be base64 (shape {shape.Name} is a blob)"));
                    }
                    else
                    {
                        CheckLength(shape, decodedLength, path, violations);
                    }
                }

                break;
            default:
                violations.Add(new(path, ModelViolationKind.Type, $"shape {shape.Name} has type '{shape.Type}', which the validator does not know"));
                break;
        }
    }

    private void ValidateStructure(AwsShape shape, JsonElement value, string path, List<ModelViolation> violations, IReadOnlyCollection<string> ignoredMembers)
    {
        if (!Expect(value, JsonValueKind.Object, shape, path, violations))
        {
            return;
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var memberPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (!present.Add(property.Name))
            {
                violations.Add(new(memberPath, ModelViolationKind.Type, "appears twice in the object"));
                continue;
            }

            if (ignoredMembers.Contains(property.Name))
            {
                continue;
            }

            if (!shape.Members.TryGetValue(property.Name, out var memberShape))
            {
                violations.Add(new(memberPath, ModelViolationKind.UnknownMember, $"is not a member of {shape.Name} (members: {string.Join(", ", shape.Members.Keys)})"));
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Null && shape.Required.Contains(property.Name))
            {
                violations.Add(new(memberPath, ModelViolationKind.Required, "must not be null"));
                continue;
            }

            shape.MemberTimestampFormats.TryGetValue(property.Name, out var timestampFormat);
            ValidateValue(Shape(memberShape), property.Value, memberPath, timestampFormat, violations, []);
        }

        foreach (var required in shape.Required.Where(r => !present.Contains(r)))
        {
            violations.Add(new(path.Length == 0 ? required : $"{path}.{required}", ModelViolationKind.Required, "must not be null"));
        }
    }

    private static void ValidateString(AwsShape shape, string text, string path, List<ModelViolation> violations)
    {
        // Smithy lengths of strings count Unicode scalar values, not UTF-16 code units.
        var length = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            length++;
        }

        CheckLength(shape, length, path, violations);
        if (shape.Enum is { } values && !values.Contains(text, StringComparer.Ordinal))
        {
            violations.Add(new(path, ModelViolationKind.Enum, $"must satisfy enum value set: [{string.Join(", ", values)}]"));
        }

        if (shape.Pattern is { } pattern && !pattern.IsMatch(text))
        {
            violations.Add(new(path, ModelViolationKind.Pattern, $"must satisfy regular expression '{shape.PatternText}'"));
        }
    }

    private static void ValidateInteger(AwsShape shape, JsonElement value, string path, List<ModelViolation> violations)
    {
        if (!Expect(value, JsonValueKind.Number, shape, path, violations))
        {
            return;
        }

        var (low, high) = shape.Type switch
        {
            "integer" => ((decimal)int.MinValue, (decimal)int.MaxValue),
            "short" => (short.MinValue, short.MaxValue),
            "byte" => (sbyte.MinValue, sbyte.MaxValue),
            _ => (long.MinValue, (decimal)long.MaxValue),
        };
        if (!value.TryGetDecimal(out var number) || number != decimal.Truncate(number) || number < low || number > high)
        {
            violations.Add(new(path, ModelViolationKind.Type, $"must be a whole number that fits a {shape.Type} (shape {shape.Name}), not {value.GetRawText()}"));
            return;
        }

        CheckRange(shape, number, path, violations);
    }

    private static void ValidateTimestamp(AwsShape shape, JsonElement value, string path, string format, List<ModelViolation> violations)
    {
        if (format == "unixTimestamp")
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || double.IsNaN(seconds) || double.IsInfinity(seconds))
            {
                violations.Add(new(path, ModelViolationKind.Type, $"must be epoch seconds as a JSON number (shape {shape.Name} is a timestamp), not {Describe(value)}"));
            }

            return;
        }

        if (!Expect(value, JsonValueKind.String, shape, path, violations))
        {
            return;
        }

        var text = value.GetString()!;
        var valid = format switch
        {
            "iso8601" => DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            "rfc822" => DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
            _ => false,
        };
        if (!valid)
        {
            violations.Add(new(path, ModelViolationKind.Type, $"must be a {format} timestamp (shape {shape.Name}), not '{text}'"));
        }
    }

    private static bool Expect(JsonElement value, JsonValueKind kind, AwsShape shape, string path, List<ModelViolation> violations)
    {
        if (value.ValueKind == kind)
        {
            return true;
        }

        violations.Add(new(path, ModelViolationKind.Type, $"must be a JSON {kind.ToString().ToLowerInvariant()} (shape {shape.Name} is a {shape.Type}), not {Describe(value)}"));
        return false;
    }

    private static void CheckLength(AwsShape shape, long length, string path, List<ModelViolation> violations)
    {
        if (shape.Min is { } min && length < min)
        {
            violations.Add(new(path, ModelViolationKind.Length, $"must have length greater than or equal to {min}"));
        }

        if (shape.Max is { } max && length > max)
        {
            violations.Add(new(path, ModelViolationKind.Length, $"must have length less than or equal to {max}"));
        }
    }

    private static void CheckRange(AwsShape shape, decimal number, string path, List<ModelViolation> violations)
    {
        if (shape.Min is { } min && number < min)
        {
            violations.Add(new(path, ModelViolationKind.Range, $"must have value greater than or equal to {min}"));
        }

        if (shape.Max is { } max && number > max)
        {
            violations.Add(new(path, ModelViolationKind.Range, $"must have value less than or equal to {max}"));
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };
}
