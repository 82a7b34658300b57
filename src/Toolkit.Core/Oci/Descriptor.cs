using System.Text.Json.Serialization;

namespace Toolkit.Core.Oci;

/// <summary>An OCI content descriptor: what a piece of content is, its digest and its size.</summary>
public sealed record Descriptor
{
    public Descriptor(string mediaType, Digest digest, long size)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        MediaType = mediaType;
        Digest = digest;
        Size = size;
    }

    [JsonPropertyName("mediaType")]
    public string MediaType { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("digest")]
    public Digest Digest { get; init; }

    [JsonPropertyName("size")]
    public long Size { get; init; }

    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    public SortedDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("data")]
    public byte[]? Data { get; init; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    /// <summary>Describes <paramref name="content"/> with a sha256 digest.</summary>
    public static Descriptor For(string mediaType, ReadOnlySpan<byte> content)
        => new(mediaType, Digest.Compute(content), content.Length);

    /// <summary>The value of the <c>org.opencontainers.image.ref.name</c> annotation, if any.</summary>
    [JsonIgnore]
    public string? RefName
        => Annotations is not null && Annotations.TryGetValue(AnnotationKeys.RefName, out var name) ? name : null;

    public bool Equals(Descriptor? other)
        => other is not null && MediaType == other.MediaType && Digest == other.Digest && Size == other.Size
           && ArtifactType == other.ArtifactType && Equals(Platform, other.Platform)
           && OciEquality.Maps(Annotations, other.Annotations)
           && OciEquality.Lists(Urls, other.Urls) && OciEquality.Bytes(Data, other.Data);

    public override int GetHashCode() => HashCode.Combine(MediaType, Digest, Size);
}
