using System.Reflection;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>A tool that made the document (CycloneDX <c>metadata.tools</c>, SPDX <c>creators</c> <c>Tool: name-version</c>).</summary>
public sealed record SbomTool(string Name, string Version)
{
    /// <summary>The toolkit itself, with the informational version of the engine assembly.</summary>
    public static SbomTool Toolkit { get; } = new(
        "dotnet-toolkit",
        typeof(SbomTool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SbomTool).Assembly.GetName().Version?.ToString()
        ?? "0.0.0");

    /// <summary>Who publishes the tool (CycloneDX <c>group</c>/<c>publisher</c>), if anyone.</summary>
    public string? Publisher { get; init; }
}

/// <summary>
/// One SBOM, independent of its format: the subject, the merged components and dependency graph, who made it and
/// when. <see cref="SbomDocumentBuilder"/> makes it from catalog results; <see cref="SbomWriter"/> renders it as
/// CycloneDX or SPDX. The same document always renders to the same bytes.
/// </summary>
public sealed record SbomDocument
{
    /// <summary>The serial number (CycloneDX <c>urn:uuid:</c>; the SPDX document namespace ends with it).</summary>
    public required Guid SerialNumber { get; init; }

    /// <summary>When the document was made, in whole seconds (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required SbomSubject Subject { get; init; }

    public IReadOnlyList<SbomTool> Tools { get; init; } = [SbomTool.Toolkit];

    /// <summary>The components, one per bom-ref, ordered by bom-ref (ordinal).</summary>
    public IReadOnlyList<SbomComponent> Components { get; init; } = [];

    /// <summary>
    /// The dependency graph, one entry per bom-ref that has known dependencies (an empty list means "none"), ordered
    /// by ref; the subject's entry names the components nothing else depends on. A component without an entry has
    /// unknown dependencies.
    /// </summary>
    public IReadOnlyList<SbomDependency> Dependencies { get; init; } = [];

    /// <summary>What catalogers and the builder want the user to know (not written into the document).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The URI the SPDX document namespace starts with; the default is <see cref="DefaultSpdxNamespaceBase"/>.</summary>
    public Uri? SpdxNamespaceBase { get; init; }

    public static Uri DefaultSpdxNamespaceBase { get; } = new("https://spdx.org/spdxdocs/");

    /// <summary>The serial number as CycloneDX writes it: <c>urn:uuid:</c> and the lowercase UUID.</summary>
    public string SerialNumberUrn => "urn:uuid:" + SerialNumber.ToString("D");
}
