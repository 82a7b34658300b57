using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>What the caller may fix instead of letting <see cref="SbomDocumentBuilder"/> derive it.</summary>
public sealed record SbomDocumentOptions
{
    /// <summary>The serial number; null derives a UUID v5 from the subject's identity (the image digest).</summary>
    public Guid? SerialNumber { get; init; }

    /// <summary>The timestamp; null takes <c>SOURCE_DATE_EPOCH</c>, else the clock.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The tools named as the document's makers; null names the toolkit.</summary>
    public IReadOnlyList<SbomTool>? Tools { get; init; }

    /// <summary>The URI SPDX document namespaces start with; null uses <see cref="SbomDocument.DefaultSpdxNamespaceBase"/>.</summary>
    public Uri? SpdxNamespaceBase { get; init; }

    /// <summary>Parses a serial number given as <c>urn:uuid:&lt;uuid&gt;</c> or a bare UUID, throwing TK5001 otherwise.</summary>
    public static Guid ParseSerialNumber(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        const string Prefix = "urn:uuid:";
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        if (Guid.TryParseExact(text, "D", out var serial))
        {
            return serial;
        }

        throw new ToolkitException(
            ErrorCodes.InvalidSbomSerialNumber,
            $"'{value}' is not a serial number; give a UUID as urn:uuid:<uuid> or <uuid> (8-4-4-4-12 hex digits), or none to derive it from the image digest.");
    }
}
