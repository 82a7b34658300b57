using Toolkit.Core.Host;
using Toolkit.Core.Oci.Build;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Makes one <see cref="SbomDocument"/> from a subject and what the catalogers found. Components with the same
/// bom-ref become one; the result never depends on the order of the catalog results or of anything in them.
/// </summary>
/// <remarks>
/// Merging, per bom-ref: hashes, licenses, evidence and properties are unioned (duplicates dropped) and sorted; the
/// scope is the strongest one reported (required, then optional, then excluded: a package that one cataloger saw
/// shipping is not a development-only package); where catalogers disagree on a single value (name, version, ...),
/// the ordinal-least one wins so the outcome is stable. A component with the subject's bom-ref adds its hashes,
/// licenses, evidence and properties to the subject. Dependencies are unioned per ref; references to bom-refs
/// that no component has are dropped (and noted). The subject depends on every component nothing else depends on,
/// and on any component only reachable through a cycle, so the whole graph hangs from it.
/// The serial number is a UUID v5 of the subject's identity in <see cref="NameBasedUuid.SbomNamespace"/>; the
/// timestamp is <see cref="SbomDocumentOptions.Timestamp"/>, else <c>SOURCE_DATE_EPOCH</c>, else the clock.
/// </remarks>
public sealed class SbomDocumentBuilder(IEnvironmentVariables? environment = null, TimeProvider? timeProvider = null)
{
    private readonly IEnvironmentVariables _environment = environment ?? ProcessEnvironmentVariables.Instance;
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    public SbomDocument Build(SbomSubject subject, IEnumerable<CatalogResult> results, SbomDocumentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(results);
        options ??= new SbomDocumentOptions();
        var catalogs = results.ToList();
        var notes = new SortedSet<string>(catalogs.SelectMany(r => r.Notes).Where(n => !string.IsNullOrWhiteSpace(n)), StringComparer.Ordinal);

        // A cataloger may report the subject itself (e.g. the project a NuGet cataloger read): what it found is
        // added to the subject, whose own name, version and purl stay.
        var reserved = new Dictionary<string, List<SbomComponent>>(StringComparer.Ordinal) { [subject.Component.BomRef] = [] };
        foreach (var ancestor in subject.Ancestors)
        {
            reserved.TryAdd(ancestor.BomRef, []);
        }

        var components = MergeComponents(catalogs.SelectMany(r => r.Components), reserved, notes);
        var dependencies = MergeDependencies(subject.Component.BomRef, components, catalogs.SelectMany(r => r.Dependencies), notes);

        return new SbomDocument
        {
            SerialNumber = options.SerialNumber ?? NameBasedUuid.Create(NameBasedUuid.SbomNamespace, subject.Identity),
            Timestamp = ResolveTimestamp(options),
            Subject = subject with
            {
                Component = MergeInto(subject.Component, reserved[subject.Component.BomRef], notes),
                Ancestors = subject.Ancestors.Select(a => MergeInto(a, reserved[a.BomRef], notes)).ToArray(),
            },
            Tools = options.Tools ?? [SbomTool.Toolkit],
            Components = components,
            Dependencies = dependencies,
            Notes = notes.ToArray(),
            SpdxNamespaceBase = options.SpdxNamespaceBase,
        };
    }

