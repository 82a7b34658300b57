using System.Text.Json;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Reads an OCI image layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>) from a directory or an archive,
/// and resolves the image a reference names: an <c>org.opencontainers.image.ref.name</c>, a digest, or the only
/// entry when no reference is given.
/// </summary>
internal sealed class OciLayoutReader
{
    public const string LayoutFileName = "oci-layout";
    public const string IndexFileName = "index.json";
    private const long MaxSmallFileSize = 4 * 1024 * 1024;

    private readonly ILayoutFiles _files;

    private OciLayoutReader(ILayoutFiles files, ImageIndex index)
    {
        _files = files;
        Index = index;
    }

    public ImageIndex Index { get; }

    public static async Task<bool> IsLayoutAsync(ILayoutFiles files, CancellationToken cancellationToken)
        => await files.GetLengthAsync(IndexFileName, cancellationToken).ConfigureAwait(false) is not null
           && await files.GetLengthAsync(LayoutFileName, cancellationToken).ConfigureAwait(false) is not null;

    public static async Task<OciLayoutReader> OpenAsync(ILayoutFiles files, CancellationToken cancellationToken)
    {
        var layout = await ReadSmallFileAsync(files, LayoutFileName, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(
                ErrorCodes.InvalidImageLayout,
                $"{files.DisplayName} has no '{LayoutFileName}' file, so it is not an OCI image layout.");
        CheckLayoutVersion(files, layout);

        var indexBytes = await ReadSmallFileAsync(files, IndexFileName, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(
                ErrorCodes.InvalidImageLayout,
                $"{files.DisplayName} has no '{IndexFileName}', so it is not an OCI image layout.");
        ImageIndex index;
        try
        {
            index = OciJson.ParseIndex(indexBytes);
        }
        catch (ToolkitException e)
        {
            throw new ToolkitException(ErrorCodes.InvalidImageLayout, $"The {IndexFileName} of {files.DisplayName} is invalid: {e.Message}", e);
        }

        return new OciLayoutReader(files, index);
    }

    /// <summary>The descriptor a reference names; null reference means the only image.</summary>
    public Descriptor Resolve(string? reference, string displayName)
    {
        if (reference is null)
        {
            return Index.Manifests.Count switch
            {
                1 => Index.Manifests[0],
                0 => throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} holds no image (its {IndexFileName} lists none)."),
                _ => throw new ToolkitException(
                    ErrorCodes.AmbiguousImage,
                    $"{displayName} holds {Index.Manifests.Count} images; name one with ':<ref>'. Available: {DescribeEntries()}."),
            };
        }

        if (TryParseDigestReference(reference, out var digest))
        {
            return Index.Manifests.FirstOrDefault(d => d.Digest == digest)
                ?? throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} has no image {digest} in its {IndexFileName}. Available: {DescribeEntries()}.");
        }

        var matches = Index.Manifests.Where(d => d.RefName == reference).ToList();
        return matches.Count switch
        {
            0 => throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} has no image named '{reference}'. Available: {DescribeEntries()}."),
            _ => matches[^1],
        };
    }

    /// <summary>
    /// The descriptor a reference names, like <see cref="Resolve"/>; with no reference, entries that are referrers (manifests
    /// with a <c>subject</c>: signatures, SBOMs attached to the image) do not count, so an image with its referrers is still
    /// the only image.
    /// </summary>
    public async Task<Descriptor> ResolveAsync(string? reference, string displayName, CancellationToken cancellationToken)
    {
        if (reference is not null || Index.Manifests.Count <= 1)
        {
            return Resolve(reference, displayName);
        }

        var images = new List<Descriptor>();
        foreach (var entry in Index.Manifests)
        {
            if (!await IsReferrerAsync(entry, cancellationToken).ConfigureAwait(false))
            {
                images.Add(entry);
            }
        }

        return images.Count switch
        {
            1 => images[0],
            0 => throw new ToolkitException(ErrorCodes.ImageNotFound, $"{displayName} holds only referrers (artifacts attached to images), no image."),
            _ => throw new ToolkitException(
                ErrorCodes.AmbiguousImage,
                $"{displayName} holds {images.Count} images; name one with ':<ref>'. Available: {DescribeEntries(images)}."),
        };
    }

    private async Task<bool> IsReferrerAsync(Descriptor entry, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadReferrerAsync(entry, cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (ToolkitException)
        {
            // A missing or unreadable entry is not known to be a referrer; it counts as an image, as it did before referrers.
            return false;
        }
    }

    /// <summary>
    /// When <paramref name="entry"/> is a manifest or index with a <c>subject</c>: that subject, and the entry described as
    /// referrer lists describe it (<c>artifactType</c>, else the config's media type; the manifest's annotations). Else null.
    /// </summary>
    public async Task<(Descriptor Subject, Descriptor Referrer)?> ReadReferrerAsync(Descriptor entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if ((!MediaTypes.IsManifest(entry.MediaType) && !MediaTypes.IsIndex(entry.MediaType)) || entry.Size > MaxSmallFileSize)
        {
            return null;
        }

        var probe = OciJson.Probe(await ReadContentAsync(entry, cancellationToken).ConfigureAwait(false));
        return probe.Subject is { } subject
            ? (subject, new Descriptor(entry.MediaType, entry.Digest, entry.Size) { ArtifactType = probe.EffectiveArtifactType, Annotations = probe.Annotations })
            : null;
    }

    /// <summary>Finds an entry matching any of the names (used for archives that name images several ways).</summary>
    public Descriptor? TryFind(Func<Descriptor, bool> predicate) => Index.Manifests.LastOrDefault(predicate);

    public async Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var stream = await OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ContentStore.ReadVerifiedAsync(stream, descriptor, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var path = BlobPath(descriptor.Digest);
        var stream = await _files.TryOpenAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new ToolkitException(
                ErrorCodes.BlobNotFound,
                $"Blob {descriptor.Digest} ({descriptor.MediaType}, {descriptor.Size} bytes) is not in {_files.DisplayName}. "
                + "The layout is incomplete; copy the image again from its source.");
        return new VerifyingReadStream(stream, descriptor, $"Blob {path} of {_files.DisplayName}");
    }

    public static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Encoded}";

    internal static bool TryParseDigestReference(string reference, out Digest digest)
        => Digest.TryParse(reference.StartsWith('@') ? reference[1..] : reference, out digest!);

    internal static async Task<byte[]?> ReadSmallFileAsync(ILayoutFiles files, string path, CancellationToken cancellationToken)
    {
        var length = await files.GetLengthAsync(path, cancellationToken).ConfigureAwait(false);
        if (length is null)
        {
            return null;
        }

        if (length > MaxSmallFileSize)
        {
            throw new ToolkitException(ErrorCodes.InvalidImageLayout, $"'{path}' in {files.DisplayName} is {length} bytes, larger than the {MaxSmallFileSize} allowed.");
        }

        var stream = await files.TryOpenAsync(path, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[length.Value];
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
    }

    private static void CheckLayoutVersion(ILayoutFiles files, byte[] layout)
    {
        string? version = null;
        try
        {
            using var document = JsonDocument.Parse(layout);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("imageLayoutVersion", out var value)
                && value.ValueKind == JsonValueKind.String)
            {
                version = value.GetString();
            }
        }
        catch (JsonException e)
        {
            throw new ToolkitException(ErrorCodes.InvalidImageLayout, $"The '{LayoutFileName}' file of {files.DisplayName} is not JSON: {e.Message}", e);
        }

        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidImageLayout,
                $"{files.DisplayName} has image layout version '{version ?? "(none)"}'; only 1.x layouts are supported.");
        }
    }

    private string DescribeEntries() => DescribeEntries(Index.Manifests);

    private static string DescribeEntries(IReadOnlyList<Descriptor> entries)
        => entries.Count == 0
            ? "(none)"
            : string.Join(", ", entries.Select(d => d.RefName is { } name ? $"{name} ({d.Digest})" : d.Digest.ToString()));
}
