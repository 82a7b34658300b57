using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Writes SPDX 2.3 JSON with <see cref="Utf8JsonWriter"/>. Every component, the subject and its base image are
/// packages (<c>filesAnalyzed: false</c>, <c>downloadLocation: NOASSERTION</c>, the purl as a PACKAGE-MANAGER
/// reference); the document DESCRIBES the subject, an image CONTAINS every component (a project DEPENDS_ON the
/// tops of its graph), the graph's edges are DEPENDS_ON (DEV_DEPENDENCY_OF towards a development-only component),
/// and the subject is a DESCENDANT_OF its base image.
/// </summary>
/// <remarks>
/// SPDX ids are <c>SPDXRef-</c> and the bom-ref, percent-decoded, without accents, and with every run of
/// characters outside <c>[A-Za-z0-9.-]</c> made one <c>-</c>; when two bom-refs would give the same id, each gets the first 8 hex digits of its SHA-256 appended.
/// <c>licenseDeclared</c> joins the package's licenses with AND; identifiers and expressions that are valid SPDX stay
/// as they are, anything else becomes a <c>LicenseRef-</c> declared in <c>hasExtractedLicensingInfos</c>.
/// <c>licenseConcluded</c> is NOASSERTION: the toolkit reports what packages declare and concludes nothing.
/// Evidence (paths and layers) goes in <c>sourceInfo</c>; CycloneDX properties have no SPDX 2.3 field and are not written.
/// </remarks>
internal static class SpdxJsonWriter
{
    private const string NoAssertion = "NOASSERTION";
    private const string DocumentId = "SPDXRef-DOCUMENT";

    public static void Write(SbomDocument document, Utf8JsonWriter writer)
    {
        var subject = document.Subject;
        var root = subject.Component;
        var components = document.Components.OrderBy(c => c.BomRef, StringComparer.Ordinal).ToArray();
        var packages = new List<SbomComponent> { root };
        packages.AddRange(subject.Ancestors);
        packages.AddRange(components);
        var ids = AssignIds(packages.Select(p => p.BomRef));
        var licenses = new LicenseRefs(packages);

        var name = DocumentName(root, subject.Kind);
        writer.WriteStartObject();
        writer.WriteString("spdxVersion", "SPDX-2.3");
        writer.WriteString("dataLicense", "CC0-1.0");
        writer.WriteString("SPDXID", DocumentId);
        writer.WriteString("name", name);
        writer.WriteString("documentNamespace", Namespace(document, name));
        writer.WritePropertyName("creationInfo");
        writer.WriteStartObject();
        writer.WriteString("created", SbomWriter.FormatTimestamp(document.Timestamp));
        writer.WritePropertyName("creators");
        writer.WriteStartArray();
        foreach (var tool in document.Tools.OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Version, StringComparer.Ordinal))
        {
            writer.WriteStringValue($"Tool: {tool.Name}-{tool.Version}");
        }

        writer.WriteEndArray();
        writer.WriteString("licenseListVersion", string.Join('.', SpdxLicenseList.Version.Split('.').Take(2)));
        writer.WriteEndObject();

        writer.WritePropertyName("packages");
        writer.WriteStartArray();
        foreach (var package in packages)
        {
            WritePackage(writer, package, ids[package.BomRef], licenses);
        }

        writer.WriteEndArray();

