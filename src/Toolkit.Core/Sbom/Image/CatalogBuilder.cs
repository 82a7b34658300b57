namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Collects what catalogers find into one <see cref="CatalogResult"/>: a component found twice (same bom-ref) is one
/// component with the evidence of both, dependencies of one ref are merged, and the output is in ordinal order so
/// documents are stable.
/// </summary>
internal sealed class CatalogBuilder
{
    private readonly Dictionary<string, SbomComponent> _components = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _dependencies = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];

    public ICollection<string> Notes => _notes;

    public bool Contains(string bomRef) => _components.ContainsKey(bomRef);

    public void Add(SbomComponent component)
    {
        if (_components.TryGetValue(component.BomRef, out var existing))
        {
            var evidence = existing.Evidence.Concat(component.Evidence).Distinct().ToList();
            var properties = existing.Properties.Concat(component.Properties).Distinct().ToList();
            _components[component.BomRef] = existing with { Evidence = evidence, Properties = properties };
            return;
        }

        _components[component.BomRef] = component;
    }

    public void DependsOn(string bomRef, IEnumerable<string> dependencies)
    {
        if (!_dependencies.TryGetValue(bomRef, out var set))
        {
            _dependencies[bomRef] = set = new SortedSet<string>(StringComparer.Ordinal);
        }

        foreach (var dependency in dependencies)
        {
            if (dependency != bomRef)
            {
                set.Add(dependency);
            }
        }
    }

    public void Note(Diagnostics.ErrorCode code, string message) => _notes.Add($"{code.Code}: {message}");

    public CatalogResult Build() => new()
    {
        Components = [.. _components.Values
            .Select(c => c with { Evidence = [.. c.Evidence.OrderBy(e => e.Path, StringComparer.Ordinal)] })
            .OrderBy(c => c.BomRef, StringComparer.Ordinal)],
        Dependencies = [.. _dependencies
            .Where(d => _components.ContainsKey(d.Key))
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => new SbomDependency(d.Key, [.. d.Value.Where(_components.ContainsKey)]))],
        Notes = [.. _notes],
    };
}
