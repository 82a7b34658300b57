using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Sbom.NuGet;

/// <summary>The projects behind a path (a project, a solution or a folder), and the folder paths in documents are relative to.</summary>
internal sealed record ProjectSet(string Root, IReadOnlyList<string> Projects);

/// <summary>
/// Finds the projects of a <c>.csproj</c>/<c>.fsproj</c>/<c>.vbproj</c>, a solution (<c>.sln</c>, <c>.slnx</c>, <c>.slnf</c>)
/// or a folder, and each project's <c>project.assets.json</c>, without MSBuild: solution files are parsed as text or XML,
/// and the assets file is looked for where the SDK puts it (<c>obj/</c>, or <c>artifacts/obj/&lt;project&gt;/</c> with
/// <c>UseArtifactsOutput</c>, or under a given base intermediate output path).
/// </summary>
internal static class NuGetProjectLocator
{
    private const string AssetsFileName = "project.assets.json";

    private static readonly string[] ProjectExtensions = [".csproj", ".fsproj", ".vbproj"];

    /// <summary>Folders never searched for projects: build output, tools' state, dependencies of other ecosystems.</summary>
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "bin", "obj", "artifacts", "node_modules", "packages", "TestResults",
    };

    public static bool IsProjectFile(string path)
        => ProjectExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    public static ProjectSet Find(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return FindInFolder(Path.TrimEndingDirectorySeparator(full));
        }

        if (!File.Exists(full))
        {
            throw new ToolkitException(
                ErrorCodes.NuGetProjectInputInvalid,
                $"'{path}' does not exist. Name a project (.csproj, .fsproj, .vbproj), a solution (.sln, .slnx, .slnf) or a folder that holds them.");
        }

        var directory = Path.GetDirectoryName(full)!;
        if (IsProjectFile(full))
        {
            return new ProjectSet(directory, [full]);
        }

        var extension = Path.GetExtension(full).ToLowerInvariant();
        return extension switch
        {
            ".sln" => new ProjectSet(directory, ReadSln(full)),
            ".slnx" => new ProjectSet(directory, ReadSlnx(full)),
            ".slnf" => ReadSlnf(full),
            _ => throw new ToolkitException(
                ErrorCodes.NuGetProjectInputInvalid,
                $"'{path}' is neither a project (.csproj, .fsproj, .vbproj) nor a solution (.sln, .slnx, .slnf)."),
        };
    }

    /// <summary>
    /// The assets file of a project: <c>obj/project.assets.json</c> next to it, else
    /// <c>&lt;base&gt;/&lt;project name&gt;/project.assets.json</c> for the given base intermediate output path, else
    /// <c>artifacts/obj/&lt;project name&gt;/project.assets.json</c> in the project's folder or any folder above it.
    /// </summary>
    public static string? FindAssetsFile(string projectPath, string? baseIntermediateOutputPath)
    {
        var directory = Path.GetDirectoryName(projectPath)!;
        var name = Path.GetFileNameWithoutExtension(projectPath);
        if (baseIntermediateOutputPath is { Length: > 0 })
        {
            var full = Path.GetFullPath(baseIntermediateOutputPath);
            foreach (var candidate in new[] { Path.Combine(full, name, AssetsFileName), Path.Combine(full, AssetsFileName) })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        var inObj = Path.Combine(directory, "obj", AssetsFileName);
        if (File.Exists(inObj))
        {
            return inObj;
        }

        for (var folder = directory; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            var inArtifacts = Path.Combine(folder, "artifacts", "obj", name, AssetsFileName);
            if (File.Exists(inArtifacts))
            {
                return inArtifacts;
            }
        }

        return null;
    }

    private static ProjectSet FindInFolder(string folder)
    {
        var solutions = Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (solutions.Length == 1)
        {
            return Find(solutions[0]);
        }

        if (solutions.Length > 1)
        {
            throw new ToolkitException(
                ErrorCodes.NuGetProjectInputInvalid,
                $"'{folder}' holds several solutions ({string.Join(", ", solutions.Select(Path.GetFileName))}); name the one to catalog.");
        }

        var projects = new List<string>();
        CollectProjects(folder, projects);
        if (projects.Count == 0)
        {
            throw new ToolkitException(
                ErrorCodes.NuGetProjectInputInvalid,
                $"'{folder}' holds no solution and no project (.csproj, .fsproj, .vbproj) in it or below it.");
        }

        projects.Sort(StringComparer.Ordinal);
        return new ProjectSet(folder, projects);
    }

    private static void CollectProjects(string folder, List<string> projects)
    {
        var here = Directory.EnumerateFiles(folder).Where(IsProjectFile).ToArray();
        projects.AddRange(here);
        foreach (var child in Directory.EnumerateDirectories(folder))
        {
            var name = Path.GetFileName(child);
            if (name.StartsWith('.') || SkippedFolders.Contains(name) || new DirectoryInfo(child).LinkTarget is not null)
            {
                continue;
            }

            CollectProjects(child, projects);
        }
    }

    /// <summary>
    /// Project lines of a classic solution: <c>Project("{type}") = "Name", "relative\path.csproj", "{guid}"</c>.
    /// Solution folders and web sites have no project file and are skipped.
    /// </summary>
    private static List<string> ReadSln(string solution)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(solution);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.NuGetSolutionInvalid, $"The solution '{solution}' cannot be read: {e.Message}", e);
        }

        var directory = Path.GetDirectoryName(solution)!;
        var projects = new List<string>();
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            if (!trimmed.StartsWith("Project(", StringComparison.Ordinal))
            {
                continue;
            }

            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            var fields = equals < 0 ? [] : trimmed[(equals + 1)..].Split(',');
            if (fields.Length < 2)
            {
                throw new ToolkitException(ErrorCodes.NuGetSolutionInvalid, $"The solution '{solution}' has a project line that cannot be read: {trimmed}");
            }

            var relative = fields[1].Trim().Trim('"');
            if (IsProjectFile(relative))
            {
                projects.Add(ProjectPath(directory, relative, solution));
            }
        }

        return projects;
    }

    /// <summary>The XML solution format: <c>&lt;Project Path="..."/&gt;</c> elements, at the top or inside <c>&lt;Folder&gt;</c>s.</summary>
    private static List<string> ReadSlnx(string solution)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(solution);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException)
        {
            throw new ToolkitException(ErrorCodes.NuGetSolutionInvalid, $"The solution '{solution}' cannot be read: {e.Message}", e);
        }

        var directory = Path.GetDirectoryName(solution)!;
        return document.Descendants()
            .Where(e => e.Name.LocalName == "Project")
            .Select(e => (string?)e.Attribute("Path"))
            .Where(p => p is not null && IsProjectFile(p))
            .Select(p => ProjectPath(directory, p!, solution))
            .ToList();
    }

    /// <summary>A solution filter: JSON naming a solution and the subset of its projects to load.</summary>
    private static ProjectSet ReadSlnf(string filter)
    {
        string? solutionPath;
        List<string> projects = [];
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(filter), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var solution = document.RootElement.GetProperty("solution");
            solutionPath = solution.GetProperty("path").GetString();
            if (solution.TryGetProperty("projects", out var list))
            {
                projects.AddRange(list.EnumerateArray().Select(p => p.GetString()).OfType<string>());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ToolkitException(ErrorCodes.NuGetSolutionInvalid, $"The solution filter '{filter}' cannot be read: {e.Message}", e);
        }

        if (string.IsNullOrEmpty(solutionPath))
        {
            throw new ToolkitException(ErrorCodes.NuGetSolutionInvalid, $"The solution filter '{filter}' names no solution (solution.path).");
        }

        // Project paths in a filter are relative to the solution it filters.
        var solutionFull = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(filter)!, solutionPath.Replace('\\', Path.DirectorySeparatorChar)));
        var directory = Path.GetDirectoryName(solutionFull)!;
        return new ProjectSet(directory, projects.Where(IsProjectFile).Select(p => ProjectPath(directory, p, filter)).ToList());
    }

    private static string ProjectPath(string solutionDirectory, string relative, string solution)
    {
        var path = Path.GetFullPath(Path.Combine(solutionDirectory, relative.Replace('\\', Path.DirectorySeparatorChar)));
        if (!File.Exists(path))
        {
            throw new ToolkitException(
                ErrorCodes.NuGetSolutionInvalid,
                $"The solution '{solution}' names the project '{relative}', which does not exist at '{path}'. Fix or remove that entry.");
        }

        return path;
    }
}