    private DateTimeOffset ResolveTimestamp(SbomDocumentOptions options)
    {
        DateTimeOffset value;
        if (options.Timestamp is { } explicitValue)
        {
            value = explicitValue;
        }
        else if (_environment.Get(SourceDateEpoch.VariableName) is { Length: > 0 } epoch && !string.IsNullOrWhiteSpace(epoch))
        {
            value = SourceDateEpoch.Parse(epoch, SourceDateEpoch.VariableName);
        }
        else
        {
            value = _timeProvider.GetUtcNow();
        }

        // Documents carry whole seconds in UTC: sub-second digits would only make outputs differ.
        return DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());
    }

    private static SbomComponent[] MergeComponents(
        IEnumerable<SbomComponent> found, Dictionary<string, List<SbomComponent>> reserved, SortedSet<string> notes)
    {
        var groups = new SortedDictionary<string, List<SbomComponent>>(StringComparer.Ordinal);
        foreach (var component in found)
        {
            if (string.IsNullOrWhiteSpace(component.BomRef) || string.IsNullOrWhiteSpace(component.Name))
            {
                notes.Add($"A component without a bom-ref or a name was left out (name '{component.Name}', purl '{component.Purl}').");
                continue;
            }

            if (reserved.TryGetValue(component.BomRef, out var subjectReports))
            {
                subjectReports.Add(component);
                continue;
            }

            if (!groups.TryGetValue(component.BomRef, out var group))
            {
                groups[component.BomRef] = group = [];
            }

            group.Add(component);
        }

        return groups.Values.Select(g => Merge(g, notes)).ToArray();
    }

    private static SbomComponent MergeInto(SbomComponent subject, List<SbomComponent> reports, SortedSet<string> notes)
    {
        var merged = Merge([subject, .. reports], notes);
        return merged with
        {
            Type = subject.Type,
            Name = subject.Name,
            Version = subject.Version ?? merged.Version,
            Group = subject.Group ?? merged.Group,
            Purl = subject.Purl ?? merged.Purl,
            Description = subject.Description ?? merged.Description,
            Supplier = subject.Supplier ?? merged.Supplier,
        };
    }

    private static SbomComponent Merge(List<SbomComponent> same, SortedSet<string> notes)
    {
        var hashes = new SortedSet<SbomHash>(HashComparer.Instance);
        foreach (var hash in same.SelectMany(c => c.Hashes))
        {
            if (SbomHashAlgorithms.TryNormalize(hash, out var normalized))
            {
                hashes.Add(normalized);
            }
            else
            {
                notes.Add($"A hash of '{same[0].BomRef}' was left out: '{hash.Algorithm}' with a value of {hash.Value?.Length ?? 0} characters is not a hash both CycloneDX and SPDX can carry.");
            }
        }

        return new SbomComponent
        {
            BomRef = same[0].BomRef,
            Type = same.Min(c => c.Type),
            Name = Least(same.Select(c => c.Name)) ?? same[0].Name,
            Version = Least(same.Select(c => c.Version)),
            Group = Least(same.Select(c => c.Group)),
            Purl = Least(same.Select(c => c.Purl)),
            Description = Least(same.Select(c => c.Description)),
            Supplier = Least(same.Select(c => c.Supplier)),
            Scope = same.Min(c => c.Scope),
            Hashes = hashes.ToArray(),
            Licenses = same.SelectMany(c => c.Licenses)
                .Select(Normalize)
                .OfType<SbomLicense>()
                .Distinct()
                .OrderBy(l => l.Expression, StringComparer.Ordinal)
                .ThenBy(l => l.Id, StringComparer.Ordinal)
                .ThenBy(l => l.Name, StringComparer.Ordinal)
                .ThenBy(l => l.Url, StringComparer.Ordinal)
                .ToArray(),
            Evidence = same.SelectMany(c => c.Evidence)
                .Where(e => !string.IsNullOrEmpty(e.Path))
                .Distinct()
                .OrderBy(e => e.Path, StringComparer.Ordinal)
                .ThenBy(e => e.Layer?.ToString(), StringComparer.Ordinal)
                .ToArray(),
            Properties = same.SelectMany(c => c.Properties)
                .Where(p => !string.IsNullOrEmpty(p.Key))
                .Select(p => new KeyValuePair<string, string>(p.Key, p.Value ?? string.Empty))
                .Distinct()
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .ThenBy(p => p.Value, StringComparer.Ordinal)
                .ToArray(),
        };
    }

    private static string? Least(IEnumerable<string?> values)
        => values.Where(v => !string.IsNullOrEmpty(v)).Order(StringComparer.Ordinal).FirstOrDefault();

    private static SbomLicense? Normalize(SbomLicense license)
    {
        var normalized = new SbomLicense
        {
            Expression = Trimmed(license.Expression),
            Id = Trimmed(license.Id),
            Name = Trimmed(license.Name),
            Url = Trimmed(license.Url),
        };
        return normalized is { Expression: null, Id: null, Name: null, Url: null } ? null : normalized;

        static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static SbomDependency[] MergeDependencies(
        string rootRef, SbomComponent[] components, IEnumerable<SbomDependency> found, SortedSet<string> notes)
    {
        var known = new HashSet<string>(components.Select(c => c.BomRef), StringComparer.Ordinal);
        var graph = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var dangling = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dependency in found)
        {
            if (dependency.Ref != rootRef && !known.Contains(dependency.Ref))
            {
                dangling.Add(dependency.Ref);
                continue;
            }

            if (!graph.TryGetValue(dependency.Ref, out var targets))
            {
                graph[dependency.Ref] = targets = new SortedSet<string>(StringComparer.Ordinal);
            }

            foreach (var target in dependency.DependsOn ?? [])
            {
                if (known.Contains(target))
                {
                    if (target != dependency.Ref)
                    {
                        targets.Add(target);
                    }
                }
                else if (target != rootRef)
                {
                    dangling.Add(target);
                }
            }
        }

        if (dangling.Count > 0)
        {
            notes.Add($"The dependency graph names {dangling.Count} bom-ref(s) no cataloger reported as a component; those edges were left out (e.g. '{dangling.Min}').");
        }

        // The subject depends on the tops of the graph: every component nothing else depends on.
        var dependedOn = new HashSet<string>(graph.Where(p => p.Key != rootRef).SelectMany(p => p.Value), StringComparer.Ordinal);
        if (!graph.TryGetValue(rootRef, out var root))
        {
            graph[rootRef] = root = new SortedSet<string>(StringComparer.Ordinal);
        }

        foreach (var component in components)
        {
            if (!dependedOn.Contains(component.BomRef))
            {
                root.Add(component.BomRef);
            }
        }

        // A cycle that nothing outside it depends on has no top: hang its least member from the subject.
        var reached = new HashSet<string>(StringComparer.Ordinal);
        Reach(rootRef);
        foreach (var component in components)
        {
            if (!reached.Contains(component.BomRef))
            {
                root.Add(component.BomRef);
                Reach(component.BomRef);
            }
        }

        return graph.Select(p => new SbomDependency(p.Key, p.Value.ToArray())).ToArray();

        void Reach(string start)
        {
            var pending = new Stack<string>([start]);
            while (pending.TryPop(out var current))
            {
                if (reached.Add(current) && graph.TryGetValue(current, out var next))
                {
                    foreach (var target in next)
                    {
                        pending.Push(target);
                    }
                }
            }
        }
    }

    private sealed class HashComparer : IComparer<SbomHash>
    {
        public static HashComparer Instance { get; } = new();

        public int Compare(SbomHash? x, SbomHash? y)
        {
            var byAlgorithm = string.CompareOrdinal(x?.Algorithm, y?.Algorithm);
            return byAlgorithm != 0 ? byAlgorithm : string.CompareOrdinal(x?.Value, y?.Value);
        }
    }
}
