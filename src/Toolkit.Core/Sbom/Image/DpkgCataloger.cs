using System.Text;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Debian packages from dpkg's database: <c>/var/lib/dpkg/status</c> (the entries whose status is <c>installed</c>:
/// <c>install ok installed</c>, and <c>hold ok installed</c> for held packages) and the distroless
/// <c>/var/lib/dpkg/status.d/&lt;package&gt;</c> files (one paragraph each, no Status field; the
/// <c>*.md5sums</c> files beside them are not packages). purl: <c>pkg:deb/&lt;ID&gt;/&lt;name&gt;@&lt;version&gt;?arch=..&amp;distro=&lt;ID&gt;-&lt;VERSION_ID&gt;</c>.
/// Depends and Pre-Depends become dependencies on the installed packages they name (or that provide them).
/// </summary>
internal static class DpkgCataloger
{
    public const string StatusPath = "var/lib/dpkg/status";
    public const string StatusDirectory = "var/lib/dpkg/status.d";

    public static void Catalog(ImageFiles files, OsRelease? os, CatalogBuilder builder)
    {
        var packages = new List<DebPackage>();
        if (files.Find(StatusPath) is { } status)
        {
            packages.AddRange(Read(status, requireStatus: true, builder));
        }

        foreach (var file in files.FilesIn(StatusDirectory).Where(f => !f.Path.EndsWith(".md5sums", StringComparison.Ordinal)))
        {
            packages.AddRange(Read(file, requireStatus: false, builder));
        }

        if (packages.Count == 0)
        {
            return;
        }

        var vendor = os?.Id ?? "debian";
        var byName = packages.ToLookup(p => p.Name, StringComparer.Ordinal);
        var byProvides = packages
            .SelectMany(p => SplitRelations(p.Fields.GetValueOrDefault("Provides")).SelectMany(g => g).Select(name => (name, p)))
            .ToLookup(x => x.name, x => x.p, StringComparer.Ordinal);
        foreach (var package in packages)
        {
            package.Purl = PackageUrl.Create("deb", vendor, package.Name, package.Version, ("arch", package.Architecture), ("distro", os?.Distro));
        }

        foreach (var package in packages)
        {
            var properties = new List<KeyValuePair<string, string>>();
            if (package.Fields.GetValueOrDefault("Source") is { Length: > 0 } source)
            {
                // "Source: glibc" or "Source: glibc (2.36-9)" when the source version differs from the binary's.
                var open = source.IndexOf('(', StringComparison.Ordinal);
                properties.Add(new("toolkit:deb:source", (open < 0 ? source : source[..open]).Trim()));
                if (open >= 0)
                {
                    properties.Add(new("toolkit:deb:sourceVersion", source[(open + 1)..].TrimEnd(')', ' ')));
                }
            }

            builder.Add(new SbomComponent
            {
                BomRef = package.Purl!,
                Type = SbomComponentType.Library,
                Name = package.Name,
                Version = package.Version,
                Purl = package.Purl,
                Supplier = package.Fields.GetValueOrDefault("Maintainer"),
                Description = package.Fields.GetValueOrDefault("Description")?.Split('\n')[0].Trim(),
                Evidence = [package.Source.Evidence],
                Properties = properties,
            });

            var dependencies = SplitRelations(package.Fields.GetValueOrDefault("Pre-Depends"))
                .Concat(SplitRelations(package.Fields.GetValueOrDefault("Depends")))
                .Select(group => Satisfy(group, package, byName, byProvides))
                .OfType<DebPackage>()
                .Select(p => p.Purl!);
            builder.DependsOn(package.Purl!, dependencies);
        }
    }

    /// <summary>The installed package that satisfies one "a | b | c" group: by name first, then by Provides; the depender's architecture preferred.</summary>
    private static DebPackage? Satisfy(IReadOnlyList<string> alternatives, DebPackage from, ILookup<string, DebPackage> byName, ILookup<string, DebPackage> byProvides)
    {
        foreach (var name in alternatives)
        {
            if ((Pick(byName[name], from) ?? Pick(byProvides[name], from)) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static DebPackage? Pick(IEnumerable<DebPackage> candidates, DebPackage from)
    {
        DebPackage? first = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Architecture == from.Architecture || candidate.Architecture == "all")
            {
                return candidate;
            }

            first ??= candidate;
        }

        return first;
    }

    /// <summary>"libc6 (>= 2.34), libfoo | libbar, perl:any" to [[libc6], [libfoo, libbar], [perl]].</summary>
    private static IEnumerable<IReadOnlyList<string>> SplitRelations(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
        {
            yield break;
        }

        foreach (var group in field.Split(','))
        {
            var names = group.Split('|')
                .Select(a => a.Trim())
                .Select(a => a.Split([' ', '(', '['], 2)[0])
                .Select(a => a.Split(':')[0])
                .Where(a => a.Length > 0)
                .ToList();
            if (names.Count > 0)
            {
                yield return names;
            }
        }
    }

    private static List<DebPackage> Read(ImageFile file, bool requireStatus, CatalogBuilder builder)
    {
        var packages = new List<DebPackage>();
        foreach (var fields in Deb822.Parse(Encoding.UTF8.GetString(file.Content.Span)))
        {
            if (!fields.TryGetValue("Package", out var name) || name.Length == 0)
            {
                continue;
            }

            var status = fields.GetValueOrDefault("Status");
            if (status is not null || requireStatus)
            {
                var words = status?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
                if (words.Length != 3 || words[2] != "installed")
                {
                    continue;
                }
            }

            if (!fields.TryGetValue("Version", out var version) || version.Length == 0)
            {
                builder.Note(ErrorCodes.InvalidPackageDatabase, $"{file.Path} (layer {file.Layer}): the entry of package '{name}' has no Version; it was left out.");
                continue;
            }

            packages.Add(new DebPackage(name.ToLowerInvariant(), version, fields.GetValueOrDefault("Architecture"), fields, file));
        }

        return packages;
    }

    private sealed record DebPackage(string Name, string Version, string? Architecture, Dictionary<string, string> Fields, ImageFile Source)
    {
        public string? Purl { get; set; }
    }
}

/// <summary>Debian control data (deb822): paragraphs of "Field: value" lines, continuation lines start with a space or a tab.</summary>
internal static class Deb822
{
    public static IEnumerable<Dictionary<string, string>> Parse(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                if (fields.Count > 0)
                {
                    yield return fields;
                    fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                }

                current = null;
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (current is not null)
                {
                    fields[current] = fields[current] + "\n" + line.Trim();
                }

                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                current = null;
                continue;
            }

            current = line[..colon].Trim();
            fields[current] = line[(colon + 1)..].Trim();
        }

        if (fields.Count > 0)
        {
            yield return fields;
        }
    }
}
