using System.Globalization;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// An image in a docker archive (<c>docker save</c>, <c>skopeo copy ... docker-archive:</c>, or the .NET SDK's
/// <c>ContainerArchiveOutputPath</c>), read in place. When the archive also holds an OCI layout (current Docker, and
/// the SDK for OCI images) the stored manifest is used as is; otherwise a Docker v2 schema 2 manifest is made from
/// <c>manifest.json</c>, with the config and layers described by their real digests and media types found from
/// their first bytes (plain tar or gzip; zstd layers make it an OCI manifest, as Docker has no zstd type).
/// </summary>
public sealed class DockerArchiveSource : IImageSource
{
    private readonly TarArchiveIndex _files;
    private readonly OciLayoutReader? _layout;
    private readonly Descriptor? _layoutRoot;
    private readonly Descriptor? _synthesisedRoot;
    private readonly byte[]? _synthesisedManifest;
    private readonly Dictionary<Digest, string> _blobPaths;

    private DockerArchiveSource(
        string displayName,
        TarArchiveIndex files,
        OciLayoutReader? layout,
        Descriptor? layoutRoot,
        Descriptor? synthesisedRoot,
        byte[]? synthesisedManifest,
        Dictionary<Digest, string> blobPaths)
    {
        DisplayName = displayName;
        _files = files;
        _layout = layout;
        _layoutRoot = layoutRoot;
        _synthesisedRoot = synthesisedRoot;
        _synthesisedManifest = synthesisedManifest;
        _blobPaths = blobPaths;
    }

    public string DisplayName { get; }

    /// <summary>
    /// Opens the archive; <paramref name="reference"/> is a <c>repo:tag</c> from its <c>RepoTags</c> (or its OCI ref
    /// name), <c>@N</c> for the N-th image of <c>manifest.json</c>, or null for the only image.
    /// </summary>
    public static async Task<DockerArchiveSource> OpenAsync(string archive, string? reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(archive);
        var displayName = new DockerArchiveLocation(archive, reference).ToString();
        var files = await TarArchiveIndex.LoadAsync(archive, cancellationToken).ConfigureAwait(false);

        OciLayoutReader? layout = null;
        if (await OciLayoutReader.IsLayoutAsync(files, cancellationToken).ConfigureAwait(false))
        {
            layout = await OciLayoutReader.OpenAsync(files, cancellationToken).ConfigureAwait(false);
            var fromLayout = FindInLayout(layout, reference);
            if (fromLayout is not null)
            {
                return new DockerArchiveSource(displayName, files, layout, fromLayout, null, null, []);
            }
        }

        var manifestJson = await OciLayoutReader.ReadSmallFileAsync(files, DockerArchiveManifest.FileName, cancellationToken).ConfigureAwait(false);
        if (manifestJson is null)
        {
            if (layout is not null)
            {
                // An OCI layout without manifest.json (the SDK's archive of an OCI image): resolve as a layout does.
                return new DockerArchiveSource(displayName, files, layout, layout.Resolve(reference, displayName), null, null, []);
            }

            throw new ToolkitException(
                ErrorCodes.InvalidArchive,
                $"{archive} has neither manifest.json nor an OCI layout, so it is not a docker archive (an old 'docker save' format with only 'repositories' is not supported).");
        }

        var entries = DockerArchiveManifest.Parse(manifestJson, archive);
        var entry = Select(entries, reference, displayName);
        var blobPaths = new Dictionary<Digest, string>();

        var configBytes = await OciLayoutReader.ReadSmallFileAsync(files, entry.Config, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(ErrorCodes.InvalidArchive, $"{archive} names the config '{entry.Config}' in manifest.json but has no such file.");
        var configDigest = Digest.Compute(configBytes);
        blobPaths[configDigest] = entry.Config;

        var layers = new List<Descriptor>();
        foreach (var path in entry.Layers)
        {
            var layer = await DescribeLayerAsync(files, path, cancellationToken).ConfigureAwait(false);
            blobPaths[layer.Digest] = path;
            layers.Add(layer);
        }

        var oci = layers.Any(l => MediaTypes.LayerCompressionOf(l.MediaType) == LayerCompression.Zstd);
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest,
            Config = new Descriptor(oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, configDigest, configBytes.Length),
            Layers = oci ? layers.Select(l => l with { MediaType = MediaTypes.OciLayerFor(MediaTypes.LayerCompressionOf(l.MediaType)) }).ToList() : layers,
        };
        var manifestBytes = OciJson.Serialize(manifest);
        var root = Descriptor.For(manifest.MediaType!, manifestBytes) with { Platform = TryPlatform(configBytes) };
        return new DockerArchiveSource(displayName, files, layout, null, root, manifestBytes, blobPaths);
    }

