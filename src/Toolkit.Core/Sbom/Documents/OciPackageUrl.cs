using System.Globalization;
using System.Text;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Package URLs of the <c>oci</c> type, in canonical form:
/// <c>pkg:oci/&lt;name&gt;@sha256:&lt;hex&gt;?arch=..&amp;repository_url=..&amp;tag=..</c>. The name is the last segment
/// of the repository, lowercased; there is no namespace (the registry and path go in <c>repository_url</c>);
/// qualifiers are sorted by key; values are percent-encoded except for letters, digits, <c>.-_~</c> and <c>:</c>
/// (so the <c>/</c> of a repository URL becomes <c>%2F</c>).
/// </summary>
public static class OciPackageUrl
{
    public static string Create(string repository, Digest digest, string? repositoryUrl = null, string? tag = null, string? architecture = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        ArgumentNullException.ThrowIfNull(digest);
        var segments = repository.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments.Length == 0 ? repository : segments[^1];

        var builder = new StringBuilder("pkg:oci/");
        Encode(builder, name.ToLowerInvariant());
        builder.Append('@');
        Encode(builder, digest.ToString());

        var qualifiers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        AddQualifier(qualifiers, "arch", architecture);
        AddQualifier(qualifiers, "repository_url", repositoryUrl);
        AddQualifier(qualifiers, "tag", tag);
        var separator = '?';
        foreach (var (key, value) in qualifiers)
        {
            builder.Append(separator).Append(key).Append('=');
            Encode(builder, value);
            separator = '&';
        }

        return builder.ToString();
    }

    /// <summary>Percent-encodes <paramref name="value"/> as a purl component (UTF-8, upper-case hex).</summary>
    internal static void Encode(StringBuilder builder, string value)
    {
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~' or ':')
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), bytes)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), bytes);
            foreach (var b in bytes[..length])
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }

    private static void AddQualifier(SortedDictionary<string, string> qualifiers, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            qualifiers[key] = value;
        }
    }
}
