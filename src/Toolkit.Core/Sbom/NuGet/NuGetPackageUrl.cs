using System.Globalization;
using System.Text;

namespace Toolkit.Core.Sbom.NuGet;

/// <summary>purls and hashes of NuGet packages.</summary>
public static class NuGetPackageUrl
{
    /// <summary>
    /// <c>pkg:nuget/&lt;id&gt;@&lt;version&gt;</c>. The purl spec's nuget type has no namespace and keeps the id's case
    /// as published (the CycloneDX .NET tool writes the same); characters outside the purl's unreserved set are
    /// percent-encoded (in practice only a version's <c>+</c> build metadata).
    /// </summary>
    public static string Create(string id, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(version);
        return $"pkg:nuget/{Encode(id)}@{Encode(version)}";
    }

    /// <summary>The lowercase hex form of a base64 SHA-512 (as the assets file and <c>.nupkg.sha512</c> hold it), or null when it is not one.</summary>
    public static string? Sha512Hex(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        var bytes = new byte[64];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written == 64
            ? Convert.ToHexStringLower(bytes)
            : null;
    }

    private static string Encode(string value)
    {
        if (value.All(IsUnreserved))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b < 0x80 && IsUnreserved((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsUnreserved(char c)
        => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~';
}
