using System.Text.Json;

namespace Toolkit.Core.Oci;

/// <summary>
/// Value equality for the OCI model records. Record equality compares lists and dictionaries by
/// reference, so a parsed document never equalled the object it was written from.
/// An empty map means the same as no map (no annotations, no labels); an empty list does not
/// always mean the same as no list (an empty <c>Cmd</c> clears the base image's), so lists compare strictly.
/// </summary>
internal static class OciEquality
{
    public static bool Lists<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b)
        => ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));

    public static bool Bytes(byte[]? a, byte[]? b)
        => ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));

    public static bool Maps<TValue>(IReadOnlyDictionary<string, TValue>? a, IReadOnlyDictionary<string, TValue>? b)
    {
        var countA = a?.Count ?? 0;
        var countB = b?.Count ?? 0;
        if (countA != countB)
        {
            return false;
        }

        if (countA == 0)
        {
            return true;
        }

        // Compare as maps: the two dictionaries may use different comparers and so iterate in different orders.
        var comparer = EqualityComparer<TValue>.Default;
        foreach (var (key, value) in a!)
        {
            if (!b!.TryGetValue(key, out var other) || !comparer.Equals(value, other))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Extra(Dictionary<string, JsonElement>? a, Dictionary<string, JsonElement>? b)
    {
        var countA = a?.Count ?? 0;
        var countB = b?.Count ?? 0;
        if (countA != countB)
        {
            return false;
        }

        if (countA == 0)
        {
            return true;
        }

        foreach (var (key, value) in a!)
        {
            if (!b!.TryGetValue(key, out var other) || !JsonElement.DeepEquals(value, other))
            {
                return false;
            }
        }

        return true;
    }

    public static int Count<T>(IReadOnlyCollection<T>? items) => items?.Count ?? 0;
}
