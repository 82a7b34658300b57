using System.Collections.Concurrent;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Testing.Registry;

/// <summary>One request the in-memory registry served, in order, for tests of push order.</summary>
public sealed record RegistryEvent(string Operation, string Repository, string Reference);

/// <summary>
/// A registry in memory that behaves like the distribution registry where the push logic depends on it: blobs and
/// manifests per repository, digests verified on upload, a manifest refused while a blob or child it names is
/// missing (MANIFEST_BLOB_UNKNOWN), 404s as null, cross-repository mounts, tags. It records every write, counts
/// concurrent uploads, and can be told to fail or tamper, so tests can see what a client did.
/// </summary>
public sealed class InMemoryRegistry : IRegistryClientFactory
{
    private readonly ConcurrentDictionary<string, Repo> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RegistryEvent> _events = new();
    private int _uploadsInFlight;
    private int _maxUploadsInFlight;

    public InMemoryRegistry(string name = "registry.test")
    {
        Name = name;
    }

    public string Name { get; }

    /// <summary>Every write (blob upload, mount, manifest put), in the order the registry saw it.</summary>
    public IReadOnlyList<RegistryEvent> Events => [.. _events];

    /// <summary>The most blob uploads that were in progress at the same time.</summary>
    public int MaxConcurrentUploads => Volatile.Read(ref _maxUploadsInFlight);

    /// <summary>How long each blob upload takes (so concurrency shows).</summary>
    public TimeSpan UploadDelay { get; set; }

    /// <summary>Uploads of blobs for which this returns true fail like a broken connection.</summary>
    public Func<Digest, bool> FailUpload { get; set; } = _ => false;

    /// <summary>The upload options of the last blob upload.</summary>
    public BlobUploadOptions? LastUploadOptions { get; private set; }

    /// <summary>Manifest puts to references for which this returns true fail like a broken connection.</summary>
    public Func<string, bool> FailManifestPut { get; set; } = _ => false;

    /// <summary>Whether the registry honours cross-repository mount requests (some refuse and start an upload).</summary>
    public bool SupportsMount { get; set; } = true;

    /// <summary>
    /// Whether the registry has the Referrers API: it answers <c>OCI-Subject</c> to manifests with a subject and lists referrers.
    /// Off by default, like the distribution registry 2.8.
    /// </summary>
    public bool SupportsReferrersApi { get; set; }

    /// <summary>Runs after each manifest put is stored (repository, reference), e.g. to play a concurrent writer.</summary>
    public Func<string, string, Task>? AfterManifestPut { get; set; }

    /// <summary>Runs before a manifest put stores anything (repository, reference); what it throws is the put's answer, and nothing is stored.</summary>
    public Func<string, string, Task>? BeforeManifestPut { get; set; }

    /// <summary>Manifests the registry refused because content they name was missing (must stay empty).</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public IRegistryClient Create(string registry) => new MemoryClient(this, registry);

    /// <summary>The client for this registry.</summary>
    public IRegistryClient Client() => Create(Name);

    public bool HasBlob(string repository, Digest digest) => RepoOf(repository).Blobs.ContainsKey(digest);

    public byte[]? Manifest(string repository, string reference)
        => RepoOf(repository).Manifests.TryGetValue(Resolve(repository, reference) ?? string.Empty, out var m) ? m.Content : null;

    public Digest? Tag(string repository, string tag) => RepoOf(repository).Tags.TryGetValue(tag, out var d) ? d : null;

    /// <summary>Stores a blob directly (e.g. an image that is already there).</summary>
    public void SeedBlob(string repository, byte[] content) => RepoOf(repository).Blobs[Digest.Compute(content)] = content;

    /// <summary>Serves <paramref name="content"/> as the blob <paramref name="digest"/> (a corrupt store or a hostile proxy).</summary>
    public void TamperBlob(string repository, Digest digest, byte[] content) => RepoOf(repository).Blobs[digest] = content;

    /// <summary>Answers <paramref name="reference"/> with <paramref name="content"/> while claiming <paramref name="claimed"/>.</summary>
    public void Tamper(string repository, string reference, Descriptor claimed, byte[] content)
    {
        var repo = RepoOf(repository);
        repo.Manifests[claimed.Digest.ToString()] = new RegistryManifest(claimed, content);
        if (!Digest.TryParse(reference, out _))
        {
            repo.Tags[reference] = claimed.Digest;
        }
    }

