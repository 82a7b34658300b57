using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>Compares JSON by meaning: member order is free, numbers compare by value (1.50 equals 1.5).</summary>
internal static class JsonAssert
{
    public static void Equal(JsonNode? expected, JsonNode? actual, string because = "")
    {
        var difference = FirstDifference(expected, actual, "$");
        if (difference is not null)
        {
            throw new XunitException($"JSON differs at {difference}. {because}{Environment.NewLine}expected: {expected?.ToJsonString()}{Environment.NewLine}actual:   {actual?.ToJsonString()}");
        }
    }

    public static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path} (one side is null)";
        }

        var kind = expected.GetValueKind();
        if (kind != actual.GetValueKind())
        {
            return $"{path} ({kind} vs {actual.GetValueKind()})";
        }

        switch (kind)
        {
            case JsonValueKind.Object:
                var left = expected.AsObject();
                var right = actual.AsObject();
                foreach (var (name, value) in left)
                {
                    if (!right.TryGetPropertyValue(name, out var other))
                    {
                        return $"{path}.{name} (missing from actual)";
                    }

                    if (FirstDifference(value, other, path + "." + name) is { } inner)
                    {
                        return inner;
                    }
                }

                var extra = right.Select(p => p.Key).FirstOrDefault(name => !left.ContainsKey(name));
                return extra is null ? null : $"{path}.{extra} (not expected)";
            case JsonValueKind.Array:
                var a = expected.AsArray();
                var b = actual.AsArray();
                if (a.Count != b.Count)
                {
                    return $"{path} ({a.Count} items vs {b.Count})";
                }

                for (var i = 0; i < a.Count; i++)
                {
                    if (FirstDifference(a[i], b[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Number:
                var x = decimal.Parse(expected.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                var y = decimal.Parse(actual.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                return x == y ? null : $"{path} ({x} vs {y})";
            case JsonValueKind.String:
                return expected.GetValue<string>() == actual.GetValue<string>() ? null : $"{path} ('{expected}' vs '{actual}')";
            default:
                return null;
        }
    }
}
