namespace Toolkit.Core.Sbom.NuGet;

/// <summary>How <see cref="NuGetCataloger"/> reads a project, a solution or a folder.</summary>
public sealed record NuGetCatalogOptions
{
    /// <summary>
    /// Leave development-only packages (analyzers, <c>PrivateAssets="all"</c> build tools, <c>developmentDependency</c>
    /// packages, and what only they use) out of the result. By default they are reported with scope
    /// <see cref="SbomComponentScope.Excluded"/> and a <see cref="NuGetProperties.DevelopmentOnly"/> property saying why.
    /// </summary>
    public bool ExcludeDevelopmentDependencies { get; init; }

    /// <summary>Only this target framework, as a short name (<c>net10.0</c>) or a <c>TargetFrameworks</c> alias; all when null.</summary>
    public string? TargetFramework { get; init; }

    /// <summary>
    /// Only the packages restored for this runtime identifier (e.g. <c>linux-x64</c>, the RID an image is published for);
    /// every target, with and without a RID, when null. A project not restored for it is read from its RID-less target,
    /// with a note.
    /// </summary>
    public string? RuntimeIdentifier { get; init; }

    /// <summary>
    /// Where the assets files are when the projects' <c>obj</c> folders were moved (<c>BaseIntermediateOutputPath</c> /
    /// <c>MSBuildProjectExtensionsPath</c>): <c>&lt;this&gt;/&lt;project name&gt;/project.assets.json</c> is looked at first.
    /// </summary>
    public string? BaseIntermediateOutputPath { get; init; }
}

/// <summary>Names of the properties the NuGet cataloger puts on components (CycloneDX <c>properties</c>).</summary>
public static class NuGetProperties
{
    /// <summary>A restore target the package or project is part of: <c>net10.0</c> or <c>net10.0/linux-x64</c> (one property each).</summary>
    public const string Target = "toolkit:nuget:target";

    /// <summary><c>direct</c> when a scanned project references the package itself, else <c>transitive</c>.</summary>
    public const string Dependency = "toolkit:nuget:dependency";

    /// <summary>Why a package is development-only (scope excluded): e.g. <c>PrivateAssets=all</c>, <c>analyzers only</c>, <c>developmentDependency</c>.</summary>
    public const string DevelopmentOnly = "toolkit:nuget:developmentOnly";

    /// <summary>
    /// NuGet's content hash of the package (lowercase hex SHA-512), as the assets file and <c>packages.lock.json</c> record it.
    /// It leaves out the package's signature, so for a signed package it differs from the SHA-512 of the .nupkg file,
    /// which is the component's hash.
    /// </summary>
    public const string ContentHash = "toolkit:nuget:contentHash";

    /// <summary><c>all</c> when a project references the package with <c>PrivateAssets="all"</c>.</summary>
    public const string PrivateAssets = "toolkit:nuget:privateAssets";

    /// <summary>A project's file, relative to the scanned folder (forward slashes).</summary>
    public const string ProjectPath = "toolkit:nuget:projectPath";

    /// <summary>A shared framework a project references (e.g. <c>Microsoft.AspNetCore.App</c>), one property each.</summary>
    public const string FrameworkReference = "toolkit:nuget:frameworkReference";
}