    /// <summary>Every manifest in the registry names only content the repository has.</summary>
    public IReadOnlyList<string> DanglingReferences()
    {
        var dangling = new List<string>();
        foreach (var (name, repo) in _repositories)
        {
            foreach (var (digest, manifest) in repo.Manifests)
            {
                dangling.AddRange(MissingChildren(repo, manifest.Descriptor.MediaType, manifest.Content).Select(c => $"{name}@{digest} -> {c}"));
            }
        }

        return dangling;
    }

    private Repo RepoOf(string repository) => _repositories.GetOrAdd(repository, _ => new Repo());

    private string? Resolve(string repository, string reference)
        => Digest.TryParse(reference, out _) ? reference : RepoOf(repository).Tags.TryGetValue(reference, out var d) ? d.ToString() : null;

    private static IEnumerable<Digest> MissingChildren(Repo repo, string mediaType, byte[] content)
    {
        if (MediaTypes.IsIndex(mediaType))
        {
            return OciJson.ParseIndex(content).Manifests.Select(m => m.Digest).Where(d => !repo.Manifests.ContainsKey(d.ToString()));
        }

        var manifest = OciJson.ParseManifest(content);
        return new[] { manifest.Config }.Concat(manifest.Layers).Where(l => l.Urls is null).Select(l => l.Digest).Where(d => !repo.Blobs.ContainsKey(d));
    }

    private sealed class Repo
    {
        public ConcurrentDictionary<Digest, byte[]> Blobs { get; } = new();

        public ConcurrentDictionary<string, RegistryManifest> Manifests { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, Digest> Tags { get; } = new(StringComparer.Ordinal);
    }

    private sealed class MemoryClient(InMemoryRegistry registry, string name) : IRegistryClient
    {
        public string Registry => name;

        public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<RegistryManifest?> GetManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken)
        {
            var key = registry.Resolve(repository, reference);
            return Task.FromResult(key is not null && registry.RepoOf(repository).Manifests.TryGetValue(key, out var m) ? m : null);
        }

        public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken)
            => (await GetManifestAsync(repository, reference, accept, cancellationToken))?.Descriptor;

        public async Task<ManifestPutResult> PutManifestAsync(string repository, string reference, Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            if (registry.BeforeManifestPut is { } before)
            {
                await before(repository, reference);
            }

            var subject = Store(repository, reference, descriptor, content);
            if (registry.AfterManifestPut is { } after)
            {
                await after(repository, reference);
            }

            return new ManifestPutResult { Subject = registry.SupportsReferrersApi ? subject : null };
        }

        public Task<RegistryReferrers?> GetReferrersAsync(string repository, Digest subject, string? artifactType, CancellationToken cancellationToken)
        {
            if (!registry.SupportsReferrersApi)
            {
                return Task.FromResult<RegistryReferrers?>(null);
            }

            var referrers = new List<Descriptor>();
            foreach (var manifest in registry.RepoOf(repository).Manifests.Values.OrderBy(m => m.Descriptor.Digest.ToString(), StringComparer.Ordinal))
            {
                if (!MediaTypes.IsManifest(manifest.Descriptor.MediaType))
                {
                    continue;
                }

                var parsed = OciJson.ParseManifest(manifest.Content);
                var type = parsed.ArtifactType ?? parsed.Config.MediaType;
                if (parsed.Subject?.Digest == subject && (artifactType is null || type == artifactType))
                {
                    referrers.Add(manifest.Descriptor with { ArtifactType = type, Annotations = parsed.Annotations });
                }
            }

            return Task.FromResult<RegistryReferrers?>(new RegistryReferrers(referrers, artifactType is not null));
        }

