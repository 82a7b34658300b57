using System.Globalization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>A manifest or index after conversion: its descriptor (new media type, digest and size), its bytes, and what was left out.</summary>
public sealed record ConvertedDocument(Descriptor Descriptor, byte[] Content, IReadOnlyList<string> LeftOut);

/// <summary>
/// Rewrites manifests and indexes between OCI and Docker schema 2. Only the documents change: configs and layers
/// keep their bytes and digests, their descriptors only get the other format's media types. A document already in
/// the target format is returned as it is, byte for byte; a rewritten one is canonical JSON (<see cref="OciJson"/>),
/// so the same input always gives the same digest.
/// </summary>
/// <remarks>
/// OCI can hold everything Docker schema 2 can. The other way, what Docker schema 2 cannot express is either refused
/// or left out, so that nothing is silently changed in meaning:
/// <list type="bullet">
/// <item>zstd layers: refused (TK2100); Docker has no zstd layer type.</item>
/// <item><c>artifactType</c>, <c>subject</c>, a config that is not an image config, or a layer that is not a tar
/// layer: refused (TK2101); the content is an artifact or a referrer, and as a Docker image it would mean something else.</item>
/// <item>an index entry that is itself an index: refused (TK2101); a manifest list names image manifests only.</item>
/// <item>an index entry without a platform: refused (TK2102); Docker manifest list entries need one.</item>
/// <item>annotations (of manifests, indexes, and the descriptors in them): left out, reported (TK2103 warning).
/// They describe the image; nothing reads them to run it.</item>
/// <item>attestation manifests in an index (annotated <c>vnd.docker.reference.type: attestation-manifest</c>, as
/// BuildKit writes them): left out with their entry, reported; as manifest list entries they would look like
/// images of an <c>unknown/unknown</c> platform, and their in-toto layers have no Docker type.</item>
/// </list>
/// </remarks>
public static class ImageFormatConverter
{
    /// <summary>BuildKit's annotation that marks an index entry as something other than an image.</summary>
    public const string DockerReferenceType = "vnd.docker.reference.type";

    /// <summary>The value of <see cref="DockerReferenceType"/> for an attestation manifest.</summary>
    public const string AttestationManifest = "attestation-manifest";

    /// <summary>Converts an image manifest (OCI or Docker) to <paramref name="target"/>.</summary>
    public static ConvertedDocument ConvertManifest(Descriptor descriptor, byte[] content, ImageFormat target)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        if (descriptor.MediaType == target.ManifestMediaType())
        {
            return new ConvertedDocument(descriptor, content, []);
        }

        if (!MediaTypes.IsManifest(descriptor.MediaType))
        {
            throw new ToolkitException(
                ErrorCodes.UnsupportedMediaType,
                $"{descriptor.Digest} has media type '{descriptor.MediaType}', which is not an image manifest, so it cannot be converted to {target.DisplayName()}.");
        }

