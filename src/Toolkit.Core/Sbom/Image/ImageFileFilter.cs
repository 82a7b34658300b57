namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Which files of an image a walk keeps in memory: exact paths, the direct children of some directories, and files
/// whose name ends with a suffix anywhere. Paths are relative to the image root ('/' separators, no leading '/').
/// Symbolic links are kept whatever the filter says (they cost only their target), so a path reached through
/// a link (e.g. /etc/os-release -> ../usr/lib/os-release, /var/lib/rpm -> ../../usr/lib/sysimage/rpm) can be read.
/// </summary>
public sealed class ImageFileFilter
{
    public ImageFileFilter(IEnumerable<string> paths, IEnumerable<string> directories, IEnumerable<string> fileNameSuffixes, IEnumerable<string>? presencePaths = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentNullException.ThrowIfNull(fileNameSuffixes);
        Paths = [.. paths.Select(p => p.Trim('/'))];
        Directories = [.. directories.Select(d => d.Trim('/'))];
        FileNameSuffixes = [.. fileNameSuffixes];
        PresencePaths = [.. (presencePaths ?? []).Select(p => p.Trim('/'))];
    }

    /// <summary>What the image catalogers read: deps.json and runtimeconfig.json files, the dpkg, apk and rpm databases, os-release.</summary>
    public static ImageFileFilter Catalogers { get; } = new(
        [
            DpkgCataloger.StatusPath,
            ApkCataloger.InstalledPath,
            .. RpmCataloger.DatabasePaths,
            OsRelease.EtcPath,
            OsRelease.UsrLibPath,
        ],
        [DpkgCataloger.StatusDirectory],
        [DotNetDepsCataloger.DepsSuffix, DotNetDepsCataloger.RuntimeConfigSuffix],
        RpmCataloger.UnsupportedDatabasePaths);

    public IReadOnlyList<string> Paths { get; }

    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<string> FileNameSuffixes { get; }

    /// <summary>Paths whose presence (real path, size, layer) is recorded without keeping the content, e.g. databases in a format no cataloger reads.</summary>
    public IReadOnlyList<string> PresencePaths { get; }

    /// <summary>
    /// Whether a file at <paramref name="path"/> is kept. <paramref name="resolvedPaths"/> and
    /// <paramref name="resolvedDirectories"/> are the filter's paths and directories with the links known so far
    /// followed, so the file a wanted path leads to is kept under its real name.
    /// </summary>
    internal bool Matches(string path, IReadOnlySet<string> resolvedPaths, IReadOnlySet<string> resolvedDirectories)
    {
        var slash = path.LastIndexOf('/');
        var name = slash < 0 ? path : path[(slash + 1)..];
        foreach (var suffix in FileNameSuffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        if (resolvedPaths.Contains(path))
        {
            return true;
        }

        return slash > 0 && resolvedDirectories.Contains(path[..slash]);
    }
}
