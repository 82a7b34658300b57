using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Toolkit.Core.Oci;

/// <summary>
/// Reads and writes the string-keyed maps of the OCI documents (annotations, labels, exposed ports,
/// volumes) sorted by ordinal key. <see cref="SortedDictionary{TKey, TValue}"/> otherwise sorts with
/// the current culture (ICU or NLS), so the same image could get different bytes on another machine.
/// </summary>
internal sealed class OrdinalMapConverter<TValue> : JsonConverter<SortedDictionary<string, TValue>>
{
    public override SortedDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a JSON object, found {reader.TokenType}.");
        }

        var valueInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        var map = new SortedDictionary<string, TValue>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = JsonSerializer.Deserialize(ref reader, valueInfo)!;
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, SortedDictionary<string, TValue> value, JsonSerializerOptions options)
    {
        var valueInfo = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
        IEnumerable<KeyValuePair<string, TValue>> entries = ReferenceEquals(value.Comparer, StringComparer.Ordinal)
            ? value
            : value.OrderBy(p => p.Key, StringComparer.Ordinal);
        writer.WriteStartObject();
        foreach (var (key, item) in entries)
        {
            writer.WritePropertyName(key);
            JsonSerializer.Serialize(writer, item, valueInfo);
        }

        writer.WriteEndObject();
    }
}
