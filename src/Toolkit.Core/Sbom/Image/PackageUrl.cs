using System.Text;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Package URLs in canonical form (purl spec): namespace segments, name and version percent-encoded except for the
/// alphanumerics, <c>.-_~</c> and ':' (so a Debian epoch stays <c>1:2.4</c> and <c>+</c> becomes <c>%2B</c>), qualifiers
/// sorted by key, empty qualifiers left out.
/// </summary>
internal static class PackageUrl
{
    public static string Create(string type, string? @namespace, string name, string? version, params (string Key, string? Value)[] qualifiers)
    {
        var purl = new StringBuilder("pkg:").Append(type).Append('/');
        if (!string.IsNullOrEmpty(@namespace))
        {
            foreach (var segment in @namespace.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                purl.Append(Encode(segment)).Append('/');
            }
        }

        purl.Append(Encode(name));
        if (!string.IsNullOrEmpty(version))
        {
            purl.Append('@').Append(Encode(version));
        }

        var separator = '?';
        foreach (var (key, value) in qualifiers.Where(q => !string.IsNullOrEmpty(q.Value)).OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            purl.Append(separator).Append(key).Append('=').Append(Encode(value!));
            separator = '&';
        }

        return purl.ToString();
    }

    internal static string Encode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'.' or (byte)'-' or (byte)'_' or (byte)'~' or (byte)':')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
