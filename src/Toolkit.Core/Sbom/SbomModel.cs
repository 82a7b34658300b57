using Toolkit.Core.Oci;

namespace Toolkit.Core.Sbom;

/// <summary>What a component is, in the terms both CycloneDX and SPDX can express.</summary>
public enum SbomComponentType
{
    Library,
    Application,
    Framework,
    OperatingSystem,
    Container,
    File,
}

/// <summary>Whether a component ships (required) or only helps to build (excluded: analyzers, PrivateAssets=all, development dependencies).</summary>
public enum SbomComponentScope
{
    Required,
    Optional,
    Excluded,
}

/// <summary>A hash of a component, e.g. <c>SHA-512</c> with its lowercase hex value (CycloneDX algorithm names).</summary>
public sealed record SbomHash(string Algorithm, string Value);

/// <summary>A licence: an SPDX expression, or an SPDX id, or a name; optionally a URL.</summary>
public sealed record SbomLicense
{
    public string? Expression { get; init; }

    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Url { get; init; }
}

/// <summary>Where a component was found: a file in the image (with the layer it came from) or in the project.</summary>
public sealed record SbomEvidence(string Path, Digest? Layer = null);

/// <summary>
/// One component, as catalogers report it and writers render it. <see cref="BomRef"/> identifies it within one
/// document: the purl when there is one (so the same package found twice is one component), else a stable name.
/// </summary>
public sealed record SbomComponent
{
    public required string BomRef { get; init; }

    public required SbomComponentType Type { get; init; }

    public required string Name { get; init; }

    public string? Version { get; init; }

    /// <summary>Namespace or group (CycloneDX <c>group</c>), when the ecosystem has one.</summary>
    public string? Group { get; init; }

    public string? Purl { get; init; }

    public string? Description { get; init; }

    /// <summary>Supplier or maintainer as the package metadata says it.</summary>
    public string? Supplier { get; init; }

    public SbomComponentScope Scope { get; init; } = SbomComponentScope.Required;

    public IReadOnlyList<SbomHash> Hashes { get; init; } = [];

    public IReadOnlyList<SbomLicense> Licenses { get; init; } = [];

    public IReadOnlyList<SbomEvidence> Evidence { get; init; } = [];

    /// <summary>Further facts as name/value pairs (CycloneDX properties, e.g. <c>toolkit:nuget:targetFramework</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; } = [];
}

/// <summary>That <see cref="Ref"/> depends on each of <see cref="DependsOn"/> (bom-refs).</summary>
public sealed record SbomDependency(string Ref, IReadOnlyList<string> DependsOn);

/// <summary>What one cataloger found: components, their dependency graph, and notes for the user (e.g. an unsupported database format).</summary>
public sealed record CatalogResult
{
    public IReadOnlyList<SbomComponent> Components { get; init; } = [];

    public IReadOnlyList<SbomDependency> Dependencies { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// bom-refs of the components at the top of this result's graph (e.g. the scanned projects), which a document's
    /// subject can depend on; empty when the cataloger has no such notion.
    /// </summary>
    public IReadOnlyList<string> Roots { get; init; } = [];
}