    public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_layoutRoot ?? _synthesisedRoot!);
    }

    public async Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_synthesisedRoot is not null && descriptor.Digest == _synthesisedRoot.Digest)
        {
            return (byte[])_synthesisedManifest!.Clone();
        }

        var stream = await OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ContentStore.ReadVerifiedAsync(stream, descriptor, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_blobPaths.TryGetValue(descriptor.Digest, out var path))
        {
            var stream = await _files.TryOpenAsync(path, cancellationToken).ConfigureAwait(false)
                ?? throw Missing(descriptor);
            return new VerifyingReadStream(stream, descriptor, $"'{path}' of {_files.DisplayName}");
        }

        if (_layout is not null)
        {
            return await _layout.OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        }

        throw Missing(descriptor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ToolkitException Missing(Descriptor descriptor)
        => new(ErrorCodes.BlobNotFound, $"Blob {descriptor.Digest} ({descriptor.MediaType}) is not in {_files.DisplayName}.");

    private static Descriptor? FindInLayout(OciLayoutReader layout, string? reference)
    {
        if (reference is null)
        {
            return layout.Index.Manifests.Count == 1 ? layout.Index.Manifests[0] : null;
        }

        if (reference.StartsWith('@') && !OciLayoutReader.TryParseDigestReference(reference, out _))
        {
            return null;
        }

        if (OciLayoutReader.TryParseDigestReference(reference, out var digest))
        {
            return layout.TryFind(d => d.Digest == digest);
        }

        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            reference,
            DockerArchiveDestination.NormaliseRepoTag(reference),
            "docker.io/" + DockerArchiveDestination.NormaliseRepoTag(reference),
            "docker.io/library/" + DockerArchiveDestination.NormaliseRepoTag(reference),
        };
        return layout.TryFind(d =>
            (d.Annotations is not null && d.Annotations.TryGetValue(DockerArchiveManifest.ContainerdImageName, out var name) && names.Contains(name))
            || (d.RefName is { } refName && names.Contains(refName)));
    }

    private static DockerArchiveManifest.Entry Select(IReadOnlyList<DockerArchiveManifest.Entry> entries, string? reference, string displayName)
    {
        string Available() => string.Join(", ", entries.Select((e, i) => e.RepoTags.Count > 0 ? string.Join(", ", e.RepoTags) : $"@{i}"));

        if (reference is null)
        {
            return entries.Count switch
            {
                1 => entries[0],
                0 => throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} holds no image (manifest.json is empty)."),
                _ => throw new ToolkitException(ErrorCodes.AmbiguousImage, $"{displayName} holds {entries.Count} images; name one with ':<repo:tag>' or ':@<n>'. Available: {Available()}."),
            };
        }

        if (reference.StartsWith('@') && int.TryParse(reference.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return position < entries.Count
                ? entries[position]
                : throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} has only {entries.Count} images (@0 to @{entries.Count - 1}).");
        }

        var wanted = DockerArchiveDestination.NormaliseRepoTag(reference);
        return entries.FirstOrDefault(e => e.RepoTags.Any(t => t == reference || DockerArchiveDestination.NormaliseRepoTag(t) == wanted || t == "docker.io/library/" + wanted || t == "docker.io/" + wanted))
            ?? throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} has no image tagged '{reference}'. Available: {Available()}.");
    }

    private static async Task<Descriptor> DescribeLayerAsync(TarArchiveIndex files, string path, CancellationToken cancellationToken)
    {
        var stream = await files.TryOpenAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(ErrorCodes.InvalidArchive, $"{files.DisplayName} names the layer '{path}' in manifest.json but has no such file.");
        await using (stream.ConfigureAwait(false))
        {
            var size = stream.Length;
            var head = new byte[4];
            var n = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var compression = LayerMagic.Detect(head.AsSpan(0, n));
            var mediaType = compression switch
            {
                LayerCompression.Gzip => MediaTypes.DockerLayerGzip,
                LayerCompression.Zstd => MediaTypes.OciLayerZstd,
                _ => MediaTypes.DockerLayerTar,
            };

            // Current Docker names layers by digest; that name is trusted here and checked when the layer is read.
            var name = path.Split('/');
            if (name.Length == 3 && name[0] == "blobs" && Digest.TryParse($"{name[1]}:{name[2]}", out var named))
            {
                return new Descriptor(mediaType, named, size);
            }

            using var hash = Digest.CreateHash(Digest.Sha256);
            hash.AppendData(head, 0, n);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return new Descriptor(mediaType, Digest.FromHash(Digest.Sha256, hash.GetHashAndReset()), size);
        }
    }

    // Read with JsonDocument: only os/architecture/variant are needed, and a config another tool wrote may not fit our model.
    private static Platform? TryPlatform(byte[] configBytes)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(configBytes);
            var root = document.RootElement;
            string? Text(string name)
                => root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty(name, out var value)
                   && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
            return Text("os") is { Length: > 0 } os && Text("architecture") is { Length: > 0 } architecture
                ? new Platform(os, architecture) { Variant = Text("variant") }
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
