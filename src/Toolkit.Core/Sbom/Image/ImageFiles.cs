using Toolkit.Core.Oci;

namespace Toolkit.Core.Sbom.Image;

/// <summary>A file of the image's final view: its real path (absolute, with no link in it), content and the layer that last wrote it.</summary>
public sealed record ImageFile(string Path, ReadOnlyMemory<byte> Content, Digest Layer)
{
    /// <summary>The file's evidence for a component found in it.</summary>
    public SbomEvidence Evidence => new(Path, Layer);
}

/// <summary>
/// The files an <see cref="ImageLayerWalker"/> kept, as the image shows them after every layer, whiteouts and links
/// applied, with the notes of the walk (skipped entries, files over the limits).
/// </summary>
public sealed class ImageFiles
{
    private readonly ImageFileTree _tree;

    internal ImageFiles(ImageFileTree tree, IReadOnlyList<string> notes)
    {
        _tree = tree;
        Notes = notes;
    }

    public IReadOnlyList<string> Notes { get; }

    /// <summary>Every kept regular file, by real path in ordinal order.</summary>
    public IEnumerable<ImageFile> Files
        => _tree.Nodes.Where(n => n.Value is FileNode).Select(n => ToFile(n.Key, (FileNode)n.Value));

    /// <summary>The file at <paramref name="path"/> (absolute or relative to the root), following links inside the image; null when there is none.</summary>
    public ImageFile? Find(string path) => TryFind(path, out var file, out _) ? file : null;

    /// <summary>Like <see cref="Find"/>, and says why a link could not be followed (loop or too deep).</summary>
    public bool TryFind(string path, out ImageFile? file, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(path);
        file = null;
        var resolved = ImageFileTree.Resolve(path.Trim('/'), _tree.Get, followLast: true, out failure);
        if (resolved is null || _tree.Get(resolved) is not FileNode node)
        {
            return false;
        }

        file = ToFile(resolved, node);
        return true;
    }

    /// <summary>
    /// Where a path leads when the file exists in the image, kept or only recorded (see
    /// <see cref="ImageFileFilter.PresencePaths"/>): its real path and the layer that wrote it.
    /// </summary>
    public SbomEvidence? Locate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var resolved = ImageFileTree.Resolve(path.Trim('/'), _tree.Get, followLast: true, out _);
        return resolved is not null && _tree.Get(resolved) is FileNode or PresenceNode
            ? new SbomEvidence("/" + resolved, _tree.Get(resolved)!.Layer)
            : null;
    }

    /// <summary>The kept regular files directly in <paramref name="directory"/> (links to the directory followed), by name.</summary>
    public IReadOnlyList<ImageFile> FilesIn(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var resolved = ImageFileTree.Resolve(directory.Trim('/'), _tree.Get, followLast: true, out _);
        if (resolved is null)
        {
            return [];
        }

        var prefix = resolved.Length == 0 ? string.Empty : resolved + "/";
        return [.. _tree.Nodes
            .Where(n => n.Value is FileNode && n.Key.StartsWith(prefix, StringComparison.Ordinal) && n.Key.IndexOf('/', prefix.Length) < 0)
            .Select(n => ToFile(n.Key, (FileNode)n.Value))];
    }

    private static ImageFile ToFile(string path, FileNode node) => new("/" + path, node.Content, node.Layer);
}
