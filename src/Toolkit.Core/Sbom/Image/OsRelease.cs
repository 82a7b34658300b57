using System.Text;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// The operating system an image says it is, from <c>/etc/os-release</c> (else <c>/usr/lib/os-release</c>), as
/// os-release(5) describes the file: <c>KEY=value</c> lines, values optionally quoted, with shell-style escapes.
/// </summary>
public sealed record OsRelease
{
    internal const string EtcPath = "etc/os-release";
    internal const string UsrLibPath = "usr/lib/os-release";

    /// <summary><c>ID</c>, lowercase (e.g. <c>debian</c>, <c>alpine</c>, <c>rhel</c>); <c>linux</c> when the file has none, as os-release(5) says.</summary>
    public required string Id { get; init; }

    public string? VersionId { get; init; }

    public string? VersionCodename { get; init; }

    public string? Name { get; init; }

    public string? PrettyName { get; init; }

    public IReadOnlyList<string> IdLike { get; init; } = [];

    /// <summary>The file it was read from (its real path, after links) and the layer that wrote it.</summary>
    public required SbomEvidence Evidence { get; init; }

    /// <summary>The purl <c>distro</c> qualifier: <c>ID-VERSION_ID</c> (e.g. <c>debian-12</c>), else <c>ID-VERSION_CODENAME</c>.</summary>
    public string? Distro => VersionId is { Length: > 0 } version ? $"{Id}-{version}"
        : VersionCodename is { Length: > 0 } codename ? $"{Id}-{codename}"
        : null;

    /// <summary>The operating-system component: name = ID, version = VERSION_ID, description = PRETTY_NAME.</summary>
    public SbomComponent ToComponent()
    {
        var properties = new List<KeyValuePair<string, string>>();
        if (VersionCodename is { Length: > 0 })
        {
            properties.Add(new("toolkit:os:versionCodename", VersionCodename));
        }

        if (IdLike.Count > 0)
        {
            properties.Add(new("toolkit:os:idLike", string.Join(' ', IdLike)));
        }

        return new SbomComponent
        {
            BomRef = $"os:{Id}@{VersionId ?? VersionCodename ?? "unknown"}",
            Type = SbomComponentType.OperatingSystem,
            Name = Id,
            Version = VersionId,
            Description = PrettyName ?? Name,
            Evidence = [Evidence],
            Properties = properties,
        };
    }

    /// <summary>Reads the os-release of the image's files, or null when the image has none.</summary>
    public static OsRelease? Find(ImageFiles files, ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var path in new[] { EtcPath, UsrLibPath })
        {
            if (!files.TryFind(path, out var file, out var failure))
            {
                if (failure is not null)
                {
                    notes?.Add($"{Diagnostics.ErrorCodes.ImageLinkUnresolved.Code}: /{path}: {failure}.");
                }

                continue;
            }

            return Parse(Encoding.UTF8.GetString(file!.Content.Span), file.Evidence);
        }

        return null;
    }

    public static OsRelease Parse(string text, SbomEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            values[line[..equals].Trim()] = Unquote(line[(equals + 1)..].Trim());
        }

        string? Value(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        return new OsRelease
        {
            Id = Value("ID")?.ToLowerInvariant() ?? "linux",
            VersionId = Value("VERSION_ID"),
            VersionCodename = Value("VERSION_CODENAME"),
            Name = Value("NAME"),
            PrettyName = Value("PRETTY_NAME"),
            IdLike = Value("ID_LIKE")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
            Evidence = evidence,
        };
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || (value[0] != '"' && value[0] != '\'') || value[^1] != value[0])
        {
            return value;
        }

        var quote = value[0];
        var inner = value[1..^1];
        if (quote == '\'')
        {
            return inner;
        }

        var unescaped = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length && inner[i + 1] is '"' or '\\' or '$' or '`')
            {
                i++;
            }

            unescaped.Append(inner[i]);
        }

        return unescaped.ToString();
    }
}
