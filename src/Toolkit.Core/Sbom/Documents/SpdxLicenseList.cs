using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Toolkit.Core.Sbom.Documents;

internal static partial class SpdxLicenseList
{
    public static IReadOnlyList<string> LicenseIds => s_licenseIds;

    public static IReadOnlyList<string> ExceptionIds => s_exceptionIds;

    /// <summary>The listed spelling of a license identifier, matched ignoring case.</summary>
    public static bool TryGetLicense(string id, [NotNullWhen(true)] out string? canonical)
        => Lookup.Licenses.TryGetValue(id, out canonical);

    /// <summary>The listed spelling of a license exception identifier, matched ignoring case.</summary>
    public static bool TryGetException(string id, [NotNullWhen(true)] out string? canonical)
        => Lookup.Exceptions.TryGetValue(id, out canonical);

    // SPDX matches identifiers case-insensitively; documents carry the list's own spelling. A nested class so the
    // arrays (initialised in the other part of this class) exist before these are built.
    private static class Lookup
    {
        public static readonly FrozenDictionary<string, string> Licenses =
            s_licenseIds.ToFrozenDictionary(id => id, id => id, StringComparer.OrdinalIgnoreCase);

        public static readonly FrozenDictionary<string, string> Exceptions =
            s_exceptionIds.ToFrozenDictionary(id => id, id => id, StringComparer.OrdinalIgnoreCase);
    }
}
