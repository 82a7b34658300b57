using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Writes images into an OCI image layout directory (<c>oci:</c>). Blobs go to its content store (present ones are not
/// rewritten); committing adds the image to <c>index.json</c>, replacing entries with the same ref name and keeping
/// the others. <c>index.json</c> is written canonically, through a temporary file.
/// </summary>
public sealed class OciLayoutDestination : IImageDestination
{
    internal static readonly byte[] LayoutFileContent = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray();

    private readonly string? _defaultTag;
    private readonly ILogger _logger;

    public OciLayoutDestination(string directory, string? defaultTag = null, ILogger<OciLayoutDestination>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        Store = new ContentStore(Directory);
        _defaultTag = defaultTag;
        _logger = logger ?? NullLogger<OciLayoutDestination>.Instance;
        DisplayName = new OciLayoutLocation(directory, defaultTag).ToString();
    }

    public string DisplayName { get; }

    public string Directory { get; }

    /// <summary>The layout's blobs, for writers (such as the image builder) that add content directly.</summary>
    public ContentStore Store { get; }

    public Task<bool> HasBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => Store.ContainsAsync(descriptor, cancellationToken);

    public Task PutBlobAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
        => Store.WriteAsync(descriptor, content, cancellationToken);

    public Task PutContentAsync(Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        => Store.WriteAsync(descriptor, content, cancellationToken);

    public async Task CommitAsync(Descriptor root, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(tags);
        if (!await Store.ContainsAsync(root, cancellationToken).ConfigureAwait(false))
        {
            throw new ToolkitException(ErrorCodes.BlobNotFound, $"Cannot commit {root.Digest} to {DisplayName}: it was not written first.");
        }

        var effectiveTags = tags.Count > 0 ? tags : _defaultTag is null ? [] : [_defaultTag];
        var existing = await ReadExistingIndexAsync(cancellationToken).ConfigureAwait(false);
        var index = AddToIndex(existing, root, effectiveTags);

        await WriteFileAtomicallyAsync(OciLayoutReader.LayoutFileName, LayoutFileContent, onlyIfMissing: true, cancellationToken).ConfigureAwait(false);
        await WriteFileAtomicallyAsync(OciLayoutReader.IndexFileName, OciJson.Serialize(index), onlyIfMissing: false, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Wrote {Digest} to {Layout} as {Tags}", root.Digest, Directory, effectiveTags.Count == 0 ? "(untagged)" : string.Join(", ", effectiveTags));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The index with <paramref name="root"/> added once per tag (or once untagged); entries with one of those ref
    /// names are dropped, others kept in their order.
    /// </summary>
    internal static ImageIndex AddToIndex(ImageIndex? existing, Descriptor root, IReadOnlyList<string> tags)
    {
        var entries = new List<Descriptor>(existing?.Manifests ?? []);
        var plain = new Descriptor(root.MediaType, root.Digest, root.Size)
        {
            ArtifactType = root.ArtifactType,
            Platform = root.Platform,
            Annotations = root.Annotations is null ? null : new SortedDictionary<string, string>(root.Annotations, StringComparer.Ordinal),
        };
        if (tags.Count == 0)
        {
            if (!entries.Any(d => d.Digest == root.Digest && d.RefName is null))
            {
                entries.Add(WithoutRefName(plain));
            }
        }
        else
        {
            foreach (var tag in tags.Distinct(StringComparer.Ordinal))
            {
                entries.RemoveAll(d => d.RefName == tag);
                var annotations = new SortedDictionary<string, string>(plain.Annotations ?? new SortedDictionary<string, string>(), StringComparer.Ordinal)
                {
                    [AnnotationKeys.RefName] = tag,
                };
                entries.Add(plain with { Annotations = annotations });
            }
        }

        return new ImageIndex
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciIndex,
            Manifests = entries,
            Annotations = existing?.Annotations,
        };
    }

    private static Descriptor WithoutRefName(Descriptor descriptor)
    {
        if (descriptor.Annotations is null || !descriptor.Annotations.ContainsKey(AnnotationKeys.RefName))
        {
            return descriptor;
        }

        var annotations = new SortedDictionary<string, string>(descriptor.Annotations, StringComparer.Ordinal);
        annotations.Remove(AnnotationKeys.RefName);
        return descriptor with { Annotations = annotations.Count == 0 ? null : annotations };
    }

    private async Task<ImageIndex?> ReadExistingIndexAsync(CancellationToken cancellationToken)
    {
        var files = new DirectoryLayoutFiles(Directory);
        if (!await OciLayoutReader.IsLayoutAsync(files, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (await OciLayoutReader.OpenAsync(files, cancellationToken).ConfigureAwait(false)).Index;
    }

    private async Task WriteFileAtomicallyAsync(string name, byte[] content, bool onlyIfMissing, CancellationToken cancellationToken)
    {
        var target = Path.Combine(Directory, name);
        if (onlyIfMissing && File.Exists(target))
        {
            return;
        }

        var temp = Path.Combine(Directory, $".{name}.tmp-{Guid.NewGuid():N}");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await File.WriteAllBytesAsync(temp, content, cancellationToken).ConfigureAwait(false);
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.OutputNotWritable, $"Cannot write {target}: {e.Message}. Check the path and its permissions.", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
