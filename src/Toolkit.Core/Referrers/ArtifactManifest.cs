using Toolkit.Core.Oci;

namespace Toolkit.Core.Referrers;

/// <summary>
/// The OCI image manifest of an artifact attached to a subject (image spec 1.1): <c>artifactType</c>, the config (the empty
/// descriptor unless one is given), the layers, <c>subject</c> and annotations, written canonically. The same subject and
/// artifact always give the same bytes, so attaching twice gives one referrer.
/// </summary>
public sealed class ArtifactManifest
{
    private ArtifactManifest(Descriptor subject, ImageManifest manifest, byte[] content, IReadOnlyList<ArtifactBlob> blobs)
    {
        Subject = subject;
        Manifest = manifest;
        Content = content;
        Blobs = blobs;
        Descriptor = Descriptor.For(MediaTypes.OciManifest, content) with
        {
            ArtifactType = manifest.ArtifactType,
            Annotations = manifest.Annotations is null ? null : new SortedDictionary<string, string>(manifest.Annotations, StringComparer.Ordinal),
        };
    }

    /// <summary>The subject as the manifest names it: media type, digest and size only.</summary>
    public Descriptor Subject { get; }

    public ImageManifest Manifest { get; }

    /// <summary>The manifest's exact bytes.</summary>
    public byte[] Content { get; }

    /// <summary>The manifest's descriptor as referrer lists carry it: with <c>artifactType</c> and the manifest's annotations.</summary>
    public Descriptor Descriptor { get; }

    /// <summary>The blobs the manifest names (config first, then layers), each once.</summary>
    public IReadOnlyList<ArtifactBlob> Blobs { get; }

    /// <summary>Builds the manifest of <paramref name="artifact"/> with <paramref name="subject"/> as its subject; TK1100 for an invalid artifact.</summary>
    public static ArtifactManifest Create(Descriptor subject, Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(artifact);
        artifact.Validate();
        var config = artifact.Config ?? ArtifactBlob.Empty;
        IReadOnlyList<ArtifactBlob> layers = artifact.Layers.Count > 0 ? artifact.Layers : [ArtifactBlob.Empty];
        var subjectDescriptor = new Descriptor(subject.MediaType, subject.Digest, subject.Size);
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = MediaTypes.OciManifest,
            ArtifactType = artifact.ArtifactType,
            Config = config.Descriptor,
            Layers = [.. layers.Select(l => l.Descriptor)],
            Subject = subjectDescriptor,
            Annotations = ArtifactBlob.SortedOrNull(artifact.Annotations),
        };
        var blobs = new[] { config }.Concat(layers).DistinctBy(b => b.Descriptor.Digest).ToArray();
        return new ArtifactManifest(subjectDescriptor, manifest, OciJson.Serialize(manifest), blobs);
    }
}
