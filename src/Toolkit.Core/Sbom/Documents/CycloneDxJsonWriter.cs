using System.Globalization;
using System.Text.Json;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Writes CycloneDX 1.5, 1.6 or 1.7 JSON with <see cref="Utf8JsonWriter"/>: no reflection, fixed member order,
/// components and dependencies sorted by bom-ref, properties by name, so one document gives one byte sequence.
/// </summary>
/// <remarks>
/// What differs by version:
/// <list type="bullet">
/// <item>Licenses: 1.5 and 1.6 allow either a list of licenses (SPDX id or name) or exactly one SPDX expression, so
/// several licenses among which an expression become one expression joined with AND when all are SPDX, else a list in
/// which the expression is a license name. 1.7 allows licenses and expressions side by side.</item>
/// <item>1.6 and later mark licenses as <c>declared</c> (they come from package metadata) and give each evidence
/// occurrence the layer it was found in (<c>additionalContext</c>); 1.5 has neither field, so there the layer
/// is only in the <c>toolkit:layer:digest</c> properties, which every version carries.</item>
/// </list>
/// <c>metadata.tools</c> is the object form with <c>components</c> in every version (the array form is deprecated).
/// </remarks>
internal static class CycloneDxJsonWriter
{
    /// <summary>Property naming a layer (by digest) a component was found in.</summary>
    public const string LayerProperty = "toolkit:layer:digest";

