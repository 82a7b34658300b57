using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;

namespace Toolkit.Testing.Schemas;

/// <summary>
/// Validates JSON documents against one schema file plus the schema files it references, all read
/// from disk and resolved offline. Each file is registered under its own <c>$id</c> (or draft-04
/// <c>id</c>) and under <c>&lt;base&gt;&lt;file name&gt;</c> for every base URI given, because
/// relative <c>$ref</c>s resolve against whichever schema they appear in.
/// </summary>
/// <remarks>
/// JsonSchema.Net 8 evaluates draft-06 and later only. Draft-04 files (the OCI schemas) are adapted
/// in memory when they are loaded, never on disk: <c>id</c> becomes <c>$id</c>, the draft-04
/// <c>$schema</c> becomes draft-07, boolean <c>exclusiveMinimum</c>/<c>exclusiveMaximum</c> become
/// the numeric draft-06 form, and an <c>id</c> next to a <c>$ref</c> is dropped (draft-04 ignores
/// every sibling of <c>$ref</c>, so it must not move the base URI the reference resolves against).
/// <c>$schema</c> and <c>$id</c> are moved to the front of their objects, which JsonSchema.Net needs.
/// </remarks>
public sealed class JsonSchemaValidator
{
    private const string Draft04 = "http://json-schema.org/draft-04/schema";
    private const string Draft07 = "http://json-schema.org/draft-07/schema#";

