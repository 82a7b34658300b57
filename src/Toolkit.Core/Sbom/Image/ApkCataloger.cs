using System.Text;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Alpine packages from apk's database <c>/lib/apk/db/installed</c>: records of one-letter fields separated by blank
/// lines (P name, V version, A architecture, L licence, o origin, m maintainer, T description, C checksum of the
/// package's control data, D dependencies, p provides). purl:
/// <c>pkg:apk/&lt;ID&gt;/&lt;name&gt;@&lt;version&gt;?arch=..&amp;distro=&lt;ID&gt;-&lt;VERSION_ID&gt;</c>. Dependencies
/// (<c>D:</c>, without the <c>!conflicts</c>) resolve to the installed package of that name or that provides it
/// (<c>so:</c> libraries, <c>cmd:</c> commands, file paths such as <c>/bin/sh</c>).
/// </summary>
internal static class ApkCataloger
{
    public const string InstalledPath = "lib/apk/db/installed";

    public static void Catalog(ImageFiles files, OsRelease? os, CatalogBuilder builder)
    {
        if (files.Find(InstalledPath) is not { } database)
        {
            return;
        }

        var packages = Parse(database, builder);
        var vendor = os?.Id ?? "alpine";
        var providers = new Dictionary<string, ApkPackage>(StringComparer.Ordinal);
        foreach (var package in packages)
        {
            package.Purl = PackageUrl.Create("apk", vendor, package.Name.ToLowerInvariant(), package.Version, ("arch", package.Field('A')), ("distro", os?.Distro));
            providers.TryAdd(package.Name, package);
        }

        foreach (var package in packages)
        {
            foreach (var provided in Tokens(package.Field('p')))
            {
                providers.TryAdd(NameOf(provided), package);
            }
        }

        foreach (var package in packages)
        {
            var properties = new List<KeyValuePair<string, string>>();
            if (package.Field('o') is { Length: > 0 } origin)
            {
                properties.Add(new("toolkit:apk:origin", origin));
            }

            if (ControlChecksum(package.Field('C')) is { } checksum)
            {
                properties.Add(new("toolkit:apk:controlChecksum", checksum));
            }

            builder.Add(new SbomComponent
            {
                BomRef = package.Purl!,
                Type = SbomComponentType.Library,
                Name = package.Name,
                Version = package.Version,
                Purl = package.Purl,
                Supplier = package.Field('m'),
                Description = package.Field('T'),
                Licenses = package.Field('L') is { Length: > 0 } license ? [LicenseText.From(license)] : [],
                Evidence = [database.Evidence],
                Properties = properties,
            });

            var dependencies = Tokens(package.Field('D'))
                .Where(t => !t.StartsWith('!'))
                .Select(t => providers.GetValueOrDefault(NameOf(t)))
                .OfType<ApkPackage>()
                .Select(p => p.Purl!);
            builder.DependsOn(package.Purl!, dependencies);
        }
    }

    /// <summary>"musl>=1.2", "so:libc.musl-x86_64.so.1=1" and "cmd:apk" to the name before any version constraint.</summary>
    private static string NameOf(string token)
    {
        var end = token.IndexOfAny(['<', '>', '=', '~']);
        return end < 0 ? token : token[..end];
    }

    private static string[] Tokens(string? field)
        => field?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>C: is "Q1" + base64 SHA-1 (or "Q2" + base64 SHA-256) of the package's control section: an identity of the build, not of a file.</summary>
    private static string? ControlChecksum(string? value)
    {
        if (value is null || value.Length < 3 || value[0] != 'Q')
        {
            return null;
        }

        var algorithm = value[1] switch { '1' => "sha1", '2' => "sha256", _ => null };
        if (algorithm is null)
        {
            return null;
        }

        try
        {
            return $"{algorithm}:{Convert.ToHexStringLower(Convert.FromBase64String(value[2..]))}";
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static List<ApkPackage> Parse(ImageFile database, CatalogBuilder builder)
    {
        var packages = new List<ApkPackage>();
        var fields = new Dictionary<char, string>();
        void Flush()
        {
            if (fields.Count == 0)
            {
                return;
            }

            if (fields.TryGetValue('P', out var name) && fields.TryGetValue('V', out var version) && name.Length > 0 && version.Length > 0)
            {
                packages.Add(new ApkPackage(name, version, fields));
            }
            else
            {
                builder.Note(ErrorCodes.InvalidPackageDatabase, $"{database.Path} (layer {database.Layer}): a record without P: or V: was left out.");
            }

            fields = [];
        }

        foreach (var raw in Encoding.UTF8.GetString(database.Content.Span).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (line.Length < 2 || line[1] != ':')
            {
                continue;
            }

            // Per-file fields (F, R, a, M, Z) repeat; only the package's own fields, which appear once, are kept.
            fields.TryAdd(line[0], line[2..]);
        }

        Flush();
        return packages;
    }

    private sealed record ApkPackage(string Name, string Version, Dictionary<char, string> Fields)
    {
        public string? Purl { get; set; }

        public string? Field(char key) => Fields.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
    }
}

/// <summary>A licence as a package database states it.</summary>
internal static class LicenseText
{
    /// <summary>
    /// An SPDX expression when the text reads as one (ids joined by AND, OR, WITH and parentheses, or one id), else a
    /// licence name: apk and rpm often list licences separated by spaces ("MIT BSD GPL2+"), which is no expression.
    /// </summary>
    public static SbomLicense From(string text)
    {
        var tokens = text.Replace("(", " ( ", StringComparison.Ordinal).Replace(")", " ) ", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var expectId = true;
        var depth = 0;
        foreach (var token in tokens)
        {
            if (token == "(" && expectId)
            {
                depth++;
            }
            else if (token == ")" && !expectId && depth > 0)
            {
                depth--;
            }
            else if (token is "AND" or "OR" or "WITH" && !expectId)
            {
                expectId = true;
            }
            else if (expectId && IsId(token))
            {
                expectId = false;
            }
            else
            {
                return new SbomLicense { Name = text };
            }
        }

        return !expectId && depth == 0 ? new SbomLicense { Expression = text } : new SbomLicense { Name = text };
    }

    private static bool IsId(string token)
        => token.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' or ':');
}
