using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NuGet.LibraryModel;
using NuGet.ProjectModel;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.NuGet;

/// <summary>
/// Catalogs the NuGet packages of a project, of every project of a solution, or of every project in a folder, from
/// what <c>dotnet restore</c> wrote (<c>project.assets.json</c>) and the <c>.nuspec</c> files in the local package
/// folders. It never builds, restores or touches the network: a project that has not been restored is an error (TK5020).
/// </summary>
/// <remarks>
/// <para>Each package (id and version) is one component, whatever the number of targets (framework and RID) and projects
/// it appears in; properties name the targets. Its purl is <c>pkg:nuget/&lt;id&gt;@&lt;version&gt;</c> with the id as
/// published, its bom-ref the purl, its SHA-512 the package hash from the assets file, its licence from the nuspec.</para>
/// <para>Projects are components too (<c>project:&lt;name&gt;</c>), depending on their direct packages and project
/// references; packages depend on the versions their dependencies resolved to in each target.</para>
/// <para>Development-only packages get scope <see cref="SbomComponentScope.Excluded"/>: a direct reference with
/// <c>PrivateAssets="all"</c> whose package puts nothing into the output (a reference that does copy runtime assets
/// ships and stays required), a package that only holds analyzers, a package whose nuspec says
/// <c>developmentDependency</c>, and packages only such packages use.</para>
/// </remarks>
public sealed class NuGetCataloger(ILoggerFactory? loggerFactory = null)
{
    private const string ProjectRefPrefix = "project:";
    private const string Placeholder = "_._";

    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NuGetCataloger>();