    private static readonly string[] s_schemaMapKeywords = ["properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas"];
    private static readonly string[] s_schemaArrayKeywords = ["allOf", "anyOf", "oneOf", "items", "prefixItems"];
    private static readonly string[] s_schemaKeywords = ["not", "items", "additionalItems", "additionalProperties", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"];

    private readonly Dictionary<string, SchemaFile> _byUri = new(StringComparer.Ordinal);
    private readonly BuildOptions _buildOptions;
    private readonly JsonSchema _schema;
    private readonly EvaluationOptions _evaluationOptions;

    // References are resolved (and schemas built and registered) lazily during evaluation, and the
    // registry refuses a second registration, so concurrent tests must not evaluate at the same time.
    private readonly Lock _gate = new();

    /// <param name="schemaPath">The schema documents are validated against.</param>
    /// <param name="referencedSchemaPaths">Other schema files its <c>$ref</c>s reach.</param>
    /// <param name="baseUris">Bases (ending in <c>/</c>) to register every file under by file name.</param>
    /// <param name="validateFormats">Whether <c>format</c> (date-time, uri, ...) is enforced.</param>
    public JsonSchemaValidator(
        string schemaPath,
        IEnumerable<string>? referencedSchemaPaths = null,
        IEnumerable<Uri>? baseUris = null,
        bool validateFormats = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(schemaPath);
        SchemaPath = schemaPath;
        var bases = (baseUris ?? []).ToArray();

        var registry = new SchemaRegistry { Fetch = (uri, _) => Resolve(uri) };
        _buildOptions = new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft07 };

        SchemaFile? main = null;
        foreach (var path in new[] { schemaPath }.Concat(referencedSchemaPaths ?? []).Distinct(StringComparer.Ordinal))
        {
            var file = SchemaFile.Load(path);
            main ??= file;
            var uris = bases.Select(b => new Uri(b, Path.GetFileName(path)).AbsoluteUri).ToList();
            if (file.Id is not null)
            {
                uris.Add(file.Id);
            }

            foreach (var uri in uris)
            {
                _byUri.TryAdd(TrimFragment(uri), file);
            }
        }

        _schema = Build(main!);
        _evaluationOptions = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = validateFormats };
    }

    public string SchemaPath { get; }

    /// <summary>Every schema violation in <paramref name="json"/>, as <c>instance-location: keyword: message</c>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            return [$"(document): not JSON: {e.Message}"];
        }

        using (document)
        {
            EvaluationResults results;
            lock (_gate)
            {
                results = _schema.Evaluate(document.RootElement, _evaluationOptions);
            }

            if (results.IsValid)
            {
                return [];
            }

            var errors = new List<string>();
            Collect(results, errors);
            if (errors.Count == 0)
            {
                errors.Add("(document): invalid, but the validator gave no details");
            }

            return errors;
        }
    }

    /// <summary>Fails the test listing every violation when <paramref name="json"/> is not valid.</summary>
    public void AssertValid(ReadOnlySpan<byte> json, string? what = null)
    {
        var errors = Validate(json);
        if (errors.Count > 0)
        {
            Assert.Fail($"{what ?? "The document"} does not validate against {Path.GetFileName(SchemaPath)} ({errors.Count} errors):{Environment.NewLine}  "
                        + string.Join(Environment.NewLine + "  ", errors));
        }
    }

    private static void Collect(EvaluationResults node, List<string> errors)
    {
        if (node.Errors is { Count: > 0 })
        {
            var location = node.InstanceLocation.ToString();
            foreach (var (keyword, message) in node.Errors)
            {
                errors.Add($"{(location.Length == 0 ? "/" : location)}: {keyword}: {message} (at {node.EvaluationPath})");
            }
        }

        if (node.Details is not null)
        {
            foreach (var child in node.Details)
            {
                Collect(child, errors);
            }
        }
    }

    private JsonSchema? Resolve(Uri uri)
        => _byUri.TryGetValue(TrimFragment(uri.AbsoluteUri), out var file) ? Build(file) : null;

    private JsonSchema Build(SchemaFile file)
    {
        if (file.Built is null)
        {
            // Files without an id get the first URI they are known by, so their own relative refs resolve.
            var baseUri = file.Id is null ? _byUri.FirstOrDefault(p => ReferenceEquals(p.Value, file)).Key : null;
            file.Built = JsonSchema.Build(file.Root, _buildOptions, baseUri is null ? null : new Uri(baseUri));
        }

        return file.Built;
    }

    private static string TrimFragment(string uri)
    {
        var hash = uri.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? uri : uri[..hash];
    }

    private sealed class SchemaFile
    {
        private SchemaFile(JsonElement root, string? id)
        {
            Root = root;
            Id = id;
        }

        public JsonElement Root { get; }

        public string? Id { get; }

        public JsonSchema? Built { get; set; }

        public static SchemaFile Load(string path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"Schema file '{path}' is missing; the tests read the official schemas from ../shared/spec (set TOOLKIT_SPEC_DIR to move it).", path);
            }

            var node = JsonNode.Parse(File.ReadAllBytes(path))?.AsObject()
                       ?? throw new InvalidDataException($"Schema file '{path}' is not a JSON object.");
            var declared = node["$schema"]?.GetValue<string>();

            // A file with no $schema is read as draft-04 too: the adaptation only touches
            // draft-04 spellings, which mean nothing (or are invalid) in later drafts.
            var draft04 = declared is null || declared.StartsWith(Draft04, StringComparison.Ordinal);
            Adapt(node, draft04);
            if (draft04)
            {
                node.Remove("$schema");
                node.Insert(0, "$schema", Draft07);
            }

            var id = node["$id"]?.GetValue<string>();
            var root = JsonSerializer.SerializeToElement(node);
            return new SchemaFile(root, string.IsNullOrEmpty(id) ? null : id);
        }

        private static void Adapt(JsonObject schema, bool draft04)
        {
            if (draft04)
            {
                if (schema.ContainsKey("$ref"))
                {
                    schema.Remove("id");
                }
                else if (schema["id"] is JsonValue id && id.TryGetValue<string>(out var idText))
                {
                    schema.Remove("id");
                    schema["$id"] = idText;
                }

                RewriteExclusive(schema, "exclusiveMinimum", "minimum");
                RewriteExclusive(schema, "exclusiveMaximum", "maximum");
            }

            // JsonSchema.Net 8 fails with "Overwriting registered schemas is not permitted" when $id
            // comes after keywords with subschemas; JSON Schema gives keyword order no meaning.
            if (schema["$id"] is { } schemaId && schema.IndexOf("$id") > 0)
            {
                schema.Remove("$id");
                schema.Insert(0, "$id", schemaId);
            }

            foreach (var keyword in s_schemaMapKeywords)
            {
                if (schema[keyword] is JsonObject map)
                {
                    foreach (var (_, value) in map)
                    {
                        if (value is JsonObject subschema)
                        {
                            Adapt(subschema, draft04);
                        }
                    }
                }
            }

            foreach (var keyword in s_schemaArrayKeywords)
            {
                if (schema[keyword] is JsonArray array)
                {
                    foreach (var item in array)
                    {
                        if (item is JsonObject subschema)
                        {
                            Adapt(subschema, draft04);
                        }
                    }
                }
            }

            foreach (var keyword in s_schemaKeywords)
            {
                if (schema[keyword] is JsonObject subschema)
                {
                    Adapt(subschema, draft04);
                }
            }
        }

        private static void RewriteExclusive(JsonObject schema, string exclusiveKeyword, string limitKeyword)
        {
            if (schema[exclusiveKeyword] is not JsonValue flag || !flag.TryGetValue<bool>(out var exclusive))
            {
                return;
            }

            schema.Remove(exclusiveKeyword);
            if (exclusive && schema[limitKeyword] is { } limit)
            {
                schema.Remove(limitKeyword);
                schema[exclusiveKeyword] = limit;
            }
        }
    }
}
