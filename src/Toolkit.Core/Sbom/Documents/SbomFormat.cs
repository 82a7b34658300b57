using System.Diagnostics.CodeAnalysis;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>The document standards the toolkit writes.</summary>
public enum SbomStandard
{
    CycloneDx,
    Spdx,
}

/// <summary>
/// A document format and the version of its specification: <c>cyclonedx-json@1.5</c>, <c>@1.6</c> (the default),
/// <c>@1.7</c>, or <c>spdx-json@2.3</c>. Parse the text form with <see cref="Parse"/>.
/// </summary>
public sealed record SbomFormat
{
    private const string CycloneDxJsonName = "cyclonedx-json";
    private const string SpdxJsonName = "spdx-json";

    private SbomFormat(SbomStandard standard, string specVersion)
    {
        Standard = standard;
        SpecVersion = specVersion;
    }

    public static SbomFormat CycloneDxJson15 { get; } = new(SbomStandard.CycloneDx, "1.5");

    public static SbomFormat CycloneDxJson16 { get; } = new(SbomStandard.CycloneDx, "1.6");

    public static SbomFormat CycloneDxJson17 { get; } = new(SbomStandard.CycloneDx, "1.7");

    public static SbomFormat SpdxJson23 { get; } = new(SbomStandard.Spdx, "2.3");

    /// <summary>CycloneDX 1.6 JSON.</summary>
    public static SbomFormat Default => CycloneDxJson16;

    /// <summary>Every format, in the order help texts list them.</summary>
    public static IReadOnlyList<SbomFormat> All { get; } = [CycloneDxJson16, CycloneDxJson15, CycloneDxJson17, SpdxJson23];

    public SbomStandard Standard { get; }

    /// <summary>The specification version, e.g. <c>1.6</c> or <c>2.3</c>.</summary>
    public string SpecVersion { get; }

    /// <summary>The format's name without version: <c>cyclonedx-json</c> or <c>spdx-json</c>.</summary>
    public string Name => Standard == SbomStandard.CycloneDx ? CycloneDxJsonName : SpdxJsonName;

    /// <summary>The media type (also the OCI artifact type of an attached SBOM).</summary>
    public string MediaType => Standard == SbomStandard.CycloneDx ? "application/vnd.cyclonedx+json" : "application/spdx+json";

    /// <summary>The conventional file name ending: <c>.cdx.json</c> or <c>.spdx.json</c>.</summary>
    public string FileExtension => Standard == SbomStandard.CycloneDx ? ".cdx.json" : ".spdx.json";

    /// <summary>
    /// The format of an SBOM document, by what it says it is: CycloneDX JSON (<c>"bomFormat": "CycloneDX"</c>, with its
    /// <c>specVersion</c>) or SPDX JSON (<c>spdxVersion</c>); TK5072 for anything else. <paramref name="what"/> names it in the message.
    /// </summary>
    public static SbomFormat Detect(ReadOnlySpan<byte> content, string what)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(content);
            using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == System.Text.Json.JsonValueKind.Object
                && root.TryGetProperty("bomFormat", out var bomFormat) && bomFormat.ValueKind == System.Text.Json.JsonValueKind.String && bomFormat.GetString() == "CycloneDX")
            {
                var version = root.TryGetProperty("specVersion", out var spec) && spec.ValueKind == System.Text.Json.JsonValueKind.String ? spec.GetString() : null;
                return TryParse(CycloneDxJsonName + "@" + version, out var cyclone) ? cyclone : Default;
            }

            if (root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("spdxVersion", out _))
            {
                return SpdxJson23;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        throw new ToolkitException(
            ErrorCodes.UnsupportedSbomDocument,
            $"{what} is neither a CycloneDX JSON document (\"bomFormat\": \"CycloneDX\") nor an SPDX JSON document (\"spdxVersion\"); only those are attached as SBOMs. Use 'image attach' for other artifacts.");
    }

    /// <summary>Parses <c>cyclonedx-json</c>, <c>cyclonedx-json@1.5</c>, <c>spdx-json</c>, <c>spdx-json@2.3</c> (any case), throwing TK5000 otherwise.</summary>
    public static SbomFormat Parse(string value)
    {
        if (TryParse(value, out var format))
        {
            return format;
        }

        var known = string.Join(", ", All.Select(f => f.ToString()));
        throw new ToolkitException(
            ErrorCodes.UnknownSbomFormat,
            $"'{value}' is not an SBOM format; use cyclonedx-json (CycloneDX {Default.SpecVersion}), spdx-json (SPDX 2.3), or name a version: {known}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out SbomFormat? format)
    {
        format = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.Trim();
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? text : text[..at];
        var version = at < 0 ? null : text[(at + 1)..];
        if (name.Equals(CycloneDxJsonName, StringComparison.OrdinalIgnoreCase))
        {
            version ??= Default.SpecVersion;
        }
        else if (name.Equals(SpdxJsonName, StringComparison.OrdinalIgnoreCase))
        {
            version ??= SpdxJson23.SpecVersion;
        }
        else
        {
            return false;
        }

        format = All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && f.SpecVersion == version);
        return format is not null;
    }

    /// <summary>The text form, e.g. <c>cyclonedx-json@1.6</c>.</summary>
    public override string ToString() => Name + "@" + SpecVersion;
}
