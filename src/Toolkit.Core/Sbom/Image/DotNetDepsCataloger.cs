using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// .NET applications and runtimes from <c>*.deps.json</c> files (the Microsoft.Extensions.DependencyModel format) and
/// the <c>*.runtimeconfig.json</c> beside them:
/// <list type="bullet">
/// <item><c>package</c> libraries: <c>pkg:nuget/&lt;id&gt;@&lt;version&gt;</c> with NuGet's SHA-512 content hash of the
/// package as project.assets.json records it (<c>sha512-&lt;base64&gt;</c> in the file) as the property
/// <c>toolkit:nuget:contentHash</c> in hex: for a signed package it is not the hash of the whole .nupkg, so it is not
/// given as the component's hash;</item>
/// <item><c>project</c> libraries: the application (the project the deps.json is named after) and its project
/// references, with the runtime target (<c>toolkit:dotnet:runtimeTarget</c>) as a property;</item>
/// <item>the .NET runtime as a framework component with the runtime pack's purl,
/// <c>pkg:nuget/Microsoft.NETCore.App.Runtime.&lt;rid&gt;@&lt;version&gt;</c> (the NuGet package the runtime ships in,
/// which is what .NET security advisories name): for a self-contained app its <c>runtimepack.*</c> libraries; for a
/// framework-dependent app the shared framework installed in the image
/// (<c>shared/&lt;name&gt;/&lt;version&gt;/&lt;name&gt;.deps.json</c>) that its runtimeconfig.json rolls forward to, or,
/// when the image has none, the framework and minimum version the runtimeconfig.json asks for (no purl);</item>
/// <item>the dependency graph of the runtime target, and the application's dependency on its runtime.</item>
/// </list>
/// </summary>
internal static class DotNetDepsCataloger
{
    public const string DepsSuffix = ".deps.json";
    public const string RuntimeConfigSuffix = ".runtimeconfig.json";

    public static void Catalog(ImageFiles files, CatalogBuilder builder)
    {
        var depsFiles = files.Files.Where(f => f.Path.EndsWith(DepsSuffix, StringComparison.Ordinal)).ToList();
        var sharedFrameworks = new List<SharedFramework>();
        var applications = new List<ImageFile>();
        foreach (var file in depsFiles)
        {
            if (SharedFrameworkOf(file.Path) is { } shared)
            {
                if (ReadSharedFramework(file, shared.Name, shared.Version, builder) is { } framework)
                {
                    sharedFrameworks.Add(framework);
                }
            }
            else
            {
                applications.Add(file);
            }
        }

        foreach (var file in applications)
        {
            ReadApplication(file, files, sharedFrameworks, builder);
        }
    }

    /// <summary>".../shared/Microsoft.NETCore.App/10.0.1/Microsoft.NETCore.App.deps.json" to (Microsoft.NETCore.App, 10.0.1).</summary>
    private static (string Name, string Version)? SharedFrameworkOf(string path)
    {
        var segments = path.Split('/');
        if (segments.Length < 4 || segments[^4] != "shared")
        {
            return null;
        }

        var name = segments[^3];
        return segments[^1] == name + DepsSuffix ? (name, segments[^2]) : null;
    }

    private static SharedFramework? ReadSharedFramework(ImageFile file, string name, string version, CatalogBuilder builder)
    {
        using var document = Parse(file, builder);
        if (document is null)
        {
            return null;
        }

        var refs = new List<string>();
        foreach (var library in Libraries(document.RootElement))
        {
            if (library.Type != "package")
            {
                continue;
            }

            var purl = PackageUrl.Create("nuget", null, library.Name, library.Version);
            refs.Add(purl);
            builder.Add(new SbomComponent
            {
                BomRef = purl,
                Type = SbomComponentType.Framework,
                Name = library.Name,
                Version = library.Version,
                Purl = purl,
                Hashes = library.Hashes,
                Evidence = [file.Evidence],
                Properties = [new("toolkit:dotnet:sharedFramework", $"{name}/{version}")],
            });
        }

        return refs.Count > 0 && System.Version.TryParse(StripPrerelease(version), out var parsed)
            ? new SharedFramework(name, version, parsed, refs[0])
            : null;
    }

