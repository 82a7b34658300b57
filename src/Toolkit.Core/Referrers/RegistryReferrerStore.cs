using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Core.Referrers;

/// <summary>
/// Referrers in a registry repository (distribution spec 1.1). Attaching pushes the blobs, then the manifest by digest; when
/// the registry does not confirm the subject (<c>OCI-Subject</c>), the referrers tag schema's index is updated. Listing asks the
/// Referrers API and falls back to that index when the registry has no API.
/// </summary>
/// <remarks>
/// The fallback index is read, merged (entries deduplicated by digest, others' entries kept) and written back. Registries
/// have no conditional writes, so two writers can each write an index that lacks the other's entry. Every write is therefore
/// checked by reading the tag again after <see cref="ReferrerOptions.FallbackSettleDelay"/>, and the round repeated, after a
/// jittered backoff, until our entry is there; a writer that read before our write must write within the settle delay to drop
/// our entry unseen, and then it is its own check that fails and it that writes again, with ours merged in.
/// </remarks>
public sealed class RegistryReferrerStore : IReferrerStore
{
    private static readonly string[] s_indexAccept = [MediaTypes.OciIndex];

    private readonly IRegistryClient _client;
    private readonly ReferrerOptions _options;
    private readonly ILogger _logger;
    private readonly Func<double> _random;

