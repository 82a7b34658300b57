using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// The official ECR service model (<c>../shared/spec/aws/ecr/2015-09-21/service-2.json</c>) read independently of the
/// client: it checks JSON against a shape (member names, required members, types, and optionally enum values, lengths
/// and patterns) and generates JSON that populates every member of a shape.
/// </summary>
internal sealed class EcrServiceModel
{
    private static readonly Lazy<EcrServiceModel> s_instance = new(() => new EcrServiceModel(
        JsonNode.Parse(File.ReadAllText(TestPaths.Spec("aws", "ecr", "2015-09-21", "service-2.json")))!.AsObject()));

    private readonly JsonObject _shapes;
    private readonly JsonObject _operations;

    private EcrServiceModel(JsonObject model)
    {
        _shapes = model["shapes"]!.AsObject();
        _operations = model["operations"]!.AsObject();
        Metadata = model["metadata"]!.AsObject();
    }

    public static EcrServiceModel Instance => s_instance.Value;

    public JsonObject Metadata { get; }

    public IEnumerable<string> Operations => _operations.Select(o => o.Key);

    public IEnumerable<string> ErrorShapes => _shapes.Where(s => s.Value!["exception"]?.GetValue<bool>() == true).Select(s => s.Key);

    public string InputShape(string operation) => _operations[operation]!["input"]!["shape"]!.GetValue<string>();

    public string OutputShape(string operation) => _operations[operation]!["output"]!["shape"]!.GetValue<string>();

    public IEnumerable<string> ErrorsOf(string operation)
        => _operations[operation]!["errors"]?.AsArray().Select(e => e!["shape"]!.GetValue<string>()) ?? [];

    public JsonObject Shape(string name) => _shapes[name]?.AsObject() ?? throw new ArgumentException($"No shape '{name}' in the model.", nameof(name));

    public IReadOnlyList<string> RequiredMembers(string structure)
        => Shape(structure)["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToArray() ?? [];

    public IReadOnlyList<string> Members(string structure) => Shape(structure)["members"]!.AsObject().Select(m => m.Key).ToArray();

    /// <summary>What is wrong with <paramref name="value"/> as an instance of <paramref name="shape"/> (empty when nothing).</summary>
    public IReadOnlyList<string> Validate(JsonNode? value, string shape, bool checkConstraints = true)
    {
        var problems = new List<string>();
        Validate(value, shape, "$", checkConstraints, problems);
        return problems;
    }

    /// <summary>
    /// JSON for <paramref name="shape"/> with every member present (lists of one item, maps of one entry or of every
    /// enum key), values within the model's constraints where the generator knows them. Timestamps are fractional epoch seconds.
    /// </summary>
    public JsonNode Generate(string shape, int depth = 0)
    {
        if (depth > 20)
        {
            throw new InvalidOperationException($"Shape '{shape}' is too deeply nested (recursive?).");
        }

        var definition = Shape(shape);
        switch (definition["type"]!.GetValue<string>())
        {
            case "structure":
                var result = new JsonObject();
                foreach (var (name, member) in definition["members"]!.AsObject())
                {
                    result[name] = Generate(member!["shape"]!.GetValue<string>(), depth + 1);
                }

                return result;
            case "list":
                return new JsonArray(Generate(definition["member"]!["shape"]!.GetValue<string>(), depth + 1));
            case "map":
                var map = new JsonObject();
                var keyShape = definition["key"]!["shape"]!.GetValue<string>();
                var valueShape = definition["value"]!["shape"]!.GetValue<string>();
                var keys = Shape(keyShape)["enum"]?.AsArray().Select(k => k!.GetValue<string>()).ToArray() ?? ["key-1"];
                foreach (var key in keys)
                {
                    map[key] = Generate(valueShape, depth + 1);
                }

                return map;
            case "string":
                return JsonValue.Create(SampleString(shape, definition));
            case "integer":
                return JsonValue.Create(Math.Max(7, definition["min"]?.GetValue<int>() ?? 0));
            case "long":
                return JsonValue.Create(5_000_000_000L);
            case "double":
            case "float":
                return JsonValue.Create(7.5);
            case "boolean":
                return JsonValue.Create(true);
            case "timestamp":
                return JsonValue.Create(1_700_000_000.5m);
            case "blob":
                return JsonValue.Create(Convert.ToBase64String("blob"u8));
            default:
                throw new NotSupportedException($"Shape type {definition["type"]} of '{shape}'.");
        }
    }

    private static string SampleString(string shape, JsonObject definition)
    {
        if (definition["enum"] is JsonArray values)
        {
            return values[0]!.GetValue<string>();
        }

        var sample = shape switch
        {
            "RegistryId" => "123456789012",
            "RepositoryName" => "team/app",
            "Arn" => "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
            "ImageDigest" or "LayerDigest" => "sha256:" + new string('a', 64),
            "BatchedOperationLayerDigest" => "sha256:" + new string('b', 64),
            "Region" => "eu-west-1",
            "ImageTagMutabilityExclusionFilterValue" => "release-*",
            "ScanningRepositoryFilterValue" => "team/*",
            "RepositoryFilterValue" => "team",
            "KmsKey" => "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "Base64" => Convert.ToBase64String("AWS:password"u8),
            "Url" or "ProxyEndpoint" => "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "MediaType" => "application/vnd.oci.image.manifest.v1+json",
            "ArtifactType" => "application/vnd.cncf.notary.signature",
            _ => shape,
        };
        var min = definition["min"]?.GetValue<int>() ?? 0;
        return sample.Length >= min ? sample : sample + new string('x', min - sample.Length);
    }

    private void Validate(JsonNode? value, string shape, string path, bool checkConstraints, List<string> problems)
    {
        var definition = Shape(shape);
        var type = definition["type"]!.GetValue<string>();
        if (value is null)
        {
            problems.Add($"{path}: null where the model has {type} '{shape}' (absent members must be omitted, not null)");
            return;
        }

        switch (type)
        {
            case "structure":
                if (value is not JsonObject structure)
                {
                    problems.Add($"{path}: expected an object for '{shape}', found {value.GetValueKind()}");
                    return;
                }

                var members = definition["members"]!.AsObject();
                foreach (var (name, member) in structure)
                {
                    if (members[name] is not { } memberDefinition)
                    {
                        problems.Add($"{path}: member '{name}' is not in the model's '{shape}' ({string.Join(", ", members.Select(m => m.Key))})");
                        continue;
                    }

                    Validate(member, memberDefinition["shape"]!.GetValue<string>(), path + "." + name, checkConstraints, problems);
                }

                foreach (var required in RequiredMembers(shape).Where(r => !structure.ContainsKey(r)))
                {
                    problems.Add($"{path}: required member '{required}' of '{shape}' is missing");
                }

                return;
            case "list":
                if (value is not JsonArray array)
                {
                    problems.Add($"{path}: expected an array for '{shape}', found {value.GetValueKind()}");
                    return;
                }

                if (checkConstraints)
                {
                    CheckLength(array.Count, definition, shape, path, problems);
                }

                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], definition["member"]!["shape"]!.GetValue<string>(), $"{path}[{i}]", checkConstraints, problems);
                }

