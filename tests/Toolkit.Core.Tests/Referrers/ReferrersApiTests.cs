using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Core.Tests.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Referrers;

/// <summary>
/// Referrers through the Referrers API: a <see cref="ReferrersApiProxy"/> in front of the real registry serves
/// <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c> and answers <c>OCI-Subject</c>, everything else is the registry's.
/// </summary>
public sealed class ReferrersApiTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private readonly ReferrersApiProxy _proxy = new(registry.BaseUri);
    private readonly RegistryClientFactory _factory = new(new RegistryClientOptions());

    public void Dispose()
    {
        _factory.Dispose();
        _proxy.Dispose();
    }

    /// <summary>The registry itself, not through the proxy.</summary>
    private IRegistryClient Direct => _factory.Create(registry.HostPort);

    private IRegistryClient ThroughProxy => _factory.Create(_proxy.HostPort);

    private async Task<(ImageLocation Location, Descriptor Subject)> PushSubjectAsync(string repository)
    {
        var (subject, _) = await RegistryClientTests.PushImageAsync(Direct, repository, "v1");
        return (ImageLocation.Parse($"{_proxy.HostPort}/{repository}:v1"), subject);
    }

    private static Artifact Bytes(string artifactType, string mediaType, string content) => new()
    {
        ArtifactType = artifactType,
        Layers = [ArtifactBlob.FromBytes(mediaType, Encoding.UTF8.GetBytes(content))],
    };

    private static Artifact Sbom(string content = "sbom") => Bytes(ArtifactManifestTests.SbomType, ArtifactManifestTests.SbomType, content);

    private static Artifact Signature(string content = "signature") => Bytes(ArtifactManifestTests.SignatureType, "application/jose+json", content);

    [Fact]
    public async Task An_attach_confirmed_with_OCI_Subject_writes_no_fallback_tag_and_the_listing_comes_from_the_API()
    {
        // Given an image behind a registry with the Referrers API
        var (location, subject) = await PushSubjectAsync("api/app");
        var referrers = new ImageReferrers(_factory);

        // When an SBOM is attached and the referrers listed
        var attached = await referrers.AttachAsync(location, Sbom(), CancellationToken.None);
        var listing = await referrers.ListAsync(location, null, CancellationToken.None);

        // Then the registry confirmed the subject, and the registry has no sha256-<hex> tag
        Assert.Equal(ReferrerIndexKind.ReferrersApi, attached.RecordedIn);
        Assert.Equal(1, _proxy.SubjectsConfirmed);
        var tag = Referrer.FallbackTag(subject.Digest);
        Assert.DoesNotContain(tag, await Direct.ListTagsAsync("api/app", CancellationToken.None));
        Assert.Null(await Direct.HeadManifestAsync("api/app", tag, [MediaTypes.OciIndex], CancellationToken.None));

        // And the listing asked the Referrers API, which gave the referrer with its artifact type
        Assert.Equal(ReferrerIndexKind.ReferrersApi, listing.Source);
        Assert.Contains(_proxy.ReferrersRequests, r => r.StartsWith($"/v2/api/app/referrers/{subject.Digest}", StringComparison.Ordinal));
        var referrer = Assert.Single(listing.Referrers);
        Assert.Equal(attached.Referrer.Digest, referrer.Digest);
        Assert.Equal(ArtifactManifestTests.SbomType, referrer.ArtifactType);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_artifact_type_filter_works_whether_or_not_the_registry_applies_it(bool registryFilters)
    {
        // Given an SBOM and a signature attached, and a registry that does or does not apply ?artifactType=
        var repository = $"filter/{(registryFilters ? "applied" : "ignored")}";
        var (location, subject) = await PushSubjectAsync(repository);
        var referrers = new ImageReferrers(_factory);
        await referrers.AttachAsync(location, Sbom(), CancellationToken.None);
        var signature = await referrers.AttachAsync(location, Signature(), CancellationToken.None);
        _proxy.ApplyArtifactTypeFilter = registryFilters;

        // When the signatures are listed, through the stage and through the client
        var listing = await referrers.ListAsync(location, ArtifactManifestTests.SignatureType, CancellationToken.None);
        var raw = await ThroughProxy.GetReferrersAsync(repository, subject.Digest, ArtifactManifestTests.SignatureType, CancellationToken.None);

        // Then only the signature comes back either way; the client knows whether the registry filtered (OCI-Filters-Applied)
        Assert.Equal(signature.Referrer.Digest, Assert.Single(listing.Referrers).Digest);
        Assert.Equal(signature.Referrer.Digest, Assert.Single(raw!.Manifests).Digest);
        Assert.Equal(registryFilters, raw.FilteredByRegistry);
        Assert.Contains(_proxy.ReferrersRequests, r => r.Contains("artifactType=application%2Fvnd.cncf.notary.signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pages_linked_with_Link_next_are_all_read()
    {
        // Given three referrers and a registry that lists one per page
        var (location, subject) = await PushSubjectAsync("pages/app");
        var referrers = new ImageReferrers(_factory);
        var attached = new List<Digest>();
        foreach (var content in new[] { "one", "two", "three" })
        {
            attached.Add((await referrers.AttachAsync(location, Sbom(content), CancellationToken.None)).Referrer.Digest);
        }

        _proxy.PageSize = 1;

        // When they are listed
        var listing = await referrers.ListAsync(location, null, CancellationToken.None);

        // Then every page was followed, in order
        Assert.Equal(attached, listing.Referrers.Select(r => r.Digest));
        Assert.Equal(3, _proxy.ReferrersRequests.Count(r => r.StartsWith($"/v2/pages/app/referrers/{subject.Digest}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_the_API_the_client_gets_null_from_the_registry_itself()
    {
        // Given the registry itself (no Referrers API: the route is unknown, 404)
        var (_, subject) = await PushSubjectAsync("direct/app");

        // When the referrers are asked for
        var answer = await Direct.GetReferrersAsync("direct/app", subject.Digest, null, CancellationToken.None);

        // Then the client says there is no API, rather than "none"
        Assert.Null(answer);
    }
}