    /// <summary>Catalogs <paramref name="path"/>: a project file, a solution (<c>.sln</c>, <c>.slnx</c>, <c>.slnf</c>) or a folder.</summary>
    public async Task<CatalogResult> CatalogAsync(string path, NuGetCatalogOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new NuGetCatalogOptions();
        var stopwatch = Stopwatch.StartNew();
        var set = NuGetProjectLocator.Find(path);
        if (set.Projects.Count == 0)
        {
            throw new ToolkitException(ErrorCodes.NuGetProjectInputInvalid, $"'{path}' names no project to catalog.");
        }

        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        var restored = new RestoredProject[set.Projects.Count];
        await Parallel.ForAsync(0, restored.Length, parallel, (i, _) =>
        {
            restored[i] = ReadProject(set.Projects[i], set.Root, options);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        if (options.TargetFramework is not null && restored.All(p => p.Targets.Count == 0))
        {
            throw new ToolkitException(
                ErrorCodes.NuGetTargetNotFound,
                string.Join(" ", restored.SelectMany(p => p.Notes)) + " Name a target framework the projects have, or none.");
        }

        var catalog = new Catalog(set.Root, options);
        foreach (var project in restored)
        {
            catalog.AddLibraries(project);
        }

        await catalog.ReadNuspecsAsync(parallel).ConfigureAwait(false);
        foreach (var project in restored)
        {
            catalog.AddProject(project);
        }

        var result = catalog.ToResult();
        _logger.LogDebug(
            "Cataloged {Packages} NuGet packages of {Projects} project(s) under {Root} in {Elapsed} ms",
            result.Components.Count(c => c.Purl is not null),
            restored.Length,
            set.Root,
            stopwatch.ElapsedMilliseconds);
        return result;
    }

    private RestoredProject ReadProject(string projectPath, string root, NuGetCatalogOptions options)
    {
        var notes = new List<string>();
        var assetsPath = NuGetProjectLocator.FindAssetsFile(projectPath, options.BaseIntermediateOutputPath);
        if (assetsPath is null)
        {
            if (File.Exists(Path.Combine(Path.GetDirectoryName(projectPath)!, "packages.config")))
            {
                throw new ToolkitException(
                    ErrorCodes.NuGetProjectNotRestored,
                    $"'{projectPath}' uses packages.config, which has no assets file to read; migrate it to PackageReference and run 'dotnet restore'.");
            }

            throw NotRestored(projectPath, "no project.assets.json was found in its obj folder (nor under artifacts/obj)");
        }

        var log = new AssetsReadLog();
        LockFile lockFile;
        try
        {
            lockFile = new LockFileFormat().Read(assetsPath, log);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new ToolkitException(ErrorCodes.NuGetAssetsFileInvalid, $"The assets file '{assetsPath}' cannot be read: {e.Message}. Run 'dotnet restore' again.", e);
        }

        if (lockFile.Version == int.MinValue || log.Errors.Count > 0 || lockFile.PackageSpec?.RestoreMetadata is null)
        {
            var reason = log.Errors.Count > 0 ? string.Join(" ", log.Errors) : "it has no project section";
            throw new ToolkitException(ErrorCodes.NuGetAssetsFileInvalid, $"The assets file '{assetsPath}' cannot be read: {reason}. Run 'dotnet restore \"{projectPath}\"' again.");
        }

        var recorded = lockFile.PackageSpec.RestoreMetadata.ProjectPath;
        if (!string.Equals(recorded, projectPath, StringComparison.Ordinal))
        {
            if (!string.Equals(Path.GetFileName(recorded), Path.GetFileName(projectPath), StringComparison.OrdinalIgnoreCase))
            {
                throw NotRestored(projectPath, $"the assets file found at '{assetsPath}' belongs to another project ('{recorded}')");
            }

            notes.Add($"{Relative(root, projectPath)}: its assets file was written for '{recorded}' (the project was moved or copied after restore); run 'dotnet restore' if its packages changed since.");
        }

        var failures = lockFile.LogMessages.Where(m => m.Level == global::NuGet.Common.LogLevel.Error).ToArray();
        if (failures.Length > 0)
        {
            throw new ToolkitException(
                ErrorCodes.NuGetRestoreFailed,
                $"The last restore of '{projectPath}' failed, so its package graph is incomplete: "
                + string.Join(" ", failures.Take(5).Select(m => $"{m.Code}: {m.Message}"))
                + $" Fix these errors and run 'dotnet restore \"{projectPath}\"'.");
        }

        if (File.GetLastWriteTimeUtc(projectPath) > File.GetLastWriteTimeUtc(assetsPath))
        {
            notes.Add($"{Relative(root, projectPath)} changed after its last restore; run 'dotnet restore' if its package references changed.");
        }

        var targets = SelectTargets(lockFile, projectPath, root, options, notes);
        _logger.LogDebug("Read {AssetsFile}: {Libraries} libraries, targets {Targets}", assetsPath, lockFile.Libraries.Count, string.Join(", ", targets.Select(t => t.Name)));
        return new RestoredProject(projectPath, assetsPath, lockFile, targets, notes);
    }

    private static List<LockFileTarget> SelectTargets(LockFile lockFile, string projectPath, string root, NuGetCatalogOptions options, List<string> notes)
    {
        var spec = lockFile.PackageSpec;
        var byFramework = lockFile.Targets
            .Where(t => options.TargetFramework is null || MatchesFramework(t, spec, options.TargetFramework))
            .GroupBy(t => t.TargetFramework)
            .ToArray();
        if (byFramework.Length == 0 && options.TargetFramework is not null)
        {
            var available = string.Join(", ", lockFile.Targets.Select(t => t.TargetFramework.GetShortFolderName()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            notes.Add($"{Relative(root, projectPath)} was not restored for the target framework '{options.TargetFramework}' (it has: {available}).");
            return [];
        }

        var selected = new List<LockFileTarget>();
        foreach (var framework in byFramework)
        {
            if (options.RuntimeIdentifier is null)
            {
                selected.AddRange(framework);
                continue;
            }

            var forRid = framework.Where(t => string.Equals(t.RuntimeIdentifier, options.RuntimeIdentifier, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (forRid.Length > 0)
            {
                selected.AddRange(forRid);
                continue;
            }

            selected.AddRange(framework.Where(t => string.IsNullOrEmpty(t.RuntimeIdentifier)));
            notes.Add(
                $"{Relative(root, projectPath)} was not restored for the runtime '{options.RuntimeIdentifier}' ({framework.Key.GetShortFolderName()}): "
                + $"its RID-independent packages are listed; add <RuntimeIdentifiers>{options.RuntimeIdentifier}</RuntimeIdentifiers> and restore to see runtime-specific ones.");
        }

        return selected.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    private static bool MatchesFramework(LockFileTarget target, PackageSpec spec, string wanted)
    {
        if (string.Equals(target.TargetFramework.GetShortFolderName(), wanted, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return spec.TargetFrameworks.Any(f => f.FrameworkName.Equals(target.TargetFramework) && string.Equals(f.TargetAlias, wanted, StringComparison.OrdinalIgnoreCase));
    }

    private static ToolkitException NotRestored(string projectPath, string why)
        => new(
            ErrorCodes.NuGetProjectNotRestored,
            $"'{projectPath}' has not been restored: {why}. Run 'dotnet restore \"{projectPath}\"' (or build it) first; "
            + "if its obj folder is elsewhere, give that folder as the base intermediate output path.");

    internal static string Relative(string root, string path)
        => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>One project's restore output and the targets chosen from it.</summary>
    private sealed record RestoredProject(string ProjectPath, string AssetsPath, LockFile LockFile, IReadOnlyList<LockFileTarget> Targets, IReadOnlyList<string> Notes);

    /// <summary>Collects errors NuGet's assets file reader logs instead of throwing.</summary>
    private sealed class AssetsReadLog : global::NuGet.Common.LoggerBase
    {
        public List<string> Errors { get; } = [];

        public override void Log(global::NuGet.Common.ILogMessage message)
        {
            if (message.Level >= global::NuGet.Common.LogLevel.Error)
            {
                lock (Errors)
                {
                    Errors.Add(message.Message);
                }
            }
        }

        public override Task LogAsync(global::NuGet.Common.ILogMessage message)
        {
            Log(message);
            return Task.CompletedTask;
        }
    }

    /// <summary>What is known of one package (id and version) over every project and target it appears in.</summary>
    private sealed class PackageEntry(string id, string version, string purl)
    {
        public string Id { get; } = id;

        public string Version { get; } = version;

        public string Purl { get; } = purl;

        public string? Sha512 { get; set; }

        public string? LibraryPath { get; set; }

        public IList<string> Files { get; set; } = [];

        public List<string> PackageFolders { get; } = [];

        public NuspecFacts? Nuspec { get; set; }

        /// <summary>Hex SHA-512 of the .nupkg file, from the package folder.</summary>
        public string? FileSha512 { get; set; }

        public bool AnalyzersInFiles => Files.Any(f => f.StartsWith("analyzers/", StringComparison.OrdinalIgnoreCase));

        public SortedSet<string> Targets { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Evidence { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> DependsOn { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> DevelopmentReasons { get; } = new(StringComparer.Ordinal);

        public bool Seen { get; set; }

        public bool Required { get; set; }

        public bool Direct { get; set; }

        public bool PrivateAssetsAll { get; set; }
    }

    /// <summary>A project: scanned itself, or only seen as a project reference of a scanned one.</summary>
    private sealed class ProjectEntry(string path, string bomRef, string name)
    {
        public string Path { get; } = path;

        public string BomRef { get; } = bomRef;

        public string Name { get; } = name;

        public string? Version { get; set; }

        public bool Scanned { get; set; }

        public SortedSet<string> Targets { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> DependsOn { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> FrameworkReferences { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Builds the result: packages and projects keyed by bom-ref, then the graph walked per project and target.</summary>
    private sealed class Catalog(string root, NuGetCatalogOptions options)
    {
        private readonly Dictionary<string, PackageEntry> _packages = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, ProjectEntry> _projectsByPath = new(StringComparer.Ordinal);
        private readonly HashSet<string> _projectRefs = new(StringComparer.Ordinal);
        private readonly List<string> _notes = [];

        public void AddLibraries(RestoredProject project)
        {
            _notes.AddRange(project.Notes);
            var folders = project.LockFile.PackageFolders.Select(f => f.Path).ToArray();
            var used = project.Targets.SelectMany(t => t.Libraries).Select(l => $"{l.Name}/{l.Version}").ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var library in project.LockFile.Libraries.Where(l => l.Type == "package" && used.Contains($"{l.Name}/{l.Version}")))
            {
                var entry = GetPackage(library.Name, library.Version.ToNormalizedString());
                entry.Sha512 ??= library.Sha512;
                entry.LibraryPath ??= library.Path;
                if (entry.Files.Count == 0)
                {
                    entry.Files = library.Files;
                }

                foreach (var folder in folders.Where(f => !entry.PackageFolders.Contains(f, StringComparer.Ordinal)))
                {
                    entry.PackageFolders.Add(folder);
                }
            }
        }

        /// <summary>Reads the nuspec of every package, in parallel: the slowest part, one small XML file per package.</summary>
        public async Task ReadNuspecsAsync(ParallelOptions parallel)
        {
            var missing = new List<string>();
            await Parallel.ForEachAsync(_packages.Values, parallel, (entry, _) =>
            {
                var nuspec = FindNuspec(entry);
                if (nuspec is null)
                {
                    lock (missing)
                    {
                        missing.Add($"{entry.Id} {entry.Version}: its .nuspec is not in the package folders ({string.Join(", ", entry.PackageFolders)}), so its licence and package hash are unknown; run 'dotnet restore' to bring it back.");
                    }

                    return ValueTask.CompletedTask;
                }

                try
                {
                    entry.Nuspec = NuspecFacts.Read(nuspec);
                    entry.FileSha512 = ReadFileHash(entry, Path.GetDirectoryName(nuspec)!);
                }
                catch (Exception e) when (NuspecFacts.IsReadFailure(e))
                {
                    lock (missing)
                    {
                        missing.Add($"{entry.Id} {entry.Version}: its package folder '{Path.GetDirectoryName(nuspec)}' cannot be read ({e.Message}), so its licence and package hash are unknown.");
                    }
                }

                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
            _notes.AddRange(missing);
        }

        /// <summary>
        /// The SHA-512 of the .nupkg file as NuGet recorded it when it extracted the package (<c>&lt;id&gt;.&lt;version&gt;.nupkg.sha512</c>):
        /// the hash of the package as published, which is what nuget.org and other SBOM tools report.
        /// </summary>
        private static string? ReadFileHash(PackageEntry entry, string folder)
        {
            var fileName = entry.Files.FirstOrDefault(f => f.EndsWith(".nupkg.sha512", StringComparison.OrdinalIgnoreCase) && !f.Contains('/', StringComparison.Ordinal))
                ?? $"{entry.Id.ToLowerInvariant()}.{entry.Version.ToLowerInvariant()}.nupkg.sha512";
            var path = Path.Combine(folder, fileName);
            return File.Exists(path) ? NuGetPackageUrl.Sha512Hex(File.ReadAllText(path).Trim()) : null;
        }

        private static string? FindNuspec(PackageEntry entry)
        {
            var relative = entry.LibraryPath ?? $"{entry.Id.ToLowerInvariant()}/{entry.Version.ToLowerInvariant()}";
            var fileName = entry.Files.FirstOrDefault(f => f.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) && !f.Contains('/', StringComparison.Ordinal))
                ?? entry.Id.ToLowerInvariant() + ".nuspec";
            foreach (var folder in entry.PackageFolders)
            {
                var candidate = Path.Combine(folder, relative, fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        public void AddProject(RestoredProject restored)
        {
            var lockFile = restored.LockFile;
            var spec = lockFile.PackageSpec;
            var project = GetProject(restored.ProjectPath, spec.RestoreMetadata.ProjectName ?? spec.Name);
            project.Scanned = true;
            project.Version ??= spec.Version?.ToNormalizedString();
            var evidence = Relative(root, restored.AssetsPath);
            var projectDirectory = Path.GetDirectoryName(restored.ProjectPath)!;

            foreach (var target in restored.Targets)
            {
                project.Targets.Add(target.Name);
                var framework = spec.TargetFrameworks.FirstOrDefault(f => f.FrameworkName.Equals(target.TargetFramework));
                foreach (var reference in framework?.FrameworkReferences ?? [])
                {
                    project.FrameworkReferences.Add(reference.Name);
                }

                var graph = new TargetGraph(this, lockFile, target, projectDirectory, evidence);
                var directPackages = (framework?.Dependencies ?? [])
                    .Where(d => d.LibraryRange.TypeConstraintAllows(LibraryDependencyTarget.Package))
                    .ToArray();
                var projectReferences = spec.RestoreMetadata.TargetFrameworks
                    .Where(f => f.FrameworkName.Equals(target.TargetFramework))
                    .SelectMany(f => f.ProjectReferences)
                    .Select(r => Path.GetFullPath(r.ProjectPath))
                    .ToHashSet(StringComparer.Ordinal);
                graph.Walk(project, directPackages, projectReferences);
            }
        }

        public PackageEntry GetPackage(string id, string version)
        {
            var purl = NuGetPackageUrl.Create(id, version);
            if (!_packages.TryGetValue(purl, out var entry))
            {
                entry = new PackageEntry(id, version, purl);
                _packages.Add(purl, entry);
            }

            return entry;
        }

        public bool TryGetPackage(string id, string version, out PackageEntry entry)
            => _packages.TryGetValue(NuGetPackageUrl.Create(id, version), out entry!);

        public ProjectEntry GetProject(string path, string name)
        {
            if (_projectsByPath.TryGetValue(path, out var entry))
            {
                return entry;
            }

            // Two projects with one name (in different folders) keep apart by their paths.
            var bomRef = ProjectRefPrefix + name;
            if (!_projectRefs.Add(bomRef))
            {
                bomRef = ProjectRefPrefix + Relative(root, path);
                _projectRefs.Add(bomRef);
            }

            entry = new ProjectEntry(path, bomRef, name);
            _projectsByPath.Add(path, entry);
            return entry;
        }

        public CatalogResult ToResult()
        {
            var components = new List<SbomComponent>();
            var dependencies = new List<SbomDependency>();
            var left = _packages.Values.Where(p => p.Seen && (p.Required || !options.ExcludeDevelopmentDependencies)).ToArray();
            var kept = left.Select(p => p.Purl).ToHashSet(StringComparer.OrdinalIgnoreCase);
            kept.UnionWith(_projectsByPath.Values.Select(p => p.BomRef));

            foreach (var package in left)
            {
                components.Add(ToComponent(package));
                dependencies.Add(new SbomDependency(package.Purl, package.DependsOn.Where(kept.Contains).ToArray()));
            }

            foreach (var project in _projectsByPath.Values)
            {
                components.Add(ToComponent(project));
                dependencies.Add(new SbomDependency(project.BomRef, project.DependsOn.Where(kept.Contains).ToArray()));
            }

            return new CatalogResult
            {
                Components = components.OrderBy(c => c.BomRef, StringComparer.Ordinal).ToArray(),
                Dependencies = dependencies.OrderBy(d => d.Ref, StringComparer.Ordinal).ToArray(),
                Notes = _notes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
                Roots = _projectsByPath.Values.Where(p => p.Scanned).Select(p => p.BomRef).Order(StringComparer.Ordinal).ToArray(),
            };
        }

        private static SbomComponent ToComponent(PackageEntry package)
        {
            var properties = new List<KeyValuePair<string, string>>
            {
                new(NuGetProperties.Dependency, package.Direct ? "direct" : "transitive"),
            };
            properties.AddRange(package.Targets.Select(t => new KeyValuePair<string, string>(NuGetProperties.Target, t)));
            if (!package.Required)
            {
                properties.Add(new(NuGetProperties.DevelopmentOnly, string.Join("; ", package.DevelopmentReasons)));
            }

            if (package.PrivateAssetsAll)
            {
                properties.Add(new(NuGetProperties.PrivateAssets, "all"));
            }

            var contentHash = NuGetPackageUrl.Sha512Hex(package.Sha512);
            if (contentHash is not null)
            {
                properties.Add(new(NuGetProperties.ContentHash, contentHash));
            }

            return new SbomComponent
            {
                BomRef = package.Purl,
                Type = SbomComponentType.Library,
                Name = package.Id,
                Version = package.Version,
                Purl = package.Purl,
                Description = package.Nuspec?.Description,
                Scope = package.Required ? SbomComponentScope.Required : SbomComponentScope.Excluded,
                Hashes = package.FileSha512 is null ? [] : [new SbomHash("SHA-512", package.FileSha512)],
                Licenses = package.Nuspec?.Licenses ?? [],
                Evidence = package.Evidence.Select(e => new SbomEvidence(e)).ToArray(),
                Properties = properties.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).ToArray(),
            };
        }

        private SbomComponent ToComponent(ProjectEntry project)
        {
            var relative = Relative(root, project.Path);
            var properties = new List<KeyValuePair<string, string>> { new(NuGetProperties.ProjectPath, relative) };
            properties.AddRange(project.Targets.Select(t => new KeyValuePair<string, string>(NuGetProperties.Target, t)));
            properties.AddRange(project.FrameworkReferences.Select(f => new KeyValuePair<string, string>(NuGetProperties.FrameworkReference, f)));
            return new SbomComponent
            {
                BomRef = project.BomRef,
                Type = ProjectKind.IsApplication(project.Path) ? SbomComponentType.Application : SbomComponentType.Library,
                Name = project.Name,
                Version = project.Version,
                Evidence = File.Exists(project.Path) ? [new SbomEvidence(relative)] : [],
                Properties = properties.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).ToArray(),
            };
        }
    }

    /// <summary>
    /// One target (framework and RID) of one project: records where each library is, what it depends on (resolved to the
    /// versions of this target), and whether anything that ships reaches it or only development-only packages do.
    /// </summary>
    private sealed class TargetGraph
    {
        private readonly Catalog _catalog;
        private readonly LockFile _lockFile;
        private readonly LockFileTarget _target;
        private readonly string _projectDirectory;
        private readonly string _evidence;
        private readonly Dictionary<string, LockFileTargetLibrary> _libraries = new(StringComparer.OrdinalIgnoreCase);

        public TargetGraph(Catalog catalog, LockFile lockFile, LockFileTarget target, string projectDirectory, string evidence)
        {
            _catalog = catalog;
            _lockFile = lockFile;
            _target = target;
            _projectDirectory = projectDirectory;
            _evidence = evidence;
            foreach (var library in target.Libraries)
            {
                if (library.Name is not null)
                {
                    _libraries.TryAdd(library.Name, library);
                }
            }
        }

        public void Walk(ProjectEntry project, IReadOnlyList<LibraryDependency> directPackages, HashSet<string> projectReferences)
        {
            // Every library of the target: its component, its edges in this target.
            foreach (var library in _libraries.Values)
            {
                var node = NodeRef(library);
                if (node is null)
                {
                    continue;
                }

                var children = library.Dependencies
                    .Select(d => _libraries.TryGetValue(d.Id, out var child) ? NodeRef(child) : null)
                    .OfType<string>();
                if (library.Type == "project")
                {
                    var referenced = Project(library)!;
                    referenced.Targets.Add(_target.Name);
                    referenced.Version ??= library.Version?.ToNormalizedString();
                    referenced.DependsOn.UnionWith(children);
                }
                else
                {
                    var package = Package(library)!;
                    package.Seen = true;
                    package.Targets.Add(_target.Name);
                    package.Evidence.Add(_evidence);
                    package.DependsOn.UnionWith(children);
                }
            }

            // The project's own edges and the roots of the walks.
            var roots = new List<(LockFileTargetLibrary Library, string? EdgeReason)>();
            foreach (var dependency in directPackages)
            {
                if (!_libraries.TryGetValue(dependency.Name, out var library) || library.Type != "package")
                {
                    continue;
                }

                var package = Package(library)!;
                package.Direct = true;
                project.DependsOn.Add(package.Purl);
                string? edgeReason = null;
                if (dependency.SuppressParent == LibraryIncludeFlags.All)
                {
                    package.PrivateAssetsAll = true;
                    if (!Ships(library, dependency.IncludeType))
                    {
                        edgeReason = dependency.AutoReferenced ? "PrivateAssets=all (implicit reference)" : "PrivateAssets=all";
                    }
                }

                roots.Add((library, edgeReason));
            }

            foreach (var library in _libraries.Values.Where(l => l.Type == "project"))
            {
                var referenced = Project(library);
                if (referenced is not null && projectReferences.Contains(referenced.Path))
                {
                    project.DependsOn.Add(referenced.BomRef);
                    roots.Add((library, null));
                }
            }

            MarkScopes(roots);
        }

        /// <summary>
        /// A package is required when some path from the project reaches it without passing through a development-only
        /// package or a development-only reference; packages only reached otherwise are development-only in this target.
        /// Libraries nothing reaches (which restore does not produce) count as required: when unsure, a package ships.
        /// </summary>
        private void MarkScopes(List<(LockFileTargetLibrary Library, string? EdgeReason)> roots)
        {
            var required = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var queue = new Queue<LockFileTargetLibrary>();
            foreach (var (library, edgeReason) in roots)
            {
                if (edgeReason is null && IntrinsicReasons(library).Count == 0 && required.Add(library.Name!))
                {
                    queue.Enqueue(library);
                }
            }

            Traverse(queue, required, library => IntrinsicReasons(library).Count == 0);

            var reached = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (library, _) in roots)
            {
                if (reached.Add(library.Name!))
                {
                    queue.Enqueue(library);
                }
            }

            Traverse(queue, reached, _ => true);

            foreach (var library in _libraries.Values.Where(l => l.Type == "package"))
            {
                var package = Package(library)!;
                if (required.Contains(library.Name!) || !reached.Contains(library.Name!))
                {
                    package.Required = true;
                    continue;
                }

                var reasons = IntrinsicReasons(library);
                foreach (var (root, edgeReason) in roots)
                {
                    if (edgeReason is not null && string.Equals(root.Name, library.Name, StringComparison.OrdinalIgnoreCase))
                    {
                        reasons.Add(edgeReason);
                    }
                }

                package.DevelopmentReasons.UnionWith(reasons.Count > 0 ? reasons : ["used only by development-only packages"]);
            }
        }

        private void Traverse(Queue<LockFileTargetLibrary> queue, HashSet<string> visited, Func<LockFileTargetLibrary, bool> follow)
        {
            while (queue.TryDequeue(out var library))
            {
                foreach (var dependency in library.Dependencies)
                {
                    if (_libraries.TryGetValue(dependency.Id, out var child) && follow(child) && visited.Add(child.Name!))
                    {
                        queue.Enqueue(child);
                    }
                }
            }
        }

        /// <summary>Why a package is development-only wherever it is used: it says so, or it holds nothing but analyzers.</summary>
        private List<string> IntrinsicReasons(LockFileTargetLibrary library)
        {
            var reasons = new List<string>();
            if (library.Type != "package")
            {
                return reasons;
            }

            var package = Package(library)!;
            if (package.Nuspec?.DevelopmentDependency == true)
            {
                reasons.Add("developmentDependency");
            }

            if (package.AnalyzersInFiles && !HasAssets(library))
            {
                reasons.Add("analyzers only");
            }

            return reasons;
        }

        /// <summary>Whether the package gives this target anything at all besides analyzers and MSBuild files.</summary>
        private static bool HasAssets(LockFileTargetLibrary library)
            => Real(library.CompileTimeAssemblies) || Real(library.RuntimeAssemblies) || Real(library.NativeLibraries)
               || Real(library.ResourceAssemblies) || Real(library.RuntimeTargets) || Real(library.ContentFiles)
               || Real(library.EmbedAssemblies) || library.FrameworkAssemblies.Count > 0 || library.FrameworkReferences.Count > 0;

        /// <summary>Whether the package copies something into the project's output (so it ships with it) under the reference's include flags.</summary>
        private static bool Ships(LockFileTargetLibrary library, LibraryIncludeFlags include)
            => ((include & LibraryIncludeFlags.Runtime) != 0 && (Real(library.RuntimeAssemblies) || Real(library.ResourceAssemblies) || Real(library.RuntimeTargets)))
               || ((include & LibraryIncludeFlags.Native) != 0 && Real(library.NativeLibraries));

        private static bool Real<T>(IList<T> items)
            where T : LockFileItem
            => items.Any(i => !i.Path.EndsWith(Placeholder, StringComparison.Ordinal));

        private string? NodeRef(LockFileTargetLibrary library)
            => library.Type switch
            {
                "package" => Package(library)?.Purl,
                "project" => Project(library)?.BomRef,
                _ => null,
            };

        private PackageEntry? Package(LockFileTargetLibrary library)
            => library.Name is not null && library.Version is not null && _catalog.TryGetPackage(library.Name, library.Version.ToNormalizedString(), out var entry)
                ? entry
                : null;

        private ProjectEntry? Project(LockFileTargetLibrary library)
        {
            if (library.Name is null || library.Version is null)
            {
                return null;
            }

            var described = _lockFile.GetLibrary(library.Name, library.Version);
            var relative = described?.MSBuildProject ?? described?.Path;
            if (relative is null)
            {
                return null;
            }

            var path = Path.GetFullPath(Path.Combine(_projectDirectory, relative.Replace('\\', Path.DirectorySeparatorChar)));
            return _catalog.GetProject(path, library.Name);
        }
    }
}
