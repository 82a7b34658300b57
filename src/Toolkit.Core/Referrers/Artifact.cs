using System.Text.RegularExpressions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Referrers;

/// <summary>
/// What to attach to an image: an artifact type (e.g. <c>application/spdx+json</c>, <c>application/vnd.cncf.notary.signature</c>),
/// its blobs and annotations. <see cref="ArtifactManifest.Create"/> turns it into the manifest that names the image as its subject.
/// </summary>
public sealed record Artifact
{
    /// <summary>The artifact's type, an RFC 6838 media type; it becomes the manifest's <c>artifactType</c>.</summary>
    public required string ArtifactType { get; init; }

    /// <summary>The artifact's content, one layer each, in this order. None: the empty descriptor stands in (a manifest has at least one layer).</summary>
    public IReadOnlyList<ArtifactBlob> Layers { get; init; } = [];

    /// <summary>The config blob; null for the empty config (<c>application/vnd.oci.empty.v1+json</c>, <c>{}</c>).</summary>
    public ArtifactBlob? Config { get; init; }

    /// <summary>Manifest annotations (e.g. <c>org.opencontainers.image.created</c>); the referrer lists carry them too.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Fails with TK1100 when the artifact type, a blob's media type or an annotation key is not acceptable.</summary>
    public void Validate()
    {
        MediaTypeRules.Check(ArtifactType, "artifact type");
        foreach (var blob in Layers.Append(Config).OfType<ArtifactBlob>())
        {
            MediaTypeRules.Check(blob.Descriptor.MediaType, $"media type of {blob.Name}");
        }

        foreach (var key in Annotations?.Keys ?? [])
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new ToolkitException(ErrorCodes.InvalidArtifactType, "An annotation of the artifact has an empty key; write KEY=VALUE.");
            }
        }
    }
}

/// <summary>One blob of an artifact (a layer or its config): its descriptor, and where its bytes come from.</summary>
public sealed class ArtifactBlob
{
    private static readonly byte[] s_emptyJson = "{}"u8.ToArray();

    private readonly byte[]? _content;
    private readonly string? _path;

    private ArtifactBlob(Descriptor descriptor, string name, byte[]? content, string? path)
    {
        Descriptor = descriptor;
        Name = name;
        _content = content;
        _path = path;
    }

    /// <summary>
    /// The empty JSON object <c>{}</c> as <c>application/vnd.oci.empty.v1+json</c>, with its bytes embedded (<c>data: e30=</c>):
    /// the config of an artifact that has none, and the one layer of an artifact without content (image spec 1.1).
    /// </summary>
    public static ArtifactBlob Empty { get; } = new(
        Descriptor.For(MediaTypes.OciEmpty, s_emptyJson) with { Data = s_emptyJson },
        "the empty descriptor",
        s_emptyJson,
        null);

    /// <summary>The descriptor the manifest names it by.</summary>
    public Descriptor Descriptor { get; }

    /// <summary>What it is, for messages: a file path, or its media type.</summary>
    public string Name { get; }

    /// <summary>A blob from bytes in memory.</summary>
    public static ArtifactBlob FromBytes(string mediaType, ReadOnlySpan<byte> content, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        var descriptor = Descriptor.For(mediaType, content) with { Annotations = SortedOrNull(annotations) };
        return new ArtifactBlob(descriptor, mediaType, content.ToArray(), null);
    }

    /// <summary>
    /// A blob from a file, hashed now and read again when it is stored (where its digest is checked once more). Its file name
    /// becomes the <c>org.opencontainers.image.title</c> annotation, so readers can restore it under its name.
    /// </summary>
    public static async Task<ArtifactBlob> FromFileAsync(string path, string mediaType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"The artifact file {path} does not exist. Check the path given with --file.");
        }

        try
        {
            var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                var digest = await Digest.ComputeAsync(stream, Digest.Sha256, cancellationToken).ConfigureAwait(false);
                var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.Title] = System.IO.Path.GetFileName(full) };
                return new ArtifactBlob(new Descriptor(mediaType, digest, stream.Length) { Annotations = annotations }, path, null, full);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"The artifact file {path} cannot be read: {exception.Message}", exception);
        }
    }

    /// <summary>The media type a file gets when none is given.</summary>
    public const string DefaultFileMediaType = "application/octet-stream";

    /// <summary>
    /// Splits <c>&lt;path&gt;[:&lt;mediaType&gt;]</c> (the command line's <c>--file</c>): the text after the last ':' is the media
    /// type when it has a '/', so <c>C:\sbom.json</c> stays a path; without one the type is <see cref="DefaultFileMediaType"/>.
    /// </summary>
    public static (string Path, string MediaType) ParseFileSpec(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var colon = spec.LastIndexOf(':');
        if (colon > 0 && spec[(colon + 1)..].Contains('/', StringComparison.Ordinal))
        {
            var mediaType = spec[(colon + 1)..];
            MediaTypeRules.Check(mediaType, $"media type of {spec[..colon]}");
            return (spec[..colon], mediaType);
        }

        if (spec.Length == 0 || colon == spec.Length - 1)
        {
            throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"'{spec}' names no file; write <path>[:<mediaType>], e.g. sbom.spdx.json:application/spdx+json.");
        }

        return (spec, DefaultFileMediaType);
    }

    /// <summary>A blob from <c>&lt;path&gt;[:&lt;mediaType&gt;]</c> (see <see cref="ParseFileSpec"/>).</summary>
    public static Task<ArtifactBlob> FromFileSpecAsync(string spec, CancellationToken cancellationToken)
    {
        var (path, mediaType) = ParseFileSpec(spec);
        return FromFileAsync(path, mediaType, cancellationToken);
    }

    /// <summary>Opens the bytes; whoever stores them checks them against <see cref="Descriptor"/>.</summary>
    public Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_content is not null)
        {
            return Task.FromResult<Stream>(new MemoryStream(_content, writable: false));
        }

        try
        {
            return Task.FromResult<Stream>(new FileStream(_path!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"The artifact file {Name} cannot be read any more: {exception.Message}", exception);
        }
    }

    internal static SortedDictionary<string, string>? SortedOrNull(IReadOnlyDictionary<string, string>? map)
        => map is null || map.Count == 0 ? null : new SortedDictionary<string, string>(map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}

/// <summary>The media type grammar of the OCI descriptor schema (RFC 6838 names, no parameters).</summary>
internal static partial class MediaTypeRules
{
    public static void Check(string? value, string what)
    {
        if (string.IsNullOrEmpty(value) || !Pattern().IsMatch(value))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidArtifactType,
                $"The {what} '{Shown(value)}' is not a media type: write type/subtype (letters, digits and !#$&^_.+-, at most 127 characters each), "
                + "without parameters such as ';charset=', e.g. application/spdx+json.");
        }
    }

    private static string Shown(string? value) => value is null ? string.Empty : Registry.RegistryErrors.Trim(value);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