        if (licenses.Extracted.Count > 0)
        {
            writer.WritePropertyName("hasExtractedLicensingInfos");
            writer.WriteStartArray();
            foreach (var (id, info) in licenses.Extracted)
            {
                writer.WriteStartObject();
                writer.WriteString("licenseId", id);
                writer.WriteString("name", info.Name);
                writer.WriteString("extractedText", info.Name);
                writer.WriteString("comment", info.Comment);
                if (info.Url is not null)
                {
                    writer.WritePropertyName("seeAlsos");
                    writer.WriteStartArray();
                    writer.WriteStringValue(info.Url);
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WritePropertyName("relationships");
        writer.WriteStartArray();
        WriteRelationship(writer, DocumentId, "DESCRIBES", ids[root.BomRef]);
        foreach (var (element, type, related) in Relationships(document, ids))
        {
            WriteRelationship(writer, element, type, related);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static SortedSet<(string Element, string Type, string Related)> Relationships(SbomDocument document, Dictionary<string, string> ids)
    {
        var root = document.Subject.Component.BomRef;
        var scopes = document.Components.ToDictionary(c => c.BomRef, c => c.Scope, StringComparer.Ordinal);
        var relationships = new SortedSet<(string, string, string)>(RelationshipComparer.Instance);
        foreach (var ancestor in document.Subject.Ancestors)
        {
            relationships.Add((ids[root], "DESCENDANT_OF", ids[ancestor.BomRef]));
        }

        var isImage = document.Subject.Kind == SbomSubjectKind.Image;
        if (isImage)
        {
            foreach (var component in document.Components)
            {
                relationships.Add((ids[root], "CONTAINS", ids[component.BomRef]));
            }
        }

        foreach (var dependency in document.Dependencies)
        {
            if (!ids.TryGetValue(dependency.Ref, out var from) || isImage && dependency.Ref == root)
            {
                continue;
            }

            foreach (var target in dependency.DependsOn)
            {
                if (!ids.TryGetValue(target, out var to) || to == from)
                {
                    continue;
                }

                relationships.Add(scopes.TryGetValue(target, out var scope) && scope == SbomComponentScope.Excluded
                    ? (to, "DEV_DEPENDENCY_OF", from)
                    : (from, "DEPENDS_ON", to));
            }
        }

        return relationships;
    }

    private static void WriteRelationship(Utf8JsonWriter writer, string element, string type, string related)
    {
        writer.WriteStartObject();
        writer.WriteString("spdxElementId", element);
        writer.WriteString("relationshipType", type);
        writer.WriteString("relatedSpdxElement", related);
        writer.WriteEndObject();
    }

    private static void WritePackage(Utf8JsonWriter writer, SbomComponent package, string id, LicenseRefs licenses)
    {
        writer.WriteStartObject();
        writer.WriteString("SPDXID", id);
        writer.WriteString("name", package.Name);
        if (!string.IsNullOrEmpty(package.Version))
        {
            writer.WriteString("versionInfo", package.Version);
        }

        if (!string.IsNullOrEmpty(package.Supplier))
        {
            writer.WriteString("supplier", "Organization: " + AgentName(package.Supplier));
        }

        writer.WriteString("downloadLocation", NoAssertion);
        writer.WriteBoolean("filesAnalyzed", false);
        var checksums = package.Hashes
            .Select(h => (Algorithm: SbomHashAlgorithms.SpdxName(h.Algorithm), h.Value))
            .Where(h => h.Algorithm is not null)
            .ToArray();
        if (checksums.Length > 0)
        {
            writer.WritePropertyName("checksums");
            writer.WriteStartArray();
            foreach (var (algorithm, value) in checksums)
            {
                writer.WriteStartObject();
                writer.WriteString("algorithm", algorithm);
                writer.WriteString("checksumValue", value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteString("licenseConcluded", NoAssertion);
        writer.WriteString("licenseDeclared", licenses.Declared(package));
        if (!string.IsNullOrEmpty(package.Description))
        {
            writer.WriteString("description", package.Description);
        }

        if (package.Evidence.Count > 0)
        {
            writer.WriteString("sourceInfo", "found in: " + string.Join("; ", package.Evidence.Select(e => e.Layer is null ? e.Path : $"{e.Path} (layer {e.Layer})")));
        }

        if (!string.IsNullOrEmpty(package.Purl))
        {
            writer.WritePropertyName("externalRefs");
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteString("referenceCategory", "PACKAGE-MANAGER");
            writer.WriteString("referenceType", "purl");
            writer.WriteString("referenceLocator", package.Purl);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteString("primaryPackagePurpose", package.Type switch
        {
            SbomComponentType.Library => "LIBRARY",
            SbomComponentType.Application => "APPLICATION",
            SbomComponentType.Framework => "FRAMEWORK",
            SbomComponentType.OperatingSystem => "OPERATING_SYSTEM",
            SbomComponentType.Container => "CONTAINER",
            SbomComponentType.File => "FILE",
            _ => "OTHER",
        });
        writer.WriteEndObject();
    }

    /// <summary>An SPDX agent name: <c>Name &lt;mail&gt;</c> (as package metadata writes it) becomes <c>Name (mail)</c>.</summary>
    private static string AgentName(string supplier)
    {
        var text = supplier.Trim();
        var open = text.LastIndexOf('<');
        return open > 0 && text.EndsWith('>') ? $"{text[..open].TrimEnd()} ({text[(open + 1)..^1]})" : text;
    }

    private static string DocumentName(SbomComponent root, SbomSubjectKind kind)
    {
        if (string.IsNullOrEmpty(root.Version))
        {
            return root.Name;
        }

        var byDigest = root.Version.StartsWith("sha256:", StringComparison.Ordinal) || root.Version.StartsWith("sha512:", StringComparison.Ordinal);
        return kind == SbomSubjectKind.Image && !byDigest ? root.Name + ":" + root.Version : root.Name + "@" + root.Version;
    }

    private static string Namespace(SbomDocument document, string name)
    {
        var baseUri = (document.SpdxNamespaceBase ?? SbomDocument.DefaultSpdxNamespaceBase).AbsoluteUri;
        if (!baseUri.EndsWith('/'))
        {
            baseUri += "/";
        }

        var slug = new StringBuilder();
        foreach (var c in name)
        {
            var keep = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
            if (keep)
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        return baseUri + slug.ToString().Trim('-') + "-" + document.SerialNumber.ToString("D");
    }

    /// <summary>SPDX ids for bom-refs, stable and unique (see the class remarks).</summary>
    internal static Dictionary<string, string> AssignIds(IEnumerable<string> bomRefs)
    {
        var candidates = bomRefs.Distinct(StringComparer.Ordinal).ToDictionary(r => r, r => "SPDXRef-" + Sanitize(r), StringComparer.Ordinal);
        var taken = candidates.Values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        taken.Add(DocumentId);
        return candidates.ToDictionary(
            p => p.Key,
            p => taken.Contains(p.Value) ? p.Value + "-" + ShortHash(p.Key) : p.Value,
            StringComparer.Ordinal);
    }

    /// <summary>
    /// Percent-encoding is decoded and accents dropped (<c>é</c> to <c>e</c>), then runs of characters outside
    /// <c>[A-Za-z0-9.-]</c> become one <c>-</c>.
    /// </summary>
    internal static string Sanitize(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in Uri.UnescapeDataString(value).Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-')
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var text = builder.ToString().Trim('-');
        return text.Length == 0 ? "x" : text;
    }

    private static string ShortHash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..8];

    private sealed record ExtractedLicense(string Name, string Comment, string? Url);

    /// <summary>The <c>LicenseRef-</c>s of a document: one per distinct license name, and those expressions use.</summary>
    private sealed class LicenseRefs
    {
        private readonly Dictionary<(string Name, string? Url), string> _byName = [];

        public LicenseRefs(IEnumerable<SbomComponent> packages)
        {
            var resolved = packages.SelectMany(p => ResolvedLicense.ResolveAll(p.Licenses)).ToArray();
            var names = resolved.Where(l => l.Kind == ResolvedLicenseKind.Name)
                .Select(l => (l.Value, l.Url))
                .Distinct()
                .OrderBy(n => n.Value, StringComparer.Ordinal)
                .ThenBy(n => n.Url, StringComparer.Ordinal)
                .ToArray();
            var used = resolved.Where(l => l.Expression is not null).SelectMany(l => l.Expression!.LicenseRefs).ToHashSet(StringComparer.Ordinal);

            var candidates = names.Select(n => (Key: n, Id: "LicenseRef-" + Sanitize(n.Value))).ToArray();
            var clashing = candidates.GroupBy(c => c.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, candidate) in candidates)
            {
                var id = clashing.Contains(candidate) || used.Contains(candidate) ? candidate + "-" + ShortHash(key.Value + "\n" + key.Url) : candidate;
                _byName[key] = id;
                Extracted[id] = new ExtractedLicense(
                    key.Value,
                    key.Value == key.Url ? "A license given only as a URL in the package metadata." : "A license named in the package metadata that is not an SPDX License List identifier.",
                    key.Url);
            }

            foreach (var reference in used)
            {
                Extracted.TryAdd(reference, new ExtractedLicense(reference, "A license reference used in a license expression of the package metadata; its text was not collected.", null));
            }
        }

        public SortedDictionary<string, ExtractedLicense> Extracted { get; } = new(StringComparer.Ordinal);

        public string Declared(SbomComponent package)
        {
            var parts = new List<SpdxLicenseExpression>();
            foreach (var license in ResolvedLicense.ResolveAll(package.Licenses))
            {
                if (license.Expression is not null)
                {
                    parts.Add(license.Expression);
                }
                else if (SpdxLicenseExpression.TryParseIdentifier(_byName[(license.Value, license.Url)], out var reference))
                {
                    parts.Add(reference);
                }
            }

            return parts.Count == 0 ? NoAssertion : SpdxLicenseExpression.And(parts).Text;
        }
    }

    private sealed class RelationshipComparer : IComparer<(string Element, string Type, string Related)>
    {
        public static RelationshipComparer Instance { get; } = new();

        public int Compare((string Element, string Type, string Related) x, (string Element, string Type, string Related) y)
        {
            var result = string.CompareOrdinal(x.Element, y.Element);
            if (result == 0)
            {
                result = string.CompareOrdinal(x.Type, y.Type);
            }

            return result != 0 ? result : string.CompareOrdinal(x.Related, y.Related);
        }
    }
}
