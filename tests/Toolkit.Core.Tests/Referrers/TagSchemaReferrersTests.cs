using Toolkit.Core.Oci;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;
using Xunit.Abstractions;

namespace Toolkit.Core.Tests.Referrers;

/// <summary>
/// Referrers on the real distribution registry 2.8, which has no Referrers API: attaching writes the referrers tag schema's
/// index, listing reads it, and concurrent attaches from separate clients all end up in it.
/// </summary>
public sealed class TagSchemaReferrersTests(DistributionRegistryFixture registry, ITestOutputHelper output) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    // A local registry answers in milliseconds; a settle wait of 300 ms is far longer than any writer's read-to-write gap.
    private static readonly ReferrerOptions s_options = new() { FallbackSettleDelay = TimeSpan.FromMilliseconds(300), FallbackRetryBaseDelay = TimeSpan.FromMilliseconds(50) };

    private readonly TemporaryDirectory _temp = new("tk-referrers");
    private readonly RegistryClientFactory _factory = new(new RegistryClientOptions());

    public void Dispose()
    {
        _factory.Dispose();
        _temp.Dispose();
    }

    private IRegistryClient Client => _factory.Create(registry.HostPort);

    private async Task<(ImageLocation Location, Descriptor Subject)> PushSubjectAsync(string repository)
    {
        var (subject, _) = await RegistryClientTests.PushImageAsync(Client, repository, "v1");
        return (ImageLocation.Parse($"{registry.HostPort}/{repository}:v1"), subject);
    }

    private async Task<Artifact> FileArtifactAsync(string artifactType, string fileName, string mediaType, string content)
    {
        var path = _temp.Combine(fileName);
        await File.WriteAllTextAsync(path, content);
        return new Artifact
        {
            ArtifactType = artifactType,
            Layers = [await ArtifactBlob.FromFileAsync(path, mediaType, CancellationToken.None)],
            Annotations = new Dictionary<string, string> { [AnnotationKeys.Created] = "2024-05-06T07:08:09Z" },
        };
    }

    private Task<Artifact> SbomAsync() => FileArtifactAsync(
        ArtifactManifestTests.SbomType, "sbom.spdx.json", ArtifactManifestTests.SbomType, """{"spdxVersion":"SPDX-2.3","name":"app"}""");

    private Task<Artifact> SignatureAsync() => FileArtifactAsync(
        ArtifactManifestTests.SignatureType, "signature.jws", "application/jose+json", """{"payload":"e30","protected":"e30","signature":"c2ln"}""");

    [Fact]
    public async Task An_SBOM_and_a_signature_are_attached_through_the_tag_schema_and_listed_with_and_without_a_filter()
    {
        // Given an image in a registry without the Referrers API
        var (location, subject) = await PushSubjectAsync("attach/app");
        var referrers = new ImageReferrers(_factory, options: s_options);

        // When an SBOM file and a signature file are attached
        var sbom = await referrers.AttachAsync(location, await SbomAsync(), CancellationToken.None);
        var signature = await referrers.AttachAsync(location, await SignatureAsync(), CancellationToken.None);

        // Then both went to the fallback tag of the subject's digest, which the registry now has
        Assert.Equal(subject.Digest, sbom.Subject.Digest);
        Assert.All(new[] { sbom, signature }, a => Assert.Equal(ReferrerIndexKind.TagSchema, a.RecordedIn));
        Assert.Contains(Referrer.FallbackTag(subject.Digest), await Client.ListTagsAsync("attach/app", CancellationToken.None));

        // When they are listed, all and by type
        var all = await referrers.ListAsync(location, null, CancellationToken.None);
        var signatures = await referrers.ListAsync(location, ArtifactManifestTests.SignatureType, CancellationToken.None);
        var sboms = await referrers.ListAsync(location, ArtifactManifestTests.SbomType, CancellationToken.None);

        // Then the tag schema gave both with their types and annotations, or just the one asked for
        Assert.Equal(ReferrerIndexKind.TagSchema, all.Source);
        Assert.Equal([sbom.Referrer.Digest, signature.Referrer.Digest], all.Referrers.Select(r => r.Digest));
        Assert.Equal([ArtifactManifestTests.SbomType, ArtifactManifestTests.SignatureType], all.Referrers.Select(r => r.ArtifactType));
        Assert.All(all.Referrers, r => Assert.Equal("2024-05-06T07:08:09Z", r.Annotations[AnnotationKeys.Created]));
        Assert.Equal(signature.Referrer.Digest, Assert.Single(signatures.Referrers).Digest);
        Assert.Equal(sbom.Referrer.Digest, Assert.Single(sboms.Referrers).Digest);
    }

    [Fact]
    public async Task The_artifact_manifests_in_the_registry_are_valid_OCI_manifests_and_skopeo_reads_them_by_digest()
    {
        // Given an SBOM and a signature attached to an image
        var (location, subject) = await PushSubjectAsync("schema/app");
        var referrers = new ImageReferrers(_factory, options: s_options);
        var attached = new[]
        {
            await referrers.AttachAsync(location, await SbomAsync(), CancellationToken.None),
            await referrers.AttachAsync(location, await SignatureAsync(), CancellationToken.None),
        };

        foreach (var referrer in attached.Select(a => a.Referrer))
        {
            // When each is read back from the registry, and by skopeo, by digest
            var stored = await Client.GetManifestAsync("schema/app", referrer.Digest.ToString(), [MediaTypes.OciManifest], CancellationToken.None);
            var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/schema/app@{referrer.Digest}"]);

            // Then it validates against the OCI image-manifest schema, names the subject, and skopeo got the same bytes
            Assert.NotNull(stored);
            OciSchemas.AssertValidManifest(stored.Content);
            Assert.Equal(subject.Digest, OciJson.ParseManifest(stored.Content).Subject!.Digest);
            Assert.Equal(stored.Content, raw.StandardOutputBytes);
        }

        // And the fallback index is a valid OCI index, read by skopeo through its tag
        var index = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/schema/app:{Referrer.FallbackTag(subject.Digest)}"]);
        OciSchemas.AssertValidIndex(index.StandardOutputBytes);
        Assert.Equal(attached.Select(a => a.Referrer.Digest), OciJson.ParseIndex(index.StandardOutputBytes).Manifests.Select(d => d.Digest));
    }

    [Fact]
    public async Task Eight_concurrent_attaches_from_separate_clients_all_end_up_in_the_fallback_index()
    {
        // Given an image, and eight writers each with their own client (own connections, own auth state)
        const int Writers = 8;
        var (location, subject) = await PushSubjectAsync("concurrent/app");
        var artifacts = new List<Artifact>();
        for (var i = 0; i < Writers; i++)
        {
            artifacts.Add(await FileArtifactAsync("application/vnd.example.attestation", $"attestation-{i}.json", "application/vnd.in-toto+json", $$"""{"writer":{{i}}}"""));
        }

        var factories = Enumerable.Range(0, Writers).Select(_ => new RegistryClientFactory(new RegistryClientOptions())).ToArray();
        try
        {
            // When all attach to the same subject at the same time
            using var start = new ManualResetEventSlim();
            var attaches = artifacts.Select((artifact, i) => Task.Run(async () =>
            {
                start.Wait();
                return await new ImageReferrers(factories[i], options: s_options).AttachAsync(location, artifact, CancellationToken.None);
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(attaches);
            output.WriteLine($"rounds per writer: {string.Join(", ", results.Select(r => r.FallbackAttempts))}");

            // Then every writer's referrer is in the fallback index, each once, and listing finds all of them
            var index = await Client.GetManifestAsync("concurrent/app", Referrer.FallbackTag(subject.Digest), [MediaTypes.OciIndex], CancellationToken.None);
            var digests = OciJson.ParseIndex(index!.Content).Manifests.Select(d => d.Digest).ToList();
            Assert.Equal(results.Select(r => r.Referrer.Digest).Order(), digests.Order());
            var listing = await new ImageReferrers(_factory, options: s_options).ListAsync(location, null, CancellationToken.None);
            Assert.Equal(Writers, listing.Referrers.Count);
        }
        finally
        {
            foreach (var factory in factories)
            {
                factory.Dispose();
            }
        }
    }
}
