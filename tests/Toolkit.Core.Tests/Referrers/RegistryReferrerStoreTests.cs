using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Referrers;

/// <summary>The registry store against the in-memory registry: API or tag schema, merge rules, lost updates, bad tags.</summary>
public sealed class RegistryReferrerStoreTests
{
    private const string Repository = "team/app";
    private static readonly ReferrerOptions s_fast = new() { FallbackSettleDelay = TimeSpan.Zero, FallbackRetryBaseDelay = TimeSpan.Zero };

    private readonly InMemoryRegistry _registry = new();

    private RegistryReferrerStore Store(ReferrerOptions? options = null) => new(_registry.Client(), Repository, options ?? s_fast);

    private static ArtifactManifest Artifact(string type, string content, Descriptor? subject = null)
        => ArtifactManifest.Create(subject ?? ArtifactManifestTests.Subject, new Artifact
        {
            ArtifactType = type,
            Layers = [ArtifactBlob.FromBytes(type, System.Text.Encoding.UTF8.GetBytes(content))],
            Annotations = new Dictionary<string, string> { ["com.example.content"] = content },
        });

    /// <summary>Stores an artifact's blobs and manifest by digest, as another tool would, without recording it anywhere.</summary>
    private async Task<Descriptor> SeedAsync(string type, string content)
    {
        var other = Artifact(type, content);
        foreach (var blob in other.Blobs)
        {
            await using var stream = await blob.OpenAsync(CancellationToken.None);
            await _registry.Client().PushBlobAsync(Repository, blob.Descriptor, stream, new BlobUploadOptions(), null, CancellationToken.None);
        }

        await _registry.Client().PutManifestAsync(Repository, other.Descriptor.Digest.ToString(), other.Descriptor, other.Content, CancellationToken.None);
        return other.Descriptor;
    }

