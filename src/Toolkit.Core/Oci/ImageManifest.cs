using System.Text.Json.Serialization;

namespace Toolkit.Core.Oci;

/// <summary>
/// An image manifest (OCI image manifest v1 or Docker v2 schema 2). This is a view of the JSON: the bytes
/// that were read are kept by whoever read them, so a copy never re-serialises and digests never change.
/// </summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; } = MediaTypes.OciManifest;

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    [JsonPropertyName("layers")]
    public IReadOnlyList<Descriptor> Layers { get; init; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public SortedDictionary<string, string>? Annotations { get; init; }

    public bool Equals(ImageManifest? other)
        => other is not null && SchemaVersion == other.SchemaVersion && MediaType == other.MediaType
           && ArtifactType == other.ArtifactType && Config.Equals(other.Config) && OciEquality.Lists(Layers, other.Layers)
           && Equals(Subject, other.Subject) && OciEquality.Maps(Annotations, other.Annotations);

    public override int GetHashCode() => HashCode.Combine(MediaType, Config, Layers.Count, Subject);
}

/// <summary>An image index (OCI image index v1 or Docker manifest list).</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; } = MediaTypes.OciIndex;

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor> Manifests { get; init; } = [];

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public SortedDictionary<string, string>? Annotations { get; init; }

    public bool Equals(ImageIndex? other)
        => other is not null && SchemaVersion == other.SchemaVersion && MediaType == other.MediaType
           && ArtifactType == other.ArtifactType && OciEquality.Lists(Manifests, other.Manifests)
           && Equals(Subject, other.Subject) && OciEquality.Maps(Annotations, other.Annotations);

    public override int GetHashCode() => HashCode.Combine(MediaType, Manifests.Count, Manifests.Count > 0 ? Manifests[0] : null, Subject);
}

/// <summary>
/// Just enough of a manifest or index to tell which one it is, for content whose media type is not
/// known in advance (an OCI layout's <c>index.json</c> entry, a registry response).
/// </summary>
internal sealed record ManifestProbe
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; }

    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public Descriptor? Config { get; init; }

    [JsonPropertyName("manifests")]
    public IReadOnlyList<Descriptor>? Manifests { get; init; }

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public SortedDictionary<string, string>? Annotations { get; init; }

    /// <summary>
    /// The artifact type a referrer list gives this manifest or index: its <c>artifactType</c>, else (manifests only) its
    /// config's media type (distribution spec, listing referrers).
    /// </summary>
    [JsonIgnore]
    public string? EffectiveArtifactType => ArtifactType ?? (Manifests is null ? Config?.MediaType : null);
}
