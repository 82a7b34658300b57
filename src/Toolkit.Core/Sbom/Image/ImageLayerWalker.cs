using System.IO.Compression;
using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;
using ZstdSharp;

namespace Toolkit.Core.Sbom.Image;

/// <summary>
/// Reads an image's layers in order as streams (uncompressed, gzip or zstd tar), never extracting anything, and builds
/// the final view of the files a filter asks for. OCI whiteouts apply to the layers below (<c>.wh.name</c> deletes a
/// path and all beneath it, <c>.wh..wh..opq</c> empties a directory), an entry replaces what lower layers had at its path,
/// and hard and symbolic links are kept so wanted paths can be reached through them, inside the image root only.
/// A layer's entries join the view only after the whole blob was read and its digest verified.
/// </summary>
public static class ImageLayerWalker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    public static async Task<ImageFiles> WalkAsync(
        IImageSource source,
        IReadOnlyList<Descriptor> layers,
        ImageFileFilter filter,
        ImageWalkOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(filter);
        var walk = new Walk(filter, options ?? new ImageWalkOptions());
        foreach (var layer in layers)
        {
            LayerCompression compression;
            try
            {
                compression = MediaTypes.LayerCompressionOf(layer.MediaType);
            }
            catch (ToolkitException e) when (e.ErrorCode == ErrorCodes.UnsupportedMediaType)
            {
                walk.Note(ErrorCodes.UnsupportedLayerSkipped, $"layer {layer.Digest} has media type '{layer.MediaType}', not a tar layer; it was not catalogued.");
                continue;
            }

            var blob = await source.OpenBlobAsync(layer, cancellationToken).ConfigureAwait(false);
            await using (blob.ConfigureAwait(false))
            {
                await walk.ReadLayerAsync(blob, compression, layer.Digest, cancellationToken).ConfigureAwait(false);
            }
        }

        return walk.Finish();
    }

    /// <summary>Reads one layer blob into the walk (for tests and callers that hold the blob themselves).</summary>
    internal static async Task<ImageFiles> WalkStreamsAsync(
        IReadOnlyList<(Stream Blob, LayerCompression Compression, Digest Digest)> layers,
        ImageFileFilter filter,
        ImageWalkOptions? options,
        CancellationToken cancellationToken)
    {
        var walk = new Walk(filter, options ?? new ImageWalkOptions());
        foreach (var (blob, compression, digest) in layers)
        {
            await walk.ReadLayerAsync(blob, compression, digest, cancellationToken).ConfigureAwait(false);
        }

        return walk.Finish();
    }

    private sealed class Walk
    {
        private readonly ImageFileFilter _filter;
        private readonly ImageWalkOptions _options;
        private readonly ImageFileTree _view = new();
        private readonly List<string> _notes = [];
        private readonly HashSet<string> _resolvedPaths = new(StringComparer.Ordinal);
        private readonly HashSet<string> _resolvedDirectories = new(StringComparer.Ordinal);
        private readonly HashSet<string> _resolvedPresencePaths = new(StringComparer.Ordinal);
        private ImageFileTree _layer = new();
        private bool _linksChanged = true;
        private long _entries;

        public Walk(ImageFileFilter filter, ImageWalkOptions options)
        {
            _filter = filter;
            _options = options;
        }

        public void Note(ErrorCode code, string message) => _notes.Add($"{code.Code}: {message}");

        public ImageFiles Finish() => new(_view, _notes);

        public async Task ReadLayerAsync(Stream blob, LayerCompression compression, Digest digest, CancellationToken cancellationToken)
        {
            _layer = new ImageFileTree();
            var decompressed = compression switch
            {
                LayerCompression.Gzip => new GZipStream(blob, CompressionMode.Decompress, leaveOpen: true),
                LayerCompression.Zstd => new DecompressionStream(blob, leaveOpen: true),
                _ => blob,
            };
            // The blob itself stays open: it is drained below, so a verifying source checks its digest.
            var counted = new LimitedReadStream(decompressed, _options.MaxLayerSize, digest, disposeInner: compression != LayerCompression.None);
            var buffered = new BufferedStream(counted, 1 << 16);
            await using (buffered.ConfigureAwait(false))
            {
                var reader = new LayerTarReader(buffered, _options.MaxPathLength, _options.MaxExtendedHeaderSize);
                try
                {
                    while (await reader.NextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        if (++_entries > _options.MaxEntries)
                        {
                            throw new ToolkitException(
                                ErrorCodes.ImageTooManyEntries,
                                $"The image's layers hold more than {_options.MaxEntries} entries (reached in layer {digest}); it is not catalogued. Raise ImageWalkOptions.MaxEntries only for an image you trust.");
                        }

                        await AddAsync(entry, reader, digest, cancellationToken).ConfigureAwait(false);
                    }

                    await reader.DrainAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidDataException or ZstdException or EndOfStreamException)
                {
                    throw new ToolkitException(
                        ErrorCodes.ImageLayerUnreadable,
                        $"Layer {digest} cannot be read as a {Describe(compression)} tar stream: {e.Message}. The layer is corrupt or not a layer; rebuild or re-pull the image.",
                        e);
                }
            }

            // The raw blob to its very end: a verifying source checks size and digest only there.
            await new LayerTarReader(blob, 0, 0).DrainAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (path, node) in _layer.Nodes.ToList())
            {
                _view.Set(path, node);
            }

            _layer = new ImageFileTree();
            _linksChanged = true;
        }

        private static string Describe(LayerCompression compression) => compression switch
        {
            LayerCompression.Gzip => "gzip-compressed",
            LayerCompression.Zstd => "zstd-compressed",
            _ => "plain",
        };

        private async Task AddAsync(LayerEntry entry, LayerTarReader reader, Digest layer, CancellationToken cancellationToken)
        {
            var path = Normalise(entry.Name, layer);
            if (path is null)
            {
                return;
            }

            var slash = path.LastIndexOf('/');
            var directory = slash < 0 ? string.Empty : path[..slash];
            var name = path[(slash + 1)..];
            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(directory, name, layer);
                return;
            }

            // Whatever lower layers had at a parent of this entry that is not a directory, this layer's directory hides.
            for (var i = path.IndexOf('/'); i > 0; i = path.IndexOf('/', i + 1))
            {
                RemoveLower(path[..i], subtree: false);
            }

            if (entry.Type == LayerEntryType.Directory)
            {
                RemoveLower(path, subtree: false);
                _layer.Remove(path);
                return;
            }

            RemoveLower(path, subtree: true);
            _layer.Remove(path);
            switch (entry.Type)
            {
                case LayerEntryType.RegularFile:
                    if (Wanted(path) && _resolvedPresencePaths.Contains(path))
                    {
                        _layer.Set(path, new PresenceNode(entry.Size, layer));
                    }
                    else if (Wanted(path))
                    {
                        await KeepFileAsync(path, entry, reader, layer, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case LayerEntryType.SymbolicLink:
                    if (Encoding.UTF8.GetByteCount(entry.LinkName) > _options.MaxPathLength || entry.LinkName.Contains('\0', StringComparison.Ordinal))
                    {
                        Note(ErrorCodes.UnsafeLayerEntrySkipped, $"layer {layer}: the symbolic link /{path} has a target longer than {_options.MaxPathLength} bytes; it was left out.");
                        break;
                    }

                    Keep(path, new SymlinkNode(entry.LinkName, layer), layer);
                    _linksChanged = true;
                    break;
                case LayerEntryType.HardLink:
                    KeepHardLink(path, entry, layer);
                    break;
            }
        }

        private void ApplyWhiteout(string directory, string name, Digest layer)
        {
            if (name == OpaqueWhiteout)
            {
                // The directory's content from lower layers is gone; its own entry in this layer (if any) stays.
                _view.RemoveUnder(directory);
                _linksChanged = true;
                return;
            }

            if (name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
            {
                // Other ".wh..wh." names are aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs), not deletions.
                return;
            }

            var target = name[WhiteoutPrefix.Length..];
            if (target is "" or "." or "..")
            {
                Note(ErrorCodes.UnsafeLayerEntrySkipped, $"layer {layer}: the whiteout /{Join(directory, name)} names no file; it was ignored.");
                return;
            }

            var path = Join(directory, target);
            _view.Remove(path);
            _view.RemoveUnder(path);
            _linksChanged = true;
        }

        private void RemoveLower(string path, bool subtree)
        {
            if (_view.Remove(path))
            {
                _linksChanged = true;
            }

            if (subtree)
            {
                _view.RemoveUnder(path);
            }
        }

        private async Task KeepFileAsync(string path, LayerEntry entry, LayerTarReader reader, Digest layer, CancellationToken cancellationToken)
        {
            var limit = Math.Min(_options.MaxFileSize, Array.MaxLength);
            if (entry.Size > limit)
            {
                Note(ErrorCodes.CatalogFileTooLarge, $"/{path} in layer {layer} has {entry.Size} bytes, more than the {limit} allowed; it was not read and what it lists is missing.");
                return;
            }

            if (_view.Cost + _layer.Cost + entry.Size > _options.MaxKeptBytes)
            {
                Note(ErrorCodes.CatalogFileTooLarge, $"/{path} in layer {layer} ({entry.Size} bytes) would take the files kept past {_options.MaxKeptBytes} bytes; it was not read and what it lists is missing.");
                return;
            }

            var content = await reader.ReadDataAsync(cancellationToken).ConfigureAwait(false);
            _layer.Set(path, new FileNode(content, layer));
        }

        private void KeepHardLink(string path, LayerEntry entry, Digest layer)
        {
            var target = Normalise(entry.LinkName, layer);
            if (target is null)
            {
                return;
            }

            switch (_layer.Get(target) ?? _view.Get(target))
            {
                case FileNode file when Wanted(path):
                    // The same content under a second name: shared, and the link's own layer is where this name appears.
                    Keep(path, file with { Layer = layer }, layer);
                    break;
                case PresenceNode presence when Wanted(path):
                    _layer.Set(path, presence with { Layer = layer });
                    break;
                case FileNode or PresenceNode:
                    break;
                case SymlinkNode link:
                    Keep(path, link with { Layer = layer }, layer);
                    _linksChanged = true;
                    break;
                default:
                    if (Wanted(path))
                    {
                        Note(ErrorCodes.ImageLinkUnresolved, $"layer {layer}: /{path} is a hard link to /{target}, which was not kept; it was not read.");
                    }

                    break;
            }
        }

        private void Keep(string path, ImageNode node, Digest layer)
        {
            if (_view.Cost + _layer.Cost + node.Cost > _options.MaxKeptBytes)
            {
                Note(ErrorCodes.CatalogFileTooLarge, $"/{path} in layer {layer} would take what is kept past {_options.MaxKeptBytes} bytes; it was left out.");
                return;
            }

            _layer.Set(path, node);
        }

        private bool Wanted(string path)
        {
            if (_linksChanged)
            {
                _resolvedPaths.Clear();
                _resolvedDirectories.Clear();
                foreach (var wanted in _filter.Paths)
                {
                    _resolvedPaths.Add(wanted);
                    if (ImageFileTree.Resolve(wanted, Lookup, followLast: true, out _) is { } real)
                    {
                        _resolvedPaths.Add(real);
                    }
                }

                _resolvedPresencePaths.Clear();
                foreach (var wanted in _filter.PresencePaths)
                {
                    _resolvedPresencePaths.Add(wanted);
                    if (ImageFileTree.Resolve(wanted, Lookup, followLast: true, out _) is { } real)
                    {
                        _resolvedPresencePaths.Add(real);
                    }
                }

                foreach (var wanted in _filter.Directories)
                {
                    _resolvedDirectories.Add(wanted);
                    if (ImageFileTree.Resolve(wanted, Lookup, followLast: true, out _) is { } real)
                    {
                        _resolvedDirectories.Add(real);
                    }
                }

                _linksChanged = false;
            }

            return _resolvedPresencePaths.Contains(path) || _filter.Matches(path, _resolvedPaths, _resolvedDirectories);
        }

        private ImageNode? Lookup(string path) => _layer.Get(path) ?? _view.Get(path);

        /// <summary>The entry name as a path relative to the root, or null (with a note) when it is unsafe or too long.</summary>
        private string? Normalise(string name, Digest layer)
        {
            string? problem = null;
            if (name.Contains('\0', StringComparison.Ordinal))
            {
                problem = "it contains a NUL character";
            }
            else if (Encoding.UTF8.GetByteCount(name) > _options.MaxPathLength)
            {
                problem = $"it is longer than {_options.MaxPathLength} bytes";
            }

            var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
            if (problem is null && segments.Contains(".."))
            {
                problem = "it climbs out of the image root with '..'";
            }

            if (problem is not null)
            {
                var shown = name.Length > 200 ? name[..200] + "..." : name;
                Note(ErrorCodes.UnsafeLayerEntrySkipped, $"layer {layer}: the entry '{shown.Replace('\0', '?')}' was skipped: {problem}.");
                return null;
            }

            return segments.Length == 0 ? null : string.Join('/', segments);
        }

        private static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;
    }

    /// <summary>Counts what a decompressor produces and fails with TK5041 past the limit.</summary>
    private sealed class LimitedReadStream(Stream inner, long limit, Digest layer, bool disposeInner) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Account(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => Account(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && disposeInner)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (disposeInner)
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }

            await base.DisposeAsync().ConfigureAwait(false);
        }

        private int Account(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new ToolkitException(
                    ErrorCodes.ImageLayerTooLarge,
                    $"Layer {layer} decompresses to more than {limit} bytes (a compression bomb?); it is not catalogued. Raise ImageWalkOptions.MaxLayerSize only for an image you trust.");
            }

            return read;
        }
    }
}
