using System.Diagnostics.CodeAnalysis;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// The hash algorithms both formats can carry, by their CycloneDX names, with the SPDX name and the length of
/// the hex value of each.
/// </summary>
internal static class SbomHashAlgorithms
{
    private static readonly Algorithm[] s_algorithms =
    [
        new("MD5", "MD5", 32),
        new("SHA-1", "SHA1", 40),
        new("SHA-256", "SHA256", 64),
        new("SHA-384", "SHA384", 96),
        new("SHA-512", "SHA512", 128),
        new("SHA3-256", "SHA3-256", 64),
        new("SHA3-384", "SHA3-384", 96),
        new("SHA3-512", "SHA3-512", 128),
        new("BLAKE2b-256", "BLAKE2b-256", 64),
        new("BLAKE2b-384", "BLAKE2b-384", 96),
        new("BLAKE2b-512", "BLAKE2b-512", 128),
        new("BLAKE3", "BLAKE3", 64),
    ];

    private static readonly Dictionary<string, Algorithm> s_byKey =
        s_algorithms.ToDictionary(a => Key(a.CycloneDxName), StringComparer.Ordinal);

    /// <summary>
    /// The hash in canonical form: the CycloneDX algorithm name (however the cataloger spelled it: <c>sha512</c>,
    /// <c>SHA-512</c>) and lowercase hex (converted from base64 when the value is base64 of the right length, as
    /// NuGet's assets file stores it). False when the algorithm is unknown or the value does not fit it.
    /// </summary>
    public static bool TryNormalize(SbomHash hash, [NotNullWhen(true)] out SbomHash? normalized)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(hash.Algorithm) || string.IsNullOrWhiteSpace(hash.Value)
            || !s_byKey.TryGetValue(Key(hash.Algorithm), out var algorithm))
        {
            return false;
        }

        var value = hash.Value.Trim();
        if (value.Length == algorithm.HexLength && IsHex(value))
        {
            normalized = new SbomHash(algorithm.CycloneDxName, value.ToLowerInvariant());
            return true;
        }

        var bytes = new byte[algorithm.HexLength / 2];
        if (Convert.TryFromBase64String(value, bytes, out var written) && written == bytes.Length)
        {
            normalized = new SbomHash(algorithm.CycloneDxName, Convert.ToHexStringLower(bytes));
            return true;
        }

        return false;
    }

    /// <summary>The SPDX checksum algorithm name for a canonical (CycloneDX) name.</summary>
    public static string? SpdxName(string cycloneDxName)
        => s_byKey.TryGetValue(Key(cycloneDxName), out var algorithm) ? algorithm.SpdxName : null;

    private static string Key(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal)
        .Replace("_", string.Empty, StringComparison.Ordinal)
        .Trim()
        .ToUpperInvariant();

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);

    private sealed record Algorithm(string CycloneDxName, string SpdxName, int HexLength);
}