    private static void ReadApplication(ImageFile file, ImageFiles files, IReadOnlyList<SharedFramework> sharedFrameworks, CatalogBuilder builder)
    {
        using var document = Parse(file, builder);
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var fileName = file.Path[(file.Path.LastIndexOf('/') + 1)..];
        var applicationName = fileName[..^DepsSuffix.Length];
        var runtimeTarget = root.TryGetProperty("runtimeTarget", out var rt) && rt.ValueKind == JsonValueKind.Object
            && rt.TryGetProperty("name", out var rtName) && rtName.ValueKind == JsonValueKind.String
            ? rtName.GetString()
            : null;
        var libraries = Libraries(root).ToList();
        var refs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? applicationRef = null;
        var runtimePacks = new List<string>();
        foreach (var library in libraries)
        {
            var component = library.Type switch
            {
                "package" => Package(library, SbomComponentType.Library),
                "runtimepack" => Package(library with { Name = library.Name.StartsWith("runtimepack.", StringComparison.Ordinal) ? library.Name["runtimepack.".Length..] : library.Name }, SbomComponentType.Framework),
                "project" => Project(library, library.Name == applicationName, runtimeTarget),
                _ => null,
            };
            if (component is null)
            {
                continue;
            }

            component = component with { Evidence = [file.Evidence] };
            builder.Add(component);
            refs[library.Key] = component.BomRef;
            if (library.Type == "runtimepack")
            {
                runtimePacks.Add(component.BomRef);
            }

            if (library.Type == "project" && library.Name == applicationName)
            {
                applicationRef = component.BomRef;
            }
        }

        foreach (var (key, dependencies) in TargetDependencies(root, runtimeTarget))
        {
            if (refs.TryGetValue(key, out var from))
            {
                builder.DependsOn(from, dependencies.Select(refs.GetValueOrDefault).OfType<string>());
            }
        }

        if (applicationRef is null)
        {
            return;
        }

        if (runtimePacks.Count > 0)
        {
            builder.DependsOn(applicationRef, runtimePacks);
            return;
        }

        var directory = file.Path[..(file.Path.LastIndexOf('/') + 1)];
        if (files.Find(directory + applicationName + RuntimeConfigSuffix) is { } runtimeConfig)
        {
            builder.DependsOn(applicationRef, Frameworks(runtimeConfig, sharedFrameworks, builder));
        }
    }

    /// <summary>The framework components a runtimeconfig.json asks for: the shared framework it rolls forward to in the image, else what it asks for.</summary>
    private static List<string> Frameworks(ImageFile runtimeConfig, IReadOnlyList<SharedFramework> installed, CatalogBuilder builder)
    {
        var refs = new List<string>();
        using var document = Parse(runtimeConfig, builder);
        if (document is null
            || !document.RootElement.TryGetProperty("runtimeOptions", out var options)
            || options.ValueKind != JsonValueKind.Object)
        {
            return refs;
        }

        var requested = new List<JsonElement>();
        if (options.TryGetProperty("framework", out var single) && single.ValueKind == JsonValueKind.Object)
        {
            requested.Add(single);
        }

        if (options.TryGetProperty("frameworks", out var many) && many.ValueKind == JsonValueKind.Array)
        {
            requested.AddRange(many.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object));
        }

        foreach (var framework in requested)
        {
            var name = String(framework, "name");
            var version = String(framework, "version");
            if (name is null || version is null)
            {
                continue;
            }

            if (RollForward(name, version, installed) is { } match)
            {
                refs.Add(match.ComponentRef);
                continue;
            }

            var bomRef = $"dotnet-framework:{name}@{version}";
            builder.Add(new SbomComponent
            {
                BomRef = bomRef,
                Type = SbomComponentType.Framework,
                Name = name,
                Version = version,
                Evidence = [runtimeConfig.Evidence],
                Properties = [new("toolkit:dotnet:frameworkVersion", "minimum asked for by runtimeconfig.json; the image has no matching shared framework")],
            });
            refs.Add(bomRef);
        }

