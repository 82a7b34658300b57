using System.Globalization;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// Reads OpenVEX documents (<c>https://openvex.dev/ns</c>, v0.2.0 and the earlier form where <c>vulnerability</c> and
/// <c>products</c> are plain strings) into <see cref="VexStatement"/>s. A product is matched by its <c>@id</c>, its
/// <c>identifiers.purl</c> or its <c>hashes.sha-256</c>; subcomponents limit the statement to those packages.
/// </summary>
public static class VexReader
{
    public static async Task<IReadOnlyList<VexStatement>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var content = await ScanInputFile.ReadTextAsync(path, ErrorCodes.VexUnreadable, "VEX document", "Check the path.", cancellationToken).ConfigureAwait(false);

        return Parse(content, path);
    }

    public static IReadOnlyList<VexStatement> Parse(string content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        var json = ScanInputFile.ParseJson(content, fileName, ErrorCodes.VexMalformed, "VEX document", "Fix the document.");

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("@context", out var context)
                || context.ValueKind != JsonValueKind.String
                || !(context.GetString() ?? string.Empty).StartsWith("https://openvex.dev/ns", StringComparison.Ordinal))
            {
                throw Invalid(fileName, "its \"@context\" does not name OpenVEX (https://openvex.dev/ns/...)");
            }

            if (!root.TryGetProperty("statements", out var statements) || statements.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(fileName, "it has no \"statements\" list");
            }

            var result = new List<VexStatement>();
            var index = 0;
            foreach (var statement in statements.EnumerateArray())
            {
                index++;
                result.Add(ReadStatement(statement, fileName, string.Create(CultureInfo.InvariantCulture, $"statement {index}")));
            }

            return result;
        }
    }

    private static VexStatement ReadStatement(JsonElement statement, string fileName, string where)
    {
        if (statement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(fileName, $"{where} is not an object");
        }

        var ids = new List<string>();
        if (statement.TryGetProperty("vulnerability", out var vulnerability))
        {
            if (vulnerability.ValueKind == JsonValueKind.String)
            {
                AddNonEmpty(ids, vulnerability.GetString());
            }
            else if (vulnerability.ValueKind == JsonValueKind.Object)
            {
                AddNonEmpty(ids, StringMember(vulnerability, "name"));
                if (vulnerability.TryGetProperty("aliases", out var aliases) && aliases.ValueKind == JsonValueKind.Array)
                {
                    foreach (var alias in aliases.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String))
                    {
                        AddNonEmpty(ids, alias.GetString());
                    }
                }
            }
        }

        if (ids.Count == 0)
        {
            throw Invalid(fileName, $"{where} names no vulnerability (\"vulnerability\": {{\"name\": \"CVE-...\"}})");
        }

        var statusText = StringMember(statement, "status");
        VexStatus status = statusText switch
        {
            "not_affected" => VexStatus.NotAffected,
            "affected" => VexStatus.Affected,
            "fixed" => VexStatus.Fixed,
            "under_investigation" => VexStatus.UnderInvestigation,
            _ => throw Invalid(fileName, $"{where} has status '{statusText}', not one of not_affected, affected, fixed, under_investigation"),
        };

        var justification = StringMember(statement, "justification");
        var impact = StringMember(statement, "impact_statement");
        if (status == VexStatus.NotAffected && string.IsNullOrWhiteSpace(justification) && string.IsNullOrWhiteSpace(impact))
        {
            throw Invalid(fileName, $"{where} is not_affected but gives neither a justification nor an impact_statement");
        }

        var products = new List<string>();
        var subcomponents = new List<string>();
        if (statement.TryGetProperty("products", out var productList) && productList.ValueKind == JsonValueKind.Array)
        {
            foreach (var product in productList.EnumerateArray())
            {
                ReadProductIds(product, products);
                if (product.ValueKind == JsonValueKind.Object && product.TryGetProperty("subcomponents", out var subs) && subs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var sub in subs.EnumerateArray())
                    {
                        var ids2 = new List<string>();
                        ReadProductIds(sub, ids2);
                        subcomponents.AddRange(ids2.Select(PackageNameOf).Where(n => n is not null).Select(n => n!));
                    }
                }
            }
        }

        return new VexStatement
        {
            VulnerabilityIds = ids,
            Status = status,
            Products = products,
            Subcomponents = subcomponents,
            Justification = justification,
            ImpactStatement = impact,
            Location = $"{fileName}, {where}",
        };
    }

    private static void ReadProductIds(JsonElement product, List<string> into)
    {
        if (product.ValueKind == JsonValueKind.String)
        {
            AddNonEmpty(into, product.GetString());
            return;
        }

        if (product.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        AddNonEmpty(into, StringMember(product, "@id"));
        if (product.TryGetProperty("identifiers", out var identifiers) && identifiers.ValueKind == JsonValueKind.Object)
        {
            AddNonEmpty(into, StringMember(identifiers, "purl"));
        }

        if (product.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Object)
        {
            var sha256 = StringMember(hashes, "sha-256");
            if (!string.IsNullOrWhiteSpace(sha256))
            {
                into.Add("sha256:" + sha256);
            }
        }
    }

    /// <summary>The name of a package URL (<c>pkg:deb/debian/libc6@2.36?arch=amd64</c> is <c>libc6</c>); the text itself otherwise.</summary>
    private static string? PackageNameOf(string id)
    {
        if (!id.StartsWith("pkg:", StringComparison.Ordinal))
        {
            return id;
        }

        var end = id.IndexOfAny(['@', '?', '#']);
        var path = end < 0 ? id : id[..end];
        var slash = path.LastIndexOf('/');
        return Uri.UnescapeDataString(slash < 0 ? path[4..] : path[(slash + 1)..]);
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void AddNonEmpty(List<string> list, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            list.Add(value.Trim());
        }
    }

    private static ToolkitException Invalid(string fileName, string problem) =>
        new(ErrorCodes.VexMalformed, $"The VEX document '{fileName}' is not a valid OpenVEX document: {problem}. Fix the document.");
}