        var manifest = OciJson.ParseManifest(content);
        var leftOut = new List<string>();
        var converted = target == ImageFormat.Docker ? ToDocker(descriptor.Digest, manifest, leftOut) : ToOci(manifest);
        var bytes = OciJson.Serialize(converted);
        return new ConvertedDocument(Describe(descriptor, converted.MediaType!, bytes), bytes, leftOut);
    }

    /// <summary>Whether an index entry is left out of an index converted to <paramref name="target"/> (and so is not converted itself).</summary>
    public static bool IsLeftOut(Descriptor entry, ImageFormat target)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return target == ImageFormat.Docker
               && entry.Annotations is not null
               && entry.Annotations.TryGetValue(DockerReferenceType, out var type)
               && type == AttestationManifest;
    }

    /// <summary>
    /// Converts an index (OCI index or Docker manifest list) to <paramref name="target"/>, naming its entries by what they
    /// became: <paramref name="children"/> maps each entry's original digest to its converted descriptor (entries that
    /// <see cref="IsLeftOut"/> need none). An index in the target format whose children did not change is returned as it is.
    /// </summary>
    public static ConvertedDocument ConvertIndex(Descriptor descriptor, byte[] content, ImageFormat target, IReadOnlyDictionary<Digest, Descriptor> children)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(children);
        if (!MediaTypes.IsIndex(descriptor.MediaType))
        {
            throw new ToolkitException(
                ErrorCodes.UnsupportedMediaType,
                $"{descriptor.Digest} has media type '{descriptor.MediaType}', which is not an image index, so it cannot be converted to {target.DisplayName()}.");
        }

        var index = OciJson.ParseIndex(content);
        var leftOut = new List<string>();
        var entries = new List<Descriptor>();
        var changed = descriptor.MediaType != target.IndexMediaType();
        if (target == ImageFormat.Docker)
        {
            RefuseWhatDockerCannotHold(descriptor.Digest, "index", index.ArtifactType, index.Subject);
        }

        foreach (var entry in index.Manifests)
        {
            if (IsLeftOut(entry, target))
            {
                leftOut.Add($"the attestation manifest {entry.Digest}");
                changed = true;
                continue;
            }

            if (!children.TryGetValue(entry.Digest, out var child))
            {
                throw new ArgumentException($"No converted descriptor was given for {entry.Digest}.", nameof(children));
            }

            changed |= child.Digest != entry.Digest || child.MediaType != entry.MediaType || child.Size != entry.Size;
            var renamed = entry with { MediaType = child.MediaType, Digest = child.Digest, Size = child.Size };
            entries.Add(target == ImageFormat.Docker ? ToDockerEntry(descriptor.Digest, renamed, leftOut) : renamed);
        }

        if (!changed)
        {
            return new ConvertedDocument(descriptor, content, []);
        }

        ImageIndex converted;
        if (target == ImageFormat.Docker)
        {
            NoteAnnotations(leftOut, "its annotations", index.Annotations);
            converted = new ImageIndex { SchemaVersion = 2, MediaType = MediaTypes.DockerManifestList, Manifests = entries };
        }
        else
        {
            converted = index with { SchemaVersion = 2, MediaType = MediaTypes.OciIndex, Manifests = entries };
        }

        var bytes = OciJson.Serialize(converted);
        return new ConvertedDocument(Describe(descriptor, converted.MediaType!, bytes), bytes, leftOut);
    }

    /// <summary>The OCI media type of a layer (Docker types mapped; any other type kept, as OCI allows any layer type).</summary>
    public static string OciLayerMediaType(string mediaType) => mediaType switch
    {
        MediaTypes.DockerLayerGzip => MediaTypes.OciLayerGzip,
        MediaTypes.DockerLayerTar => MediaTypes.OciLayer,
        MediaTypes.DockerLayerForeignGzip => MediaTypes.OciLayerNondistributableGzip,
        MediaTypes.DockerLayerForeignTar => MediaTypes.OciLayerNondistributable,
        _ => mediaType,
    };

    private static ImageManifest ToOci(ImageManifest manifest) => manifest with
    {
        SchemaVersion = 2,
        MediaType = MediaTypes.OciManifest,
        Config = manifest.Config.MediaType == MediaTypes.DockerConfig ? manifest.Config with { MediaType = MediaTypes.OciConfig } : manifest.Config,
        Layers = [.. manifest.Layers.Select(l => l with { MediaType = OciLayerMediaType(l.MediaType) })],
    };

    private static ImageManifest ToDocker(Digest digest, ImageManifest manifest, List<string> leftOut)
    {
        RefuseWhatDockerCannotHold(digest, "manifest", manifest.ArtifactType, manifest.Subject);
        if (manifest.Config.MediaType is not (MediaTypes.OciConfig or MediaTypes.DockerConfig))
        {
            throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The manifest {digest} has a config of type '{manifest.Config.MediaType}', not an image config: it is an artifact, and Docker schema 2 "
                + "holds only container images. Push it without --format docker (as OCI).");
        }

        var zstd = manifest.Layers.Where(l => l.MediaType is MediaTypes.OciLayerZstd or MediaTypes.OciLayerNondistributableZstd).ToList();
        if (zstd.Count > 0)
        {
            throw new ToolkitException(
                ErrorCodes.ZstdLayerInDockerFormat,
                $"The manifest {digest} has {zstd.Count} zstd-compressed layer(s) ({zstd[0].Digest}{(zstd.Count > 1 ? ", ..." : string.Empty)}), and Docker schema 2 "
                + "has no zstd layer type. Build the image with gzip layers (--compression gzip, ToolkitLayerCompression=gzip), or push it as OCI.");
        }

        var layers = new List<Descriptor>();
        var droppedFromDescriptors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var layer in manifest.Layers)
        {
            var mediaType = DockerLayerMediaType(layer.MediaType) ?? throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The manifest {digest} has a layer {layer.Digest} of type '{layer.MediaType}', which is not a tar layer and has no Docker schema 2 type. "
                + "Push it without --format docker (as OCI).");
            layers.Add(DockerDescriptor(layer, mediaType, droppedFromDescriptors));
        }

        var config = DockerDescriptor(manifest.Config, MediaTypes.DockerConfig, droppedFromDescriptors);
        NoteAnnotations(leftOut, "its annotations", manifest.Annotations);
        if (droppedFromDescriptors.Count > 0)
        {
            leftOut.Add($"the {string.Join(" and ", droppedFromDescriptors)} of its config and layer descriptors");
        }

        return new ImageManifest { SchemaVersion = 2, MediaType = MediaTypes.DockerManifest, Config = config, Layers = layers };
    }

    private static Descriptor ToDockerEntry(Digest index, Descriptor entry, List<string> leftOut)
    {
        if (MediaTypes.IsIndex(entry.MediaType))
        {
            throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The index {index} names another index ({entry.Digest}); a Docker manifest list names image manifests only. Push it without --format docker (as OCI).");
        }

        if (!MediaTypes.IsManifest(entry.MediaType))
        {
            throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The index {index} names {entry.Digest} of type '{entry.MediaType}', which is not an image manifest; a Docker manifest list names image manifests only. "
                + "Push it without --format docker (as OCI).");
        }

        if (entry.Platform is null)
        {
            throw new ToolkitException(
                ErrorCodes.ManifestListEntryWithoutPlatform,
                $"The index {index} names the image {entry.Digest} without a platform, and every entry of a Docker manifest list needs one. "
                + "Push that image on its own (name it by digest), or push the index as OCI.");
        }

        var dropped = new SortedSet<string>(StringComparer.Ordinal);
        var converted = DockerDescriptor(entry, entry.MediaType, dropped) with { Platform = entry.Platform };
        if (dropped.Count > 0)
        {
            leftOut.Add(string.Create(CultureInfo.InvariantCulture, $"the {string.Join(" and ", dropped)} of its entry {entry.Digest} ({entry.Platform})"));
        }

        return converted;
    }

    /// <summary>A descriptor with only what Docker schema 2 descriptors have: media type, size, digest and URLs.</summary>
    private static Descriptor DockerDescriptor(Descriptor descriptor, string mediaType, SortedSet<string> dropped)
    {
        if (descriptor.Annotations is { Count: > 0 })
        {
            dropped.Add("annotations");
        }

        if (descriptor.ArtifactType is not null)
        {
            dropped.Add("artifactType");
        }

        // An embedded copy of the content (data) says nothing the blob does not: dropping it loses nothing.
        return new Descriptor(mediaType, descriptor.Digest, descriptor.Size) { Urls = descriptor.Urls is { Count: > 0 } ? descriptor.Urls : null };
    }

    private static string? DockerLayerMediaType(string mediaType) => mediaType switch
    {
        MediaTypes.OciLayer => MediaTypes.DockerLayerTar,
        MediaTypes.OciLayerGzip => MediaTypes.DockerLayerGzip,
        MediaTypes.OciLayerNondistributable => MediaTypes.DockerLayerForeignTar,
        MediaTypes.OciLayerNondistributableGzip => MediaTypes.DockerLayerForeignGzip,
        MediaTypes.DockerLayerTar or MediaTypes.DockerLayerGzip or MediaTypes.DockerLayerForeignTar or MediaTypes.DockerLayerForeignGzip => mediaType,
        _ => null,
    };

    private static void RefuseWhatDockerCannotHold(Digest digest, string what, string? artifactType, Descriptor? subject)
    {
        if (artifactType is not null)
        {
            throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The {what} {digest} is an artifact (artifactType '{artifactType}'), and Docker schema 2 holds only container images. Push it without --format docker (as OCI).");
        }

        if (subject is not null)
        {
            throw new ToolkitException(
                ErrorCodes.NotExpressibleInDockerFormat,
                $"The {what} {digest} refers to {subject.Digest} as its subject (it is a signature, SBOM or other referrer), and Docker schema 2 has no subject: "
                + "without it, it would no longer be attached to that image. Push it without --format docker (as OCI).");
        }
    }

    private static void NoteAnnotations(List<string> leftOut, string what, SortedDictionary<string, string>? annotations)
    {
        if (annotations is { Count: > 0 })
        {
            leftOut.Add($"{what} ({string.Join(", ", annotations.Keys)})");
        }
    }

    private static Descriptor Describe(Descriptor original, string mediaType, byte[] content)
        => original with { MediaType = mediaType, Digest = Digest.Compute(content), Size = content.Length };
}