        return refs;
    }

    /// <summary>
    /// The shared framework the host would pick by default (rollForward Minor): the same major version, the lowest
    /// minor at or above the one asked for, and the highest patch of that minor.
    /// </summary>
    private static SharedFramework? RollForward(string name, string version, IReadOnlyList<SharedFramework> installed)
    {
        if (!System.Version.TryParse(StripPrerelease(version), out var wanted))
        {
            return null;
        }

        var candidates = installed
            .Where(f => f.Name == name && f.Parsed.Major == wanted.Major && f.Parsed >= wanted)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var minor = candidates.Min(f => f.Parsed.Minor);
        return candidates.Where(f => f.Parsed.Minor == minor).MaxBy(f => f.Parsed);
    }

    private static string StripPrerelease(string version)
    {
        var dash = version.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? version : version[..dash];
    }

    private static SbomComponent Package(Library library, SbomComponentType type)
    {
        var purl = PackageUrl.Create("nuget", null, library.Name, library.Version);
        return new SbomComponent
        {
            BomRef = purl,
            Type = type,
            Name = library.Name,
            Version = library.Version,
            Purl = purl,

            // NuGet's content hash, not the hash of the .nupkg (they differ for signed packages), so it is a property, as
            // the NuGet cataloger reports it, and the component's SHA-512 stays the .nupkg's when both catalogers run.
            Properties = [.. library.Hashes.Select(h => new KeyValuePair<string, string>(NuGet.NuGetProperties.ContentHash, h.Value))],
        };
    }

    private static SbomComponent Project(Library library, bool isApplication, string? runtimeTarget)
    {
        var properties = new List<KeyValuePair<string, string>> { new("toolkit:dotnet:library", "project") };
        if (isApplication && runtimeTarget is not null)
        {
            properties.Add(new("toolkit:dotnet:runtimeTarget", runtimeTarget));
            var slash = runtimeTarget.IndexOf('/', StringComparison.Ordinal);
            properties.Add(new("toolkit:dotnet:targetFramework", slash < 0 ? runtimeTarget : runtimeTarget[..slash]));
            if (slash >= 0)
            {
                properties.Add(new("toolkit:dotnet:runtimeIdentifier", runtimeTarget[(slash + 1)..]));
            }
        }

        return new SbomComponent
        {
            BomRef = $"project:{library.Name}", // the NuGet cataloger's name for the same project, so both merge into one component
            Type = isApplication ? SbomComponentType.Application : SbomComponentType.Library,
            Name = library.Name,
            Version = library.Version,
            Properties = properties,
        };
    }

    private static IEnumerable<Library> Libraries(JsonElement root)
    {
        if (!root.TryGetProperty("libraries", out var libraries) || libraries.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var property in libraries.EnumerateObject())
        {
            var slash = property.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == property.Name.Length - 1 || property.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            IReadOnlyList<SbomHash> hashes = String(property.Value, "sha512") is { } sha512 && Sha512Hex(sha512) is { } hex
                ? [new SbomHash("SHA-512", hex)]
                : [];
            yield return new Library(property.Name, property.Name[..slash], property.Name[(slash + 1)..], String(property.Value, "type") ?? string.Empty, hashes);
        }
    }

    /// <summary>The "Name/Version" of each library of the runtime target (else the first target) and the "Name/Version" keys it depends on.</summary>
    private static IEnumerable<(string Key, IEnumerable<string> Dependencies)> TargetDependencies(JsonElement root, string? runtimeTarget)
    {
        if (!root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        JsonElement target = default;
        if (runtimeTarget is null || !targets.TryGetProperty(runtimeTarget, out target))
        {
            target = targets.EnumerateObject().Select(p => p.Value).FirstOrDefault();
        }

        if (target.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var library in target.EnumerateObject())
        {
            if (library.Value.ValueKind == JsonValueKind.Object
                && library.Value.TryGetProperty("dependencies", out var dependencies)
                && dependencies.ValueKind == JsonValueKind.Object)
            {
                yield return (library.Name, dependencies.EnumerateObject()
                    .Where(d => d.Value.ValueKind == JsonValueKind.String)
                    .Select(d => $"{d.Name}/{d.Value.GetString()}")
                    .ToList());
            }
        }
    }

    /// <summary>"sha512-&lt;base64&gt;" to lowercase hex; null for the empty hashes of projects and runtime packs.</summary>
    private static string? Sha512Hex(string value)
    {
        const string Prefix = "sha512-";
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var bytes = Convert.FromBase64String(value[Prefix.Length..]);
            return bytes.Length == 64 ? Convert.ToHexStringLower(bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? String(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument? Parse(ImageFile file, CatalogBuilder builder)
    {
        try
        {
            var document = JsonDocument.Parse(file.Content, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            builder.Note(ErrorCodes.InvalidPackageDatabase, $"{file.Path} (layer {file.Layer}) holds no JSON object; what it lists is missing.");
            return null;
        }
        catch (JsonException e)
        {
            builder.Note(ErrorCodes.InvalidPackageDatabase, $"{file.Path} (layer {file.Layer}) is not valid JSON ({e.Message}); what it lists is missing.");
            return null;
        }
    }

    private sealed record Library(string Key, string Name, string Version, string Type, IReadOnlyList<SbomHash> Hashes);

    private sealed record SharedFramework(string Name, string Version, Version Parsed, string ComponentRef);
}
