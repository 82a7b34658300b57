using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Referrers;

/// <summary>
/// A manifest that names a subject (an SBOM, a signature, an attestation), as referrer lists describe it: its descriptor, with
/// the <c>artifactType</c> and the annotations of the manifest.
/// </summary>
public sealed record Referrer(Descriptor Descriptor)
{
    private static readonly SortedDictionary<string, string> s_none = new(StringComparer.Ordinal);

    public Digest Digest => Descriptor.Digest;

    public string? ArtifactType => Descriptor.ArtifactType;

    public IReadOnlyDictionary<string, string> Annotations => Descriptor.Annotations ?? s_none;

    /// <summary>
    /// The tag of the referrers tag schema for a subject, <c>&lt;alg&gt;-&lt;hex&gt;</c>: what a registry without the Referrers API
    /// keeps the subject's referrer index under. The hex part is cut to 64 characters (a tag has at most 128).
    /// </summary>
    public static string FallbackTag(Digest subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var algorithm = subject.Algorithm.Length > 32 ? subject.Algorithm[..32] : subject.Algorithm;
        var encoded = subject.Encoded.Length > 64 ? subject.Encoded[..64] : subject.Encoded;
        return $"{algorithm}-{encoded}";
    }
}

/// <summary>Where a store keeps the list of a subject's referrers.</summary>
public enum ReferrerIndexKind
{
    /// <summary>The registry's Referrers API (it confirmed the subject with <c>OCI-Subject</c>, or answered the listing).</summary>
    ReferrersApi,

    /// <summary>The referrers tag schema: an image index under the tag <c>&lt;alg&gt;-&lt;hex&gt;</c> of the subject's digest.</summary>
    TagSchema,

    /// <summary>An OCI image layout: the manifests of its <c>index.json</c> whose subject is the image.</summary>
    OciLayout,
}

/// <summary>What an attach did.</summary>
public sealed record AttachedReferrer
{
    /// <summary>The image's location, as given.</summary>
    public required string Location { get; init; }

    /// <summary>The image the referrer names.</summary>
    public required Descriptor Subject { get; init; }

    /// <summary>The referrer's manifest descriptor, with <c>artifactType</c> and annotations.</summary>
    public required Referrer Referrer { get; init; }

    /// <summary>How the referrer was recorded for listing.</summary>
    public required ReferrerIndexKind RecordedIn { get; init; }

    /// <summary>The tag of the referrers tag schema that was updated, when it was.</summary>
    public string? FallbackTag { get; init; }

    /// <summary>How many read-merge-write rounds the fallback tag took (0 when it was not used).</summary>
    public int FallbackAttempts { get; init; }
}

/// <summary>The referrers of one subject.</summary>
public sealed record ReferrerListing
{
    /// <summary>The image's location, as given.</summary>
    public required string Location { get; init; }

    public required Descriptor Subject { get; init; }

    /// <summary>The artifact type asked for, or null for all.</summary>
    public string? ArtifactType { get; init; }

    /// <summary>The referrers, each once, in the order the list holds them.</summary>
    public required IReadOnlyList<Referrer> Referrers { get; init; }

    /// <summary>Where they were listed from.</summary>
    public required ReferrerIndexKind Source { get; init; }
}

/// <summary>Options of attaching and listing.</summary>
public sealed record ReferrerOptions
{
    /// <summary>How blobs are uploaded to a registry.</summary>
    public BlobUploadOptions Upload { get; init; } = new();

    /// <summary>Read-merge-write rounds on the fallback tag before giving up (TK1104).</summary>
    public int MaxFallbackAttempts { get; init; } = 12;

    /// <summary>
    /// How long after writing the fallback tag it is read again to check the entry survived. A concurrent writer that read the
    /// tag before our write and writes after it drops our entry; this wait is how long such a writer has to show itself, so it
    /// must exceed a registry round trip by a margin.
    /// </summary>
    public TimeSpan FallbackSettleDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The first wait before another round (doubled per round, with jitter, at most 10 s).</summary>
    public TimeSpan FallbackRetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>Where referrers are attached and listed: a registry repository, or an OCI image layout.</summary>
public interface IReferrerStore
{
    /// <summary>The location, for messages.</summary>
    string DisplayName { get; }

    /// <summary>Stores the artifact's blobs and manifest and records it as a referrer of its subject.</summary>
    Task<AttachedReferrer> AttachAsync(ArtifactManifest artifact, CancellationToken cancellationToken);

    /// <summary>The referrers of <paramref name="subject"/>, only those of <paramref name="artifactType"/> when it is given.</summary>
    Task<ReferrerListing> ListAsync(Descriptor subject, string? artifactType, CancellationToken cancellationToken);
}
