using Toolkit.Core.Oci;

namespace Toolkit.Core.Sbom.Image;

/// <summary>What the view keeps at a path: the content of a file, or the target of a symbolic link, and the layer it came from.</summary>
internal abstract record ImageNode(Digest Layer)
{
    /// <summary>What the node costs against <see cref="ImageWalkOptions.MaxKeptBytes"/>.</summary>
    public abstract long Cost { get; }
}

internal sealed record FileNode(byte[] Content, Digest Layer) : ImageNode(Layer)
{
    public override long Cost => Content.Length;
}

/// <summary>A file whose presence matters but whose content is not kept (e.g. a database format that is not read).</summary>
internal sealed record PresenceNode(long Size, Digest Layer) : ImageNode(Layer)
{
    public override long Cost => 0;
}

internal sealed record SymlinkNode(string Target, Digest Layer) : ImageNode(Layer)
{
    public override long Cost => Target.Length * sizeof(char);
}

/// <summary>
/// Paths (relative to the image root, '/'-separated, no '.' or '..' segments) to nodes, with removal of a whole
/// subtree in O(log n + removed): keys are also kept in ordinal order, where every descendant of <c>d</c> sorts between
/// <c>d/</c> and <c>d0</c> ('0' follows '/').
/// </summary>
internal sealed class ImageFileTree
{
    private readonly Dictionary<string, ImageNode> _nodes = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);

    public long Cost { get; private set; }

    public int Count => _nodes.Count;

    public IEnumerable<KeyValuePair<string, ImageNode>> Nodes => _keys.Select(k => new KeyValuePair<string, ImageNode>(k, _nodes[k]));

    public ImageNode? Get(string path) => _nodes.GetValueOrDefault(path);

    public void Set(string path, ImageNode node)
    {
        Remove(path);
        _nodes[path] = node;
        _keys.Add(path);
        Cost += node.Cost;
    }

    public bool Remove(string path)
    {
        if (!_nodes.Remove(path, out var node))
        {
            return false;
        }

        _keys.Remove(path);
        Cost -= node.Cost;
        return true;
    }

    /// <summary>Removes everything below <paramref name="directory"/> (not the directory's own node); "" is the root.</summary>
    public void RemoveUnder(string directory)
    {
        if (_keys.Count == 0)
        {
            return;
        }

        List<string> doomed;
        if (directory.Length == 0)
        {
            doomed = [.. _keys];
        }
        else
        {
            var from = directory + "/";
            var to = directory + "0";
            doomed = [.. _keys.GetViewBetween(from, to).Where(k => k.StartsWith(from, StringComparison.Ordinal))];
        }

        foreach (var key in doomed)
        {
            Remove(key);
        }
    }

    /// <summary>
    /// Follows symbolic links along <paramref name="path"/> inside the image root: an absolute target starts again at
    /// the image root and ".." never climbs above it, as in a chroot. Returns the path with no link left in it, or
    /// null with the reason when the links loop or nest too deep. With <paramref name="followLast"/> false, a link at the
    /// last segment is returned itself (for lstat-like questions).
    /// </summary>
    public static string? Resolve(string path, Func<string, ImageNode?> lookup, bool followLast, out string? failure)
    {
        const int MaxLinks = 40;
        failure = null;
        var pending = new Stack<string>();
        PushSegments(pending, path);
        var resolved = new List<string>();
        var links = 0;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(segment);
            if (pending.Count == 0 && !followLast)
            {
                break;
            }

            var current = string.Join('/', resolved);
            if (lookup(current) is not SymlinkNode link)
            {
                continue;
            }

            if (++links > MaxLinks)
            {
                failure = $"more than {MaxLinks} symbolic links (a loop?) on the way to /{path}";
                return null;
            }

            resolved.RemoveAt(resolved.Count - 1);
            if (link.Target.StartsWith('/'))
            {
                resolved.Clear();
            }

            PushSegments(pending, link.Target);
        }

        return string.Join('/', resolved);
    }

    private static void PushSegments(Stack<string> pending, string path)
    {
        var segments = path.Split('/');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            pending.Push(segments[i]);
        }
    }
}
