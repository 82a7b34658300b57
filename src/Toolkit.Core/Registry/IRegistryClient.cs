using Toolkit.Core.Oci;

namespace Toolkit.Core.Registry;

/// <summary>A manifest or index as a registry returned it: the exact bytes and what the registry said they are.</summary>
public sealed record RegistryManifest(Descriptor Descriptor, byte[] Content);

/// <summary>What the registry said when it stored a manifest.</summary>
public sealed record ManifestPutResult
{
    /// <summary>
    /// The digest the registry answered in <c>OCI-Subject</c>: it processed the manifest's <c>subject</c>, so its Referrers API
    /// lists the manifest. Null when it did not answer one (no Referrers API, or no subject).
    /// </summary>
    public Digest? Subject { get; init; }
}

/// <summary>
/// What the Referrers API listed for a subject: descriptors of the manifests that name it, already filtered by artifact type
/// when one was asked for.
/// </summary>
/// <param name="Manifests">The referrers, with <c>artifactType</c> and the manifests' annotations, in the registry's order.</param>
/// <param name="FilteredByRegistry">Whether the registry said (<c>OCI-Filters-Applied: artifactType</c>) that it applied the filter itself.</param>
public sealed record RegistryReferrers(IReadOnlyList<Descriptor> Manifests, bool FilteredByRegistry);

/// <summary>How blobs are uploaded (sizes in bytes).</summary>
public sealed record BlobUploadOptions
{
    /// <summary>Blobs up to this size are read into memory and go in one request (POST + PUT); larger ones are PATCHed.</summary>
    public long MonolithicThreshold { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Null (the default): a larger blob is streamed from its source in one PATCH, as docker and skopeo do, so the
    /// registry receives it at the speed of the connection and keeps no intermediate state. A size: the blob goes in
    /// PATCHes of this many bytes, each read into memory first (raised to the registry's minimum,
    /// <c>OCI-Chunk-Min-Length</c>, when it says one), for registries or proxies that limit the size of a request.
    /// </summary>
    public int? ChunkSize { get; init; }
}

/// <summary>
/// The distribution-spec operations on one registry (host). Auth, retries, TLS and registry quirks live in
/// the HTTP handlers below it; callers see only blobs, manifests and tags. Errors are
/// <see cref="Diagnostics.ToolkitException"/>s with 1xxx codes that summarise the registry's own error.
/// </summary>
public interface IRegistryClient
{
    /// <summary>The registry as named in references, e.g. <c>ghcr.io</c> or <c>127.0.0.1:5000</c>.</summary>
    string Registry { get; }

    /// <summary><c>GET /v2/</c>: the registry answers and our credentials (if any) work.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>The manifest or index at a tag or digest, asking for every media type in <paramref name="accept"/>; null when not found.</summary>
    Task<RegistryManifest?> GetManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken);

    /// <summary>The descriptor of the manifest at a tag or digest (<c>HEAD</c>); null when not found.</summary>
    Task<Descriptor?> HeadManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a manifest under a tag or its digest; the registry's <c>Docker-Content-Digest</c>, when sent, must equal ours.
    /// The result says whether the registry processed the manifest's subject (<c>OCI-Subject</c>).
    /// </summary>
    Task<ManifestPutResult> PutManifestAsync(string repository, string reference, Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The size of a blob the repository has (<c>HEAD</c>); null when it has none.</summary>
    Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken);

    /// <summary>The raw blob stream (following redirects); the caller verifies it.</summary>
    Task<Stream> GetBlobAsync(string repository, Descriptor descriptor, CancellationToken cancellationToken);

    /// <summary>Mounts a blob from another repository of the same registry; false when the registry started an upload instead.</summary>
    Task<bool> TryMountBlobAsync(string repository, Digest digest, string fromRepository, CancellationToken cancellationToken);

    /// <summary>Uploads a blob (monolithic or chunked); <paramref name="progress"/> gets the bytes sent so far.</summary>
    Task PushBlobAsync(string repository, Descriptor descriptor, Stream content, BlobUploadOptions options, IProgress<long>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;[?artifactType=]</c>, following <c>Link</c> pagination: the manifests whose
    /// <c>subject</c> is <paramref name="subject"/>, only those of <paramref name="artifactType"/> when it is given (filtered here
    /// when the registry did not). Null when the registry has no Referrers API (it answered 404).
    /// </summary>
    Task<RegistryReferrers?> GetReferrersAsync(string repository, Digest subject, string? artifactType, CancellationToken cancellationToken);

    /// <summary>Every tag of the repository, following <c>Link</c> pagination.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken);
}