    public RegistryReferrerStore(IRegistryClient client, string repository, ReferrerOptions? options = null, ILogger<RegistryReferrerStore>? logger = null, Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(repository);
        _client = client;
        Repository = repository;
        _options = options ?? new ReferrerOptions();
        _logger = logger ?? NullLogger<RegistryReferrerStore>.Instance;
        _random = random ?? Random.Shared.NextDouble;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFallbackAttempts, 1);
    }

    public string Repository { get; }

    public string DisplayName => $"{_client.Registry}/{Repository}";

    public async Task<AttachedReferrer> AttachAsync(ArtifactManifest artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        foreach (var blob in artifact.Blobs)
        {
            if (await _client.HeadBlobAsync(Repository, blob.Descriptor.Digest, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            var stream = await blob.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await _client.PushBlobAsync(Repository, blob.Descriptor, stream, _options.Upload, progress: null, cancellationToken).ConfigureAwait(false);
            }
        }

        var manifest = artifact.Descriptor with { ArtifactType = null, Annotations = null };
        var put = await ManifestPut.PutConfirmingChildrenAsync(
            _client,
            Repository,
            DisplayName,
            manifest.Digest.ToString(),
            manifest,
            artifact.Content,
            ManifestPut.Retry.Default with { TimeProvider = _options.TimeProvider },
            _logger,
            cancellationToken).ConfigureAwait(false);
        var referrer = new Referrer(artifact.Descriptor);
        if (put.Subject == artifact.Subject.Digest)
        {
            _logger.LogInformation("Attached {Referrer} ({ArtifactType}) to {Subject} in {Repository}; the registry's Referrers API lists it.", referrer.Digest, referrer.ArtifactType, artifact.Subject.Digest, DisplayName);
            return new AttachedReferrer { Location = DisplayName, Subject = artifact.Subject, Referrer = referrer, RecordedIn = ReferrerIndexKind.ReferrersApi };
        }

        if (put.Subject is { } other)
        {
            _logger.LogWarning("The registry answered OCI-Subject {Other} for a manifest whose subject is {Subject}; the referrers tag is updated as well.", other, artifact.Subject.Digest);
        }

        var tag = Referrer.FallbackTag(artifact.Subject.Digest);
        var attempts = await AddToFallbackIndexAsync(artifact.Subject.Digest, artifact.Descriptor, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Attached {Referrer} ({ArtifactType}) to {Subject} in {Repository}; the registry has no Referrers API, so the tag {Tag} lists it.", referrer.Digest, referrer.ArtifactType, artifact.Subject.Digest, DisplayName, tag);
        return new AttachedReferrer
        {
            Location = DisplayName,
            Subject = artifact.Subject,
            Referrer = referrer,
            RecordedIn = ReferrerIndexKind.TagSchema,
            FallbackTag = tag,
            FallbackAttempts = attempts,
        };
    }

    public async Task<ReferrerListing> ListAsync(Descriptor subject, string? artifactType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (artifactType is not null)
        {
            MediaTypeRules.Check(artifactType, "artifact type");
        }

        IReadOnlyList<Descriptor> found;
        ReferrerIndexKind source;
        var api = await _client.GetReferrersAsync(Repository, subject.Digest, artifactType, cancellationToken).ConfigureAwait(false);
        if (api is not null)
        {
            found = api.Manifests;
            source = ReferrerIndexKind.ReferrersApi;
        }
        else
        {
            var index = await ReadFallbackIndexAsync(subject.Digest, cancellationToken).ConfigureAwait(false);
            found = [.. (index?.Manifests ?? []).Where(d => artifactType is null || d.ArtifactType == artifactType)];
            source = ReferrerIndexKind.TagSchema;
        }

        return new ReferrerListing
        {
            Location = DisplayName,
            Subject = subject,
            ArtifactType = artifactType,
            Referrers = [.. found.DistinctBy(d => d.Digest).Select(d => new Referrer(d))],
            Source = source,
        };
    }

    /// <summary>Read, merge, write, wait, read again: until our entry survives; returns the number of rounds.</summary>
    private async Task<int> AddToFallbackIndexAsync(Digest subject, Descriptor entry, CancellationToken cancellationToken)
    {
        var tag = Referrer.FallbackTag(subject);
        for (var attempt = 1; attempt <= _options.MaxFallbackAttempts; attempt++)
        {
            var current = await ReadFallbackIndexAsync(subject, cancellationToken).ConfigureAwait(false);
            if (Contains(current, entry.Digest))
            {
                if (attempt == 1)
                {
                    _logger.LogDebug("{Tag} in {Repository} already lists {Digest}.", tag, DisplayName, entry.Digest);
                    return attempt;
                }
            }
            else
            {
                var merged = Merge(current, entry);
                var content = OciJson.Serialize(merged);
                await _client.PutManifestAsync(Repository, tag, Descriptor.For(MediaTypes.OciIndex, content), content, cancellationToken).ConfigureAwait(false);
            }

            await DelayAsync(_options.FallbackSettleDelay, cancellationToken).ConfigureAwait(false);
            if (Contains(await ReadFallbackIndexAsync(subject, cancellationToken).ConfigureAwait(false), entry.Digest))
            {
                return attempt;
            }

            var backoff = TimeSpan.FromMilliseconds(
                Math.Min(10_000, _options.FallbackRetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)) * (0.5 + (_random() / 2)));
            _logger.LogDebug(
                "A concurrent writer replaced {Tag} in {Repository} without {Digest} (round {Attempt} of {Max}); merging again in {Delay} ms.",
                tag, DisplayName, entry.Digest, attempt, _options.MaxFallbackAttempts, (int)backoff.TotalMilliseconds);
            await DelayAsync(backoff, cancellationToken).ConfigureAwait(false);
        }

        throw new ToolkitException(
            ErrorCodes.ReferrersIndexUpdateLost,
            $"The referrers tag {tag} in {DisplayName} was replaced by other writers {_options.MaxFallbackAttempts} times without {entry.Digest}, so it does not list it. "
            + "The artifact itself is stored; attach it again when fewer writers are at work (it is found and merged again).");
    }

    /// <summary>The fallback index of <paramref name="subject"/>, or null when there is none; TK1103 when its tag holds something else.</summary>
    private async Task<ImageIndex?> ReadFallbackIndexAsync(Digest subject, CancellationToken cancellationToken)
    {
        var tag = Referrer.FallbackTag(subject);
        var manifest = await _client.GetManifestAsync(Repository, tag, s_indexAccept, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            return null;
        }

        ImageIndex? index = null;
        if (manifest.Descriptor.MediaType == MediaTypes.OciIndex)
        {
            try
            {
                index = OciJson.ParseIndex(manifest.Content);
            }
            catch (ToolkitException)
            {
                index = null;
            }
        }

        return index is { MediaType: null or MediaTypes.OciIndex }
            ? index
            : throw new ToolkitException(
                ErrorCodes.ReferrersTagNotAnIndex,
                $"The tag {tag} in {DisplayName}, where the referrers tag schema keeps the referrers of {subject}, holds a '{manifest.Descriptor.MediaType}' "
                + "that is not an OCI image index, so it is left alone. Remove or rename that tag, then attach again.");
    }

    private static bool Contains(ImageIndex? index, Digest digest) => index?.Manifests.Any(d => d.Digest == digest) == true;

    /// <summary>The index with <paramref name="entry"/> appended; other entries keep their order, each digest once.</summary>
    internal static ImageIndex Merge(ImageIndex? current, Descriptor entry) => new()
    {
        SchemaVersion = 2,
        MediaType = MediaTypes.OciIndex,
        Manifests = [.. (current?.Manifests ?? []).Append(entry).DistinctBy(d => d.Digest)],
        Annotations = current?.Annotations,
    };

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
        => delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _options.TimeProvider, cancellationToken);
}