                return;
            case "map":
                if (value is not JsonObject map)
                {
                    problems.Add($"{path}: expected an object (map) for '{shape}', found {value.GetValueKind()}");
                    return;
                }

                foreach (var (key, item) in map)
                {
                    Validate(JsonValue.Create(key), definition["key"]!["shape"]!.GetValue<string>(), $"{path}<key {key}>", checkConstraints, problems);
                    Validate(item, definition["value"]!["shape"]!.GetValue<string>(), $"{path}[{key}]", checkConstraints, problems);
                }

                return;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    problems.Add($"{path}: expected a string for '{shape}', found {value.GetValueKind()}");
                    return;
                }

                if (checkConstraints)
                {
                    var text = value.GetValue<string>();
                    if (definition["enum"] is JsonArray allowed && !allowed.Any(a => a!.GetValue<string>() == text))
                    {
                        problems.Add($"{path}: '{text}' is not a value of enum '{shape}'");
                    }

                    CheckLength(text.Length, definition, shape, path, problems);
                    if (definition["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern))
                    {
                        problems.Add($"{path}: '{text}' does not match the pattern of '{shape}' ({pattern})");
                    }
                }

                return;
            case "integer":
            case "long":
                if (value.GetValueKind() != JsonValueKind.Number || !long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                {
                    problems.Add($"{path}: expected an integral number for '{shape}', found {value.ToJsonString()}");
                }
                else if (checkConstraints)
                {
                    CheckLength(integer, definition, shape, path, problems);
                }

                return;
            case "double":
            case "float":
            case "timestamp":
                if (value.GetValueKind() != JsonValueKind.Number)
                {
                    problems.Add($"{path}: expected a number for {type} '{shape}', found {value.GetValueKind()}");
                }

                return;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{path}: expected a boolean for '{shape}', found {value.GetValueKind()}");
                }

                return;
            case "blob":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    problems.Add($"{path}: expected a base64 string for '{shape}'");
                }

                return;
            default:
                problems.Add($"{path}: unknown shape type {type}");
                return;
        }
    }

    private static void CheckLength(long length, JsonObject definition, string shape, string path, List<string> problems)
    {
        if (definition["min"] is { } min && length < min.GetValue<long>())
        {
            problems.Add($"{path}: {length} is below the minimum {min} of '{shape}'");
        }

        if (definition["max"] is { } max && length > max.GetValue<long>())
        {
            problems.Add($"{path}: {length} is above the maximum {max} of '{shape}'");
        }
    }
}