    public static void Write(SbomDocument document, SbomFormat format, Utf8JsonWriter writer)
    {
        var version = format.SpecVersion;
        var atLeast16 = version != "1.5";
        writer.WriteStartObject();
        writer.WriteString("$schema", $"http://cyclonedx.org/schema/bom-{version}.schema.json");
        writer.WriteString("bomFormat", "CycloneDX");
        writer.WriteString("specVersion", version);
        writer.WriteString("serialNumber", document.SerialNumberUrn);
        writer.WriteNumber("version", 1);

        writer.WritePropertyName("metadata");
        writer.WriteStartObject();
        writer.WriteString("timestamp", SbomWriter.FormatTimestamp(document.Timestamp));
        writer.WritePropertyName("tools");
        writer.WriteStartObject();
        writer.WritePropertyName("components");
        writer.WriteStartArray();
        foreach (var tool in document.Tools.OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Version, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "application");
            if (tool.Publisher is not null)
            {
                writer.WriteString("publisher", tool.Publisher);
            }

            writer.WriteString("name", tool.Name);
            writer.WriteString("version", tool.Version);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WritePropertyName("component");
        WriteComponent(writer, document.Subject.Component, version, atLeast16, isSubject: true, document.Subject.Ancestors);
        writer.WriteEndObject();

        writer.WritePropertyName("components");
        writer.WriteStartArray();
        foreach (var component in document.Components.OrderBy(c => c.BomRef, StringComparer.Ordinal))
        {
            WriteComponent(writer, component, version, atLeast16, isSubject: false, ancestors: []);
        }

        writer.WriteEndArray();

        writer.WritePropertyName("dependencies");
        writer.WriteStartArray();
        foreach (var dependency in document.Dependencies.OrderBy(d => d.Ref, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("ref", dependency.Ref);
            writer.WritePropertyName("dependsOn");
            writer.WriteStartArray();
            foreach (var target in dependency.DependsOn.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(target);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteComponent(
        Utf8JsonWriter writer, SbomComponent component, string version, bool atLeast16, bool isSubject, IReadOnlyList<SbomComponent> ancestors)
    {
        writer.WriteStartObject();
        writer.WriteString("type", TypeName(component.Type));
        writer.WriteString("bom-ref", component.BomRef);
        if (component.Supplier is not null)
        {
            writer.WritePropertyName("supplier");
            writer.WriteStartObject();
            writer.WriteString("name", component.Supplier);
            writer.WriteEndObject();
        }

        WriteOptional(writer, "group", component.Group);
        writer.WriteString("name", component.Name);
        WriteOptional(writer, "version", component.Version);
        WriteOptional(writer, "description", component.Description);
        if (!isSubject)
        {
            writer.WriteString("scope", component.Scope switch
            {
                SbomComponentScope.Optional => "optional",
                SbomComponentScope.Excluded => "excluded",
                _ => "required",
            });
        }

        if (component.Hashes.Count > 0)
        {
            writer.WritePropertyName("hashes");
            writer.WriteStartArray();
            foreach (var hash in component.Hashes)
            {
                writer.WriteStartObject();
                writer.WriteString("alg", hash.Algorithm);
                writer.WriteString("content", hash.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteLicenses(writer, ResolvedLicense.ResolveAll(component.Licenses), version, atLeast16);
        WriteOptional(writer, "purl", component.Purl);

        if (ancestors.Count > 0)
        {
            writer.WritePropertyName("pedigree");
            writer.WriteStartObject();
            writer.WritePropertyName("ancestors");
            writer.WriteStartArray();
            foreach (var ancestor in ancestors)
            {
                WriteComponent(writer, ancestor, version, atLeast16, isSubject: true, ancestors: []);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (component.Evidence.Count > 0)
        {
            writer.WritePropertyName("evidence");
            writer.WriteStartObject();
            writer.WritePropertyName("occurrences");
            writer.WriteStartArray();
            foreach (var evidence in component.Evidence)
            {
                writer.WriteStartObject();
                writer.WriteString("location", evidence.Path);
                if (atLeast16 && evidence.Layer is not null)
                {
                    writer.WriteString("additionalContext", "layer " + evidence.Layer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var properties = component.Properties
            .Concat(component.Evidence.Where(e => e.Layer is not null).Select(e => new KeyValuePair<string, string>(LayerProperty, e.Layer!.ToString())))
            .Distinct()
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .ToArray();
        if (properties.Length > 0)
        {
            writer.WritePropertyName("properties");
            writer.WriteStartArray();
            foreach (var (name, value) in properties)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("value", value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteLicenses(Utf8JsonWriter writer, IReadOnlyList<ResolvedLicense> licenses, string version, bool atLeast16)
    {
        if (licenses.Count == 0)
        {
            return;
        }

        writer.WritePropertyName("licenses");
        writer.WriteStartArray();
        if (version is "1.5" or "1.6" && licenses.Any(l => l.Kind == ResolvedLicenseKind.Expression))
        {
            if (licenses.All(l => l.Expression is not null))
            {
                // One expression is the only way these versions carry an expression next to anything else.
                WriteExpression(writer, SpdxLicenseExpression.And(licenses.Select(l => l.Expression!).ToArray()).Text, atLeast16);
            }
            else
            {
                foreach (var license in licenses)
                {
                    WriteLicense(writer, license.Kind == ResolvedLicenseKind.Id ? "id" : "name", license.Value, license.Url, atLeast16);
                }
            }
        }
        else
        {
            foreach (var license in licenses)
            {
                if (license.Kind == ResolvedLicenseKind.Expression)
                {
                    WriteExpression(writer, license.Value, atLeast16);
                }
                else
                {
                    WriteLicense(writer, license.Kind == ResolvedLicenseKind.Id ? "id" : "name", license.Value, license.Url, atLeast16);
                }
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteLicense(Utf8JsonWriter writer, string key, string value, string? url, bool atLeast16)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("license");
        writer.WriteStartObject();
        writer.WriteString(key, value);
        if (atLeast16)
        {
            writer.WriteString("acknowledgement", "declared");
        }

        WriteOptional(writer, "url", url);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteExpression(Utf8JsonWriter writer, string expression, bool atLeast16)
    {
        writer.WriteStartObject();
        writer.WriteString("expression", expression);
        if (atLeast16)
        {
            writer.WriteString("acknowledgement", "declared");
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    private static string TypeName(SbomComponentType type) => type switch
    {
        SbomComponentType.Library => "library",
        SbomComponentType.Application => "application",
        SbomComponentType.Framework => "framework",
        SbomComponentType.OperatingSystem => "operating-system",
        SbomComponentType.Container => "container",
        SbomComponentType.File => "file",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, string.Format(CultureInfo.InvariantCulture, "No CycloneDX type for {0}.", type)),
    };
}