    private ImageIndex FallbackIndex()
        => OciJson.ParseIndex(_registry.Manifest(Repository, Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest))
            ?? throw new InvalidOperationException("There is no fallback tag."));

    [Fact]
    public async Task Without_the_API_an_attach_stores_blobs_and_manifest_and_lists_it_in_the_fallback_tag_index()
    {
        // Given a registry without the Referrers API
        var artifact = Artifact(ArtifactManifestTests.SbomType, "sbom");

        // When the artifact is attached
        var attached = await Store().AttachAsync(artifact, CancellationToken.None);

        // Then blobs and manifest are stored (manifest by digest), and the fallback index lists it with type and annotations
        Assert.Equal(ReferrerIndexKind.TagSchema, attached.RecordedIn);
        Assert.Equal(Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest), attached.FallbackTag);
        Assert.All(artifact.Blobs, b => Assert.True(_registry.HasBlob(Repository, b.Descriptor.Digest)));
        Assert.Equal(artifact.Content, _registry.Manifest(Repository, artifact.Descriptor.Digest.ToString()));
        var entry = Assert.Single(FallbackIndex().Manifests);
        Assert.Equal(artifact.Descriptor, entry);
        Assert.Equal(ArtifactManifestTests.SbomType, entry.ArtifactType);
        Assert.Equal("sbom", entry.Annotations!["com.example.content"]);
        Assert.Contains(_registry.Events, e => e is { Operation: "PutManifest" } && e.Reference == artifact.Descriptor.Digest.ToString());
    }

    [Fact]
    public async Task Entries_of_others_are_kept_and_attaching_the_same_artifact_again_adds_nothing()
    {
        // Given a fallback index another tool wrote, with an entry of its own (and its own index annotation)
        var foreign = await SeedAsync("application/vnd.example.other", "foreign");
        var existing = OciJson.Serialize(new ImageIndex
        {
            Manifests = [foreign],
            Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["com.example.writer"] = "other" },
        });
        await _registry.Client().PutManifestAsync(Repository, Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest), Descriptor.For(MediaTypes.OciIndex, existing), existing, CancellationToken.None);
        var artifact = Artifact(ArtifactManifestTests.SignatureType, "signature");

        // When the same artifact is attached twice
        await Store().AttachAsync(artifact, CancellationToken.None);
        var again = await Store().AttachAsync(artifact, CancellationToken.None);

        // Then the index holds the foreign entry first, ours once, and keeps its annotation
        var index = FallbackIndex();
        Assert.Equal([foreign.Digest, artifact.Descriptor.Digest], index.Manifests.Select(d => d.Digest));
        Assert.Equal("other", index.Annotations!["com.example.writer"]);
        Assert.Equal(1, again.FallbackAttempts);
    }

    [Fact]
    public async Task An_entry_dropped_by_a_concurrent_writer_is_merged_again_and_the_writers_entry_is_kept()
    {
        // Given a writer that read the tag before our write and writes its own index (without ours) just after it
        var tag = Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest);
        var theirs = await SeedAsync("application/vnd.example.theirs", "theirs");
        var stale = OciJson.Serialize(new ImageIndex { Manifests = [theirs] });
        var raced = 0;
        _registry.AfterManifestPut = async (repository, reference) =>
        {
            if (reference == tag && Interlocked.Increment(ref raced) == 1)
            {
                await _registry.Client().PutManifestAsync(repository, tag, Descriptor.For(MediaTypes.OciIndex, stale), stale, CancellationToken.None);
            }
        };
        var artifact = Artifact(ArtifactManifestTests.SbomType, "sbom");

        // When we attach
        var attached = await Store().AttachAsync(artifact, CancellationToken.None);

        // Then our check saw the loss, a second round merged both, and both survive
        Assert.Equal(2, attached.FallbackAttempts);
        Assert.Equal([theirs.Digest, artifact.Descriptor.Digest], FallbackIndex().Manifests.Select(d => d.Digest));
    }

    [Fact]
    public async Task A_tag_that_keeps_losing_our_entry_fails_with_TK1104_after_the_allowed_rounds()
    {
        // Given a writer that replaces the tag after every one of our writes
        var tag = Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest);
        var empty = OciJson.Serialize(new ImageIndex());
        var inside = new AsyncLocal<bool>();
        var replaced = 0;
        _registry.AfterManifestPut = async (repository, reference) =>
        {
            if (reference == tag && !inside.Value)
            {
                inside.Value = true;
                replaced++;
                await _registry.Client().PutManifestAsync(repository, tag, Descriptor.For(MediaTypes.OciIndex, empty), empty, CancellationToken.None);
            }
        };

        // When we attach with three rounds allowed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Store(s_fast with { MaxFallbackAttempts = 3 }).AttachAsync(Artifact(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None));

        // Then it gave up after three writes, saying the artifact itself is stored
        Assert.Equal(ErrorCodes.ReferrersIndexUpdateLost, error.ErrorCode);
        Assert.Equal(3, replaced);
        Assert.Contains(tag, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fallback_tag_holding_an_image_is_neither_read_nor_overwritten()
    {
        // Given the fallback tag names an image manifest
        var tag = Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest);
        var config = "{}"u8.ToArray();
        _registry.SeedBlob(Repository, config);
        var image = OciJson.Serialize(new ImageManifest { Config = Descriptor.For(MediaTypes.OciConfig, config), Layers = [] });
        await _registry.Client().PutManifestAsync(Repository, tag, Descriptor.For(MediaTypes.OciManifest, image), image, CancellationToken.None);

        // When we attach and list
        var attach = await Assert.ThrowsAsync<ToolkitException>(() => Store().AttachAsync(Artifact(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None));
        var list = await Assert.ThrowsAsync<ToolkitException>(() => Store().ListAsync(ArtifactManifestTests.Subject, null, CancellationToken.None));

        // Then both fail with TK1103 and the tag still names the image
        Assert.Equal(ErrorCodes.ReferrersTagNotAnIndex, attach.ErrorCode);
        Assert.Equal(ErrorCodes.ReferrersTagNotAnIndex, list.ErrorCode);
        Assert.Equal(image, _registry.Manifest(Repository, tag));
    }

    [Fact]
    public async Task Listing_without_the_API_reads_the_fallback_index_and_filters_by_artifact_type()
    {
        // Given an SBOM and a signature attached
        var sbom = Artifact(ArtifactManifestTests.SbomType, "sbom");
        var signature = Artifact(ArtifactManifestTests.SignatureType, "signature");
        await Store().AttachAsync(sbom, CancellationToken.None);
        await Store().AttachAsync(signature, CancellationToken.None);

        // When they are listed, all and by type
        var all = await Store().ListAsync(ArtifactManifestTests.Subject, null, CancellationToken.None);
        var signatures = await Store().ListAsync(ArtifactManifestTests.Subject, ArtifactManifestTests.SignatureType, CancellationToken.None);
        var none = await Store().ListAsync(new Descriptor(MediaTypes.OciManifest, Digest.Compute("other"u8), 1), null, CancellationToken.None);

        // Then
        Assert.Equal(ReferrerIndexKind.TagSchema, all.Source);
        Assert.Equal([sbom.Descriptor.Digest, signature.Descriptor.Digest], all.Referrers.Select(r => r.Digest));
        Assert.Equal(signature.Descriptor, Assert.Single(signatures.Referrers).Descriptor);
        Assert.Empty(none.Referrers);
    }

    [Fact]
    public async Task With_the_API_the_registry_confirms_the_subject_and_no_fallback_tag_is_written()
    {
        // Given a registry with the Referrers API
        _registry.SupportsReferrersApi = true;
        var artifact = Artifact(ArtifactManifestTests.SbomType, "sbom");

        // When the artifact is attached and listed
        var attached = await Store().AttachAsync(artifact, CancellationToken.None);
        var listing = await Store().ListAsync(ArtifactManifestTests.Subject, null, CancellationToken.None);

        // Then the API recorded it, no fallback tag exists, and the listing came from the API
        Assert.Equal(ReferrerIndexKind.ReferrersApi, attached.RecordedIn);
        Assert.Null(attached.FallbackTag);
        Assert.Null(_registry.Tag(Repository, Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest)));
        Assert.Equal(ReferrerIndexKind.ReferrersApi, listing.Source);
        Assert.Equal(artifact.Descriptor.Digest, Assert.Single(listing.Referrers).Digest);
    }

    [Fact]
    public async Task The_settle_wait_runs_on_the_injected_clock()
    {
        // Given a store whose settle delay is 5 s on a fake clock
        var clock = new FakeTimeProvider();
        var store = Store(s_fast with { FallbackSettleDelay = TimeSpan.FromSeconds(5), TimeProvider = clock });

        // When an attach starts
        var attach = store.AttachAsync(Artifact(ArtifactManifestTests.SbomType, "sbom"), CancellationToken.None);
        await WaitUntilAsync(() => _registry.Tag(Repository, Referrer.FallbackTag(ArtifactManifestTests.Subject.Digest)) is not null);

        // Then it waits for the clock before its check, and finishes once the clock has moved on
        await Task.Delay(50);
        Assert.False(attach.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await attach).FallbackAttempts);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not met within 10 s.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_referrer_refused_as_MANIFEST_BLOB_UNKNOWN_while_its_blobs_are_there_is_sent_again()
    {
        // Given a registry that answers the artifact's first manifest PUT with distribution's concurrent-push race
        var artifact = Artifact(ArtifactManifestTests.SbomType, "sbom");
        var refusals = 0;
        _registry.BeforeManifestPut = async (_, reference) =>
        {
            if (reference == artifact.Descriptor.Digest.ToString() && refusals++ == 0)
            {
                using var answer = new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest)
                {
                    Content = new StringContent("{\"errors\":[{\"code\":\"MANIFEST_BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}"),
                };
                throw await RegistryErrors.FromResponseAsync(_registry.Name, Repository, answer, CancellationToken.None);
            }
        };

        // When
        var attached = await Store().AttachAsync(artifact, CancellationToken.None);

        // Then the blobs were asked for again and the same PUT went through
        Assert.Equal(2, refusals);
        Assert.Equal(artifact.Content, _registry.Manifest(Repository, artifact.Descriptor.Digest.ToString()));
        Assert.Equal(artifact.Descriptor, Assert.Single(FallbackIndex().Manifests));
        Assert.Equal(ReferrerIndexKind.TagSchema, attached.RecordedIn);
    }
}