        private Digest? Store(string repository, string reference, Descriptor descriptor, ReadOnlyMemory<byte> content)
        {
            if (registry.FailManifestPut(reference))
            {
                throw new IOException($"Connection reset while putting manifest {reference}.");
            }

            var bytes = content.ToArray();
            var actual = Digest.Compute(bytes);
            if (actual != descriptor.Digest || (Digest.TryParse(reference, out var named) && named != actual))
            {
                throw new ToolkitException(ErrorCodes.DigestMismatch, $"DIGEST_INVALID: {reference} is {actual}");
            }

            var repo = registry.RepoOf(repository);
            var missing = MissingChildren(repo, descriptor.MediaType, bytes).ToArray();
            if (missing.Length > 0)
            {
                var violation = $"MANIFEST_BLOB_UNKNOWN: {repository}@{actual} names {string.Join(", ", missing)}";
                registry.Violations.Enqueue(violation);
                throw new InvalidOperationException(violation);
            }

            registry._events.Enqueue(new RegistryEvent(Digest.TryParse(reference, out _) ? "PutManifest" : "PutTag", repository, reference));
            repo.Manifests[actual.ToString()] = new RegistryManifest(descriptor with { Platform = null, Annotations = null, ArtifactType = null }, bytes);
            if (!Digest.TryParse(reference, out _))
            {
                repo.Tags[reference] = actual;
            }

            return MediaTypes.IsManifest(descriptor.MediaType) ? OciJson.ParseManifest(bytes).Subject?.Digest : OciJson.ParseIndex(bytes).Subject?.Digest;
        }

        public Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken)
            => Task.FromResult(registry.RepoOf(repository).Blobs.TryGetValue(digest, out var blob) ? (long?)blob.Length : null);

        public Task<Stream> GetBlobAsync(string repository, Descriptor descriptor, CancellationToken cancellationToken)
            => registry.RepoOf(repository).Blobs.TryGetValue(descriptor.Digest, out var blob)
                ? Task.FromResult<Stream>(new MemoryStream(blob, writable: false))
                : throw new ToolkitException(ErrorCodes.BlobNotFound, $"BLOB_UNKNOWN: {repository}@{descriptor.Digest}");

        public Task<bool> TryMountBlobAsync(string repository, Digest digest, string fromRepository, CancellationToken cancellationToken)
        {
            if (!registry.SupportsMount || !registry.RepoOf(fromRepository).Blobs.TryGetValue(digest, out var blob))
            {
                return Task.FromResult(false);
            }

            registry._events.Enqueue(new RegistryEvent("Mount", repository, digest.ToString()));
            registry.RepoOf(repository).Blobs[digest] = blob;
            return Task.FromResult(true);
        }

        public async Task PushBlobAsync(
            string repository, Descriptor descriptor, Stream content, BlobUploadOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
        {
            registry.LastUploadOptions = options;
            var inFlight = Interlocked.Increment(ref registry._uploadsInFlight);
            try
            {
                var max = Volatile.Read(ref registry._maxUploadsInFlight);
                while (inFlight > max && Interlocked.CompareExchange(ref registry._maxUploadsInFlight, inFlight, max) != max)
                {
                    max = Volatile.Read(ref registry._maxUploadsInFlight);
                }

                var buffer = new MemoryStream();
                await content.CopyToAsync(buffer, cancellationToken);
                if (registry.UploadDelay > TimeSpan.Zero)
                {
                    await Task.Delay(registry.UploadDelay, cancellationToken);
                }

                if (registry.FailUpload(descriptor.Digest))
                {
                    throw new IOException($"Connection reset while uploading {descriptor.Digest}.");
                }

                var bytes = buffer.ToArray();
                if (Digest.Compute(bytes) != descriptor.Digest || bytes.Length != descriptor.Size)
                {
                    throw new ToolkitException(ErrorCodes.DigestMismatch, $"DIGEST_INVALID: upload of {descriptor.Digest}");
                }

                registry._events.Enqueue(new RegistryEvent("PutBlob", repository, descriptor.Digest.ToString()));
                registry.RepoOf(repository).Blobs[descriptor.Digest] = bytes;
                progress?.Report(bytes.Length);
            }
            finally
            {
                Interlocked.Decrement(ref registry._uploadsInFlight);
            }
        }

        public Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken)
            => Task.FromResult<IReadOnlyList<string>>([.. registry.RepoOf(repository).Tags.Keys.Order(StringComparer.Ordinal)]);
    }
}
