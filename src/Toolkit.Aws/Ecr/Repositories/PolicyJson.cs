using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// A JSON value read from a policy file, with where it starts (1-based line and column, in characters), so a check
/// can point at the place to fix. Unlike <c>System.Text.Json.Nodes</c>, the tree keeps positions, refuses duplicate
/// property names and keeps a number's text as written.
/// </summary>
internal abstract record PolicyJsonNode(int Line, int Column)
{
    /// <summary>What the value is, for messages ("a string", "an object").</summary>
    public abstract string Kind { get; }
}

internal sealed record PolicyJsonObject(IReadOnlyList<PolicyJsonProperty> Properties, int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "an object";

    public PolicyJsonProperty? Find(string name) => Properties.FirstOrDefault(p => p.Name == name);
}

internal sealed record PolicyJsonProperty(string Name, PolicyJsonNode Value, int Line, int Column);

internal sealed record PolicyJsonArray(IReadOnlyList<PolicyJsonNode> Items, int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "an array";
}

internal sealed record PolicyJsonString(string Value, int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "a string";
}

/// <summary>A number as written in the file (its value is compared, not its spelling).</summary>
internal sealed record PolicyJsonNumber(string Text, int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "a number";

    /// <summary>The value when it is a whole number that fits a long (<c>14</c>, <c>14.0</c> and <c>1.4e1</c> alike).</summary>
    public long? AsInteger()
        => decimal.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
           && decimal.Truncate(value) == value && value is >= long.MinValue and <= long.MaxValue
            ? (long)value
            : null;

    /// <summary>The number written without exponent or trailing zeros, so equal values read the same.</summary>
    public string Normalized
        => decimal.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value.ToString("0.############################", CultureInfo.InvariantCulture)
            : Text;
}

internal sealed record PolicyJsonBoolean(bool Value, int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "a boolean";
}

internal sealed record PolicyJsonNull(int Line, int Column) : PolicyJsonNode(Line, Column)
{
    public override string Kind => "null";
}

/// <summary>Reads policy JSON with positions, and writes its canonical form.</summary>
internal static class PolicyJson
{
    private const int MaxDepth = 64;

    private static readonly JsonWriterOptions s_canonical = new()
    {
        Indented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Parses <paramref name="text"/>; malformed JSON (including a duplicate property name, which IAM and ECR refuse)
    /// is a <see cref="ErrorCodes.PolicyJsonMalformed"/> error naming <paramref name="source"/>, the line and the column.
    /// </summary>
    public static PolicyJsonNode Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Malformed(source, 1, 1, "the file is empty");
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new LineMap(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, lines, source);
            // Content after the value makes the reader throw (it reads a single value).
            reader.Read();
            return root;
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = lines.Column(line, (int)(e.BytePositionInLine ?? 0));
            throw Malformed(source, line, column, Reason(e.Message));
        }
    }

    /// <summary>The canonical text: object properties in ordinal order, two-space indentation, numbers without exponent or trailing zeros.</summary>
    public static string Canonical(PolicyJsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_canonical))
        {
            Write(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, PolicyJsonNode node)
    {
        switch (node)
        {
            case PolicyJsonObject obj:
                writer.WriteStartObject();
                foreach (var property in obj.Properties.OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case PolicyJsonArray array:
                writer.WriteStartArray();
                foreach (var item in array.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case PolicyJsonString s:
                writer.WriteStringValue(s.Value);
                break;
            case PolicyJsonNumber n:
                writer.WriteRawValue(n.Normalized);
                break;
            case PolicyJsonBoolean b:
                writer.WriteBooleanValue(b.Value);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static PolicyJsonNode ReadValue(ref Utf8JsonReader reader, LineMap lines, string source)
    {
        var (line, column) = lines.Position(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var properties = new List<PolicyJsonProperty>();
                var names = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var (nameLine, nameColumn) = lines.Position(reader.TokenStartIndex);
                    var name = reader.GetString()!;
                    if (!names.Add(name))
                    {
                        throw Malformed(source, nameLine, nameColumn, $"the property \"{name}\" appears twice in the same object");
                    }

                    reader.Read();
                    properties.Add(new PolicyJsonProperty(name, ReadValue(ref reader, lines, source), nameLine, nameColumn));
                }

                return new PolicyJsonObject(properties, line, column);
            case JsonTokenType.StartArray:
                var items = new List<PolicyJsonNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines, source));
                }

                return new PolicyJsonArray(items, line, column);
            case JsonTokenType.String:
                return new PolicyJsonString(reader.GetString()!, line, column);
            case JsonTokenType.Number:
                return new PolicyJsonNumber(Encoding.UTF8.GetString(reader.ValueSpan), line, column);
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new PolicyJsonBoolean(reader.GetBoolean(), line, column);
            default:
                return new PolicyJsonNull(line, column);
        }
    }

    private static ToolkitException Malformed(string source, int line, int column, string reason)
        => new(ErrorCodes.PolicyJsonMalformed, $"{source} is not well-formed JSON at line {line}, column {column}: {reason}. Fix the file (a JSON linter such as 'python3 -m json.tool {source}' shows the same place) and run again.");

    // System.Text.Json appends its own 0-based position; ours replaces it.
    private static string Reason(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var reason = (at > 0 ? message[..at] : message).Trim().TrimEnd('.');
        return reason.Length == 0 ? "invalid JSON" : reason;
    }

    /// <summary>Byte offsets to 1-based line and character column.</summary>
    private sealed class LineMap
    {
        private readonly byte[] _bytes;
        private readonly List<int> _lineStarts = [0];

        public LineMap(byte[] bytes)
        {
            _bytes = bytes;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public (int Line, int Column) Position(long offset)
        {
            var index = _lineStarts.BinarySearch((int)offset);
            var line = index >= 0 ? index : ~index - 1;
            return (line + 1, Column(line + 1, (int)offset - _lineStarts[line]));
        }

        /// <summary>The character column of a byte position in a 1-based line.</summary>
        public int Column(int line, int bytePosition)
        {
            if (line < 1 || line > _lineStarts.Count)
            {
                return bytePosition + 1;
            }

            var start = _lineStarts[line - 1];
            var length = Math.Clamp(bytePosition, 0, _bytes.Length - start);
            return Encoding.UTF8.GetCharCount(_bytes, start, length) + 1;
        }
    }
}
