using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal.Endpoints.StandardLibrary;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Endpoints;

/// <summary>
/// An evaluator of the Smithy endpoint rules language (<c>endpoint-rule-set-1.json</c>), the form in which AWS
/// publishes how every SDK turns a region and its options into a service endpoint. Rules are tried in order; a rule
/// applies when all its conditions hold (a condition holds when its value is neither null nor false, and may bind
/// that value to a name with <c>assign</c>); a tree rule that applies ends the search inside its own rules. The
/// standard library functions come from AWSSDK.Core (partition data, URL and ARN parsing, URI encoding, substring),
/// so the partitions are the ones the SDK itself ships.
/// </summary>
public sealed partial class EndpointRuleSet
{
    private readonly JsonElement _parameters;
    private readonly JsonElement _rules;

    private EndpointRuleSet(JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("parameters", out _parameters) || _parameters.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("rules", out _rules) || _rules.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("An endpoint rule set is an object with 'parameters' and 'rules'.");
        }
    }

    /// <summary>The parameter names the rule set declares (e.g. Region, UseFIPS, UseDualStack, Endpoint).</summary>
    public IReadOnlyList<string> ParameterNames => [.. _parameters.EnumerateObject().Select(p => p.Name)];

    /// <summary>Reads a rule set from its JSON text.</summary>
    public static EndpointRuleSet Parse(ReadOnlyMemory<byte> json) => new(JsonDocument.Parse(json));

    /// <summary>Reads a rule set embedded in this assembly (<c>Endpoints/RuleSets/&lt;service&gt;/&lt;version&gt;/endpoint-rule-set-1.json</c>).</summary>
    public static EndpointRuleSet FromEmbeddedResource(string resourceName) => Parse(ReadEmbeddedResource(resourceName));

    internal static byte[] ReadEmbeddedResource(string resourceName)
    {
        using var stream = typeof(EndpointRuleSet).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The resource {resourceName} is not embedded in {typeof(EndpointRuleSet).Assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Resolves the endpoint for <paramref name="parameters"/> (names as the rule set declares them; values are
    /// strings, booleans or null). A rule set's error rule, a missing required parameter or a rule set that
    /// matches nothing ends in <see cref="ToolkitException"/> with <see cref="ErrorCodes.AwsEndpointUnresolvable"/>.
    /// </summary>
    public ResolvedEndpoint Resolve(IReadOnlyDictionary<string, object?> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var parameter in _parameters.EnumerateObject())
        {
            parameters.TryGetValue(parameter.Name, out var value);
            if (value is null && parameter.Value.TryGetProperty("default", out var fallback))
            {
                value = Literal(fallback);
            }

            if (value is null && parameter.Value.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True)
            {
                throw new ToolkitException(ErrorCodes.AwsEndpointUnresolvable, $"The endpoint parameter {parameter.Name} is required but was not given.");
            }

            scope[parameter.Name] = value;
        }

        return EvaluateRules(_rules, scope)
            ?? throw new ToolkitException(ErrorCodes.AwsEndpointUnresolvable, "No endpoint rule matched the region and options.");
    }

    private ResolvedEndpoint? EvaluateRules(JsonElement rules, Dictionary<string, object?> scope)
    {
        foreach (var rule in rules.EnumerateArray())
        {
            // Assignments made by a rule's conditions are visible only inside that rule.
            var ruleScope = new Dictionary<string, object?>(scope, StringComparer.Ordinal);
            if (!ConditionsHold(rule, ruleScope))
            {
                continue;
            }

            var type = rule.GetProperty("type").GetString();
            switch (type)
            {
                case "endpoint":
                    return BuildEndpoint(rule.GetProperty("endpoint"), ruleScope);
                case "error":
                    var message = Evaluate(rule.GetProperty("error"), ruleScope) as string ?? "The endpoint rule set gave an error.";
                    throw new ToolkitException(ErrorCodes.AwsEndpointUnresolvable, message);
                case "tree":
                    return EvaluateRules(rule.GetProperty("rules"), ruleScope)
                        ?? throw new ToolkitException(ErrorCodes.AwsEndpointUnresolvable, "The endpoint rule set has no rule for this combination of region and options.");
                default:
                    throw new FormatException($"Unknown endpoint rule type '{type}'.");
            }
        }

        return null;
    }

    private bool ConditionsHold(JsonElement rule, Dictionary<string, object?> scope)
    {
        if (!rule.TryGetProperty("conditions", out var conditions))
        {
            return true;
        }

        foreach (var condition in conditions.EnumerateArray())
        {
            var value = Evaluate(condition, scope);
            if (value is null or false)
            {
                return false;
            }

            if (condition.TryGetProperty("assign", out var assign))
            {
                scope[assign.GetString()!] = value;
            }
        }

        return true;
    }

    private ResolvedEndpoint BuildEndpoint(JsonElement endpoint, Dictionary<string, object?> scope)
    {
        var url = Evaluate(endpoint.GetProperty("url"), scope) as string
            ?? throw new FormatException("An endpoint rule's url did not evaluate to a string.");
        string? properties = null;
        if (endpoint.TryGetProperty("properties", out var propertiesElement) && propertiesElement.ValueKind == JsonValueKind.Object)
        {
            properties = ToJson(EvaluateValue(propertiesElement, scope));
        }

        Dictionary<string, IReadOnlyList<string>>? headers = null;
        if (endpoint.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind == JsonValueKind.Object)
        {
            headers = [];
            foreach (var header in headersElement.EnumerateObject())
            {
                headers[header.Name] = [.. header.Value.EnumerateArray().Select(v => Evaluate(v, scope) as string ?? string.Empty)];
            }
        }

        return new ResolvedEndpoint(url, properties, headers);
    }

    /// <summary>Evaluates an expression: a reference, a function call or a literal (strings are templates).</summary>
    private object? Evaluate(JsonElement expression, Dictionary<string, object?> scope)
    {
        if (expression.ValueKind == JsonValueKind.Object)
        {
            if (expression.TryGetProperty("ref", out var reference))
            {
                return scope.TryGetValue(reference.GetString()!, out var value) ? value : null;
            }

            if (expression.TryGetProperty("fn", out var function))
            {
                return Call(function.GetString()!, expression.GetProperty("argv"), scope);
            }
        }

        return EvaluateValue(expression, scope);
    }

    private object? EvaluateValue(JsonElement literal, Dictionary<string, object?> scope) => literal.ValueKind switch
    {
        JsonValueKind.String => Interpolate(literal.GetString()!, scope),
        JsonValueKind.Object when literal.TryGetProperty("ref", out _) || literal.TryGetProperty("fn", out _) => Evaluate(literal, scope),
        JsonValueKind.Object => literal.EnumerateObject().ToDictionary(p => p.Name, p => EvaluateValue(p.Value, scope), StringComparer.Ordinal),
        JsonValueKind.Array => literal.EnumerateArray().Select(e => EvaluateValue(e, scope)).ToList(),
        _ => Literal(literal),
    };

    private static object? Literal(JsonElement literal) => literal.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => literal.GetString(),
        JsonValueKind.Number => literal.GetInt32(),
        _ => null,
    };

    private object? Call(string function, JsonElement argv, Dictionary<string, object?> scope)
    {
        var arguments = argv.EnumerateArray().Select(a => Evaluate(a, scope)).ToArray();
        switch (function)
        {
            case "isSet":
                return arguments[0] is not null;
            case "not":
                return arguments[0] is not true;
            case "booleanEquals":
                return arguments[0] is bool left && arguments[1] is bool right && left == right;
            case "stringEquals":
                return arguments[0] is string a && arguments[1] is string b && string.Equals(a, b, StringComparison.Ordinal);
            case "getAttr":
                return arguments[0] is null ? null : GetAttribute(arguments[0]!, (string)arguments[1]!);
            case "aws.partition":
                return arguments[0] is string region ? Fn.Partition(region) : null;
            case "parseURL":
                return arguments[0] is string url ? Fn.ParseURL(url) : null;
            case "isValidHostLabel":
                return arguments[0] is string label && IsValidHostLabel(label, arguments[1] is true);
            case "substring":
                return arguments[0] is string input ? Fn.Substring(input, (int)arguments[1]!, (int)arguments[2]!, arguments[3] is true) : null;
            case "uriEncode":
                return arguments[0] is string text ? Fn.UriEncode(text) : null;
            case "aws.parseArn":
                return arguments[0] is string arn ? Fn.ParseArn(arn) : null;
            case "aws.isVirtualHostableS3Bucket":
                return arguments[0] is string bucket && Fn.IsVirtualHostableS3Bucket(bucket, arguments[1] is true);
            default:
                throw new NotSupportedException($"The endpoint rules function '{function}' is not supported.");
        }
    }

    private static object? GetAttribute(object value, string path)
    {
        try
        {
            return Fn.GetAttr(value, path);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidCastException)
        {
            return null;
        }
    }

    /// <summary>RFC 1123 host labels in ASCII (AWSSDK.Core's version also accepts non-ASCII letters, the rules language does not).</summary>
    internal static bool IsValidHostLabel(string value, bool allowSubDomains)
        => (allowSubDomains ? value.Split('.') : [value]).All(label => HostLabel().IsMatch(label));

    [GeneratedRegex("^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostLabel();

    /// <summary>Replaces <c>{name}</c> and <c>{name#path}</c> with values from the scope; <c>{{</c> and <c>}}</c> are literal braces.</summary>
    private static string Interpolate(string template, Dictionary<string, object?> scope)
    {
        if (!template.Contains('{', StringComparison.Ordinal) && !template.Contains('}', StringComparison.Ordinal))
        {
            return template;
        }

        var builder = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                builder.Append(c);
                i++;
                continue;
            }

            if (c != '{')
            {
                builder.Append(c);
                continue;
            }

            var end = template.IndexOf('}', i + 1);
            if (end < 0)
            {
                throw new FormatException($"Unclosed template placeholder in '{template}'.");
            }

            var placeholder = template[(i + 1)..end];
            var hash = placeholder.IndexOf('#', StringComparison.Ordinal);
            object? value = hash < 0
                ? scope.GetValueOrDefault(placeholder)
                : scope.GetValueOrDefault(placeholder[..hash]) is { } root ? GetAttribute(root, placeholder[(hash + 1)..]) : null;
            builder.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
            i = end;
        }

        return builder.ToString();
    }

    private static string ToJson(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int n:
                writer.WriteNumberValue(n);
                break;
            case Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}

/// <summary>What an endpoint rule set resolved: the URL, and the rule's properties (JSON, e.g. <c>authSchemes</c>) and headers.</summary>
public sealed record ResolvedEndpoint(string Url, string? PropertiesJson, IReadOnlyDictionary<string, IReadOnlyList<string>>? Headers)
{
    /// <summary>The endpoint in the form AWSSDK.Core's pipeline takes.</summary>
    public Endpoint ToSdkEndpoint()
    {
        string? headersJson = null;
        if (Headers is { Count: > 0 })
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var (name, values) in Headers)
                {
                    writer.WriteStartArray(name);
                    foreach (var value in values)
                    {
                        writer.WriteStringValue(value);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            headersJson = Encoding.UTF8.GetString(buffer.ToArray());
        }

        return new Endpoint(Url, PropertiesJson, headersJson);
    }
}
