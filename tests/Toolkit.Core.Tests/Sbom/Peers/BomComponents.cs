using System.Text.Json;

namespace Toolkit.Core.Tests.Sbom.Peers;

/// <summary>One component of a CycloneDX JSON document, as the peer comparisons read it from any tool's output.</summary>
internal sealed record BomComponent(string Name, string? Version, string? Purl, IReadOnlyDictionary<string, string> Properties, IReadOnlyList<string> Tags)
{
    /// <summary>The components of a BOM (top level; nested components are not used by the tools compared).</summary>
    public static IReadOnlyList<BomComponent> Read(JsonElement bom)
    {
        if (!bom.TryGetProperty("components", out var components))
        {
            return [];
        }

        return [.. components.EnumerateArray().Select(c => new BomComponent(
            c.GetProperty("name").GetString()!,
            c.TryGetProperty("version", out var version) ? version.GetString() : null,
            c.TryGetProperty("purl", out var purl) ? purl.GetString() : null,
            c.TryGetProperty("properties", out var properties)
                ? properties.EnumerateArray()
                    .GroupBy(p => p.GetProperty("name").GetString()!, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.First().GetProperty("value").GetString() ?? string.Empty, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal),
            c.TryGetProperty("tags", out var tags) ? [.. tags.EnumerateArray().Select(t => t.GetString()!)] : []))];
    }

    public static JsonElement Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public PackageUrlParts? ParsedPurl => Purl is null ? null : PackageUrlParts.Parse(Purl);

    public override string ToString() => Purl ?? $"{Name}@{Version}";
}

/// <summary>A package URL taken apart (purl spec: <c>pkg:type/namespace/name@version?qualifiers#subpath</c>), every part percent-decoded.</summary>
internal sealed record PackageUrlParts(string Type, string? Namespace, string Name, string? Version, IReadOnlyDictionary<string, string> Qualifiers)
{
    public static PackageUrlParts Parse(string purl)
    {
        if (!purl.StartsWith("pkg:", StringComparison.Ordinal))
        {
            throw new FormatException($"'{purl}' is not a package URL.");
        }

        var rest = purl[4..];
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            rest = rest[..hash];
        }

        var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in rest[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                qualifiers[pair[..equals].ToLowerInvariant()] = Uri.UnescapeDataString(pair[(equals + 1)..]);
            }

            rest = rest[..question];
        }

        string? version = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            version = Uri.UnescapeDataString(rest[(at + 1)..]);
            rest = rest[..at];
        }

        var segments = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return new PackageUrlParts(
            segments[0].ToLowerInvariant(),
            segments.Length > 2 ? string.Join('/', segments[1..^1].Select(Uri.UnescapeDataString)) : null,
            Uri.UnescapeDataString(segments[^1]),
            version,
            qualifiers);
    }

    /// <summary>Type, namespace, name and version equal, and the qualifiers both have equal too; the ones only one side has, per side.</summary>
    public (bool Same, IReadOnlyList<string> OnlyHere, IReadOnlyList<string> OnlyThere) Compare(PackageUrlParts other)
    {
        var same = Type == other.Type && Namespace == other.Namespace && Name == other.Name && Version == other.Version
            && Qualifiers.Keys.Intersect(other.Qualifiers.Keys, StringComparer.Ordinal).All(k => Qualifiers[k] == other.Qualifiers[k]);
        return (same, [.. Qualifiers.Keys.Except(other.Qualifiers.Keys, StringComparer.Ordinal)], [.. other.Qualifiers.Keys.Except(Qualifiers.Keys, StringComparer.Ordinal)]);
    }
}
