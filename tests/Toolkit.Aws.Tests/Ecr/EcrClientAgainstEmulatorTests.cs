using Microsoft.Extensions.Time.Testing;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Every operation of our <see cref="EcrClient"/> against a running <see cref="EcrEmulator"/> (its endpoint as the custom
/// endpoint URL, static credentials registered there, every request SigV4-verified and checked against the model),
/// checking the values that come back. The emulator's clock is a fake one started near the real time, so the
/// timestamps it writes (epoch seconds with milliseconds) are known to the millisecond.
/// </summary>
public sealed class EcrClientAgainstEmulatorTests : IDisposable
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciConfig = "application/vnd.oci.image.config.v1+json";
    private const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) + 123);

    private readonly FakeTimeProvider _clock = new(s_start);
    private readonly EmulatedEcr _ecr;

    public EcrClientAgainstEmulatorTests()
    {
        _ecr = new EmulatedEcr(new EcrEmulatorOptions { TimeProvider = _clock });
    }

    private EcrClient Client => _ecr.Client;

    private EcrEmulator Emulator => _ecr.Emulator;

    private string Arn(string repository) => $"arn:aws:ecr:us-east-1:{Emulator.AccountId}:repository/{repository}";

    public void Dispose() => _ecr.Dispose();

    private Task<CreateRepositoryResponse> CreateAsync(string name)
        => Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = name }, CancellationToken.None);

    private async Task<Repository> DescribeAsync(string name)
        => Assert.Single((await Client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = [name] }, CancellationToken.None)).Repositories!);

    [Fact]
    public async Task GetAuthorizationToken_gives_a_registry_password_the_data_plane_accepts_for_12_hours()
    {
        var response = await Client.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest(), CancellationToken.None);
        var forAccount = await Client.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest { RegistryIds = [Emulator.AccountId] }, CancellationToken.None);

        foreach (var data in new[] { Assert.Single(response.AuthorizationData!), Assert.Single(forAccount.AuthorizationData!) })
        {
            var token = EcrAuthorizationToken.FromAuthorizationData(data.AuthorizationToken!, data.ExpiresAt!.Value, data.ProxyEndpoint);
            Assert.Equal("AWS", token.Username);
            Assert.True(((IEcrRegistryBackend)Emulator).IsValidRegistryPassword(token.Password));
            Assert.Equal(s_start + EcrEmulator.TokenLifetime, data.ExpiresAt);
            Assert.Equal($"https://{Emulator.RegistryHost}", data.ProxyEndpoint);
            Assert.Equal(Emulator.RegistryHost, token.ProxyEndpoint?.Host);
            Assert.DoesNotContain(data.AuthorizationToken!, data.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(2, Emulator.IssuedTokens);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task CreateRepository_with_every_setting_and_DescribeRepositories_return_them()
    {
        // Given a customer managed key known by its alias
        var keyArn = Emulator.AddKmsKey("alias/payments");

        // When a repository is created with every setting, then described
        var created = await Client.CreateRepositoryAsync(
            new CreateRepositoryRequest
            {
                RepositoryName = "payments/api",
                Tags = [new Tag { Key = "team", Value = "payments" }, new Tag { Key = "cost-centre", Value = "42" }],
                ImageTagMutability = ImageTagMutability.ImmutableWithExclusion,
                ImageTagMutabilityExclusionFilters =
                [
                    new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "latest" },
                    new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "dev-*" },
                ],
                ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true },
                EncryptionConfiguration = new EncryptionConfiguration { EncryptionType = EncryptionType.Kms, KmsKey = "alias/payments" },
            },
            CancellationToken.None);
        var described = await DescribeAsync("payments/api");

        // Then the service's answer holds every setting, the alias resolved to the key's ARN
        var repository = created.Repository!;
        Assert.Equal(Arn("payments/api"), repository.RepositoryArn);
        Assert.Equal(Emulator.AccountId, repository.RegistryId);
        Assert.Equal("payments/api", repository.RepositoryName);
        Assert.Equal($"{Emulator.RegistryHost}/payments/api", repository.RepositoryUri);
        Assert.Equal(s_start, repository.CreatedAt);
        Assert.Equal(ImageTagMutability.ImmutableWithExclusion, repository.ImageTagMutability);
        Assert.Equal(["latest", "dev-*"], repository.ImageTagMutabilityExclusionFilters!.Select(f => f.Filter));
        Assert.All(repository.ImageTagMutabilityExclusionFilters!, f => Assert.Equal(ImageTagMutabilityExclusionFilterType.Wildcard, f.FilterType));
        Assert.True(repository.ImageScanningConfiguration?.ScanOnPush);
        Assert.Equal(EncryptionType.Kms, repository.EncryptionConfiguration?.EncryptionType);
        Assert.Equal(keyArn, repository.EncryptionConfiguration?.KmsKey);
        Assert.Equivalent(repository, described, strict: true);
        var tags = await Client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = repository.RepositoryArn! }, CancellationToken.None);
        Assert.Equal([("team", "payments"), ("cost-centre", "42")], tags.Tags!.Select(t => (t.Key, t.Value)));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_repository_created_with_defaults_is_mutable_unscanned_and_AES256()
    {
        var repository = (await CreateAsync("team/defaults")).Repository!;

        Assert.Equal(ImageTagMutability.Mutable, repository.ImageTagMutability);
        Assert.Null(repository.ImageTagMutabilityExclusionFilters);
        Assert.False(repository.ImageScanningConfiguration?.ScanOnPush);
        Assert.Equal(EncryptionType.Aes256, repository.EncryptionConfiguration?.EncryptionType);
        Assert.Null(repository.EncryptionConfiguration?.KmsKey);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task PutImageScanningConfiguration_and_PutImageTagMutability_change_the_repository()
    {
        await CreateAsync("team/app");

        var scanning = await Client.PutImageScanningConfigurationAsync(
            new PutImageScanningConfigurationRequest { RepositoryName = "team/app", ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true } },
            CancellationToken.None);
        var mutability = await Client.PutImageTagMutabilityAsync(
            new PutImageTagMutabilityRequest
            {
                RepositoryName = "team/app",
                ImageTagMutability = ImageTagMutability.MutableWithExclusion,
                ImageTagMutabilityExclusionFilters = [new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "v*" }],
            },
            CancellationToken.None);
        var repository = await DescribeAsync("team/app");

        Assert.Equal((Emulator.AccountId, "team/app", true), (scanning.RegistryId!, scanning.RepositoryName!, scanning.ImageScanningConfiguration!.ScanOnPush!.Value));
        Assert.Equal((Emulator.AccountId, "team/app", ImageTagMutability.MutableWithExclusion), (mutability.RegistryId!, mutability.RepositoryName!, mutability.ImageTagMutability!.Value));
        Assert.Equal("v*", Assert.Single(mutability.ImageTagMutabilityExclusionFilters!).Filter);
        Assert.True(repository.ImageScanningConfiguration?.ScanOnPush);
        Assert.Equal(ImageTagMutability.MutableWithExclusion, repository.ImageTagMutability);
        Assert.Equal("v*", Assert.Single(repository.ImageTagMutabilityExclusionFilters!).Filter);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task DeleteRepository_returns_the_repository_and_it_is_gone()
    {
        var created = (await CreateAsync("team/gone")).Repository!;

        var deleted = await Client.DeleteRepositoryAsync(new DeleteRepositoryRequest { RepositoryName = "team/gone" }, CancellationToken.None);

        Assert.Equivalent(created, deleted.Repository, strict: true);
        await Assert.ThrowsAsync<RepositoryNotFoundException>(() => DescribeAsync("team/gone"));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task Lifecycle_and_repository_policies_are_set_and_read_back_as_the_service_stores_them()
    {
        await CreateAsync("team/app");

        var putLifecycle = await Client.PutLifecyclePolicyAsync(new PutLifecyclePolicyRequest { RepositoryName = "team/app", LifecyclePolicyText = EmulatorChecks.LifecyclePolicy }, CancellationToken.None);
        var lifecycle = await Client.GetLifecyclePolicyAsync(new GetLifecyclePolicyRequest { RepositoryName = "team/app" }, CancellationToken.None);
        var setPolicy = await Client.SetRepositoryPolicyAsync(new SetRepositoryPolicyRequest { RepositoryName = "team/app", PolicyText = EmulatorChecks.RepositoryPolicy }, CancellationToken.None);
        var policy = await Client.GetRepositoryPolicyAsync(new GetRepositoryPolicyRequest { RepositoryName = "team/app" }, CancellationToken.None);

        // The lifecycle policy comes back compact, the repository policy pretty-printed; both the same documents
        Assert.Equal((Emulator.AccountId, "team/app"), (putLifecycle.RegistryId!, putLifecycle.RepositoryName!));
        Assert.Equal((Emulator.AccountId, "team/app"), (lifecycle.RegistryId!, lifecycle.RepositoryName!));
        Assert.Equal(putLifecycle.LifecyclePolicyText, lifecycle.LifecyclePolicyText);
        Assert.DoesNotContain("\n", lifecycle.LifecyclePolicyText, StringComparison.Ordinal);
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.LifecyclePolicy, lifecycle.LifecyclePolicyText!));
        Assert.Null(lifecycle.LastEvaluatedAt);
        Assert.Equal((Emulator.AccountId, "team/app"), (policy.RegistryId!, policy.RepositoryName!));
        Assert.Equal(setPolicy.PolicyText, policy.PolicyText);
        Assert.StartsWith("{\n  \"Version\" : \"2012-10-17\",", policy.PolicyText, StringComparison.Ordinal);
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.RepositoryPolicy, policy.PolicyText!));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task TagResource_UntagResource_and_ListTagsForResource()
    {
        var arn = (await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app", Tags = [new Tag { Key = "team", Value = "core" }] }, CancellationToken.None)).Repository!.RepositoryArn!;

        var tagged = await Client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [new Tag { Key = "team", Value = "payments" }, new Tag { Key = "env", Value = "prod" }] }, CancellationToken.None);
        var afterTag = await Client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, CancellationToken.None);
        var untagged = await Client.UntagResourceAsync(new UntagResourceRequest { ResourceArn = arn, TagKeys = ["team"] }, CancellationToken.None);
        var afterUntag = await Client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, CancellationToken.None);

        Assert.NotNull(tagged);
        Assert.NotNull(untagged);
        Assert.Equal(Arn("team/app"), arn);
        Assert.Equal([("team", "payments"), ("env", "prod")], afterTag.Tags!.Select(t => (t.Key, t.Value)));
        Assert.Equal([("env", "prod")], afterUntag.Tags!.Select(t => (t.Key, t.Value)));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task PutImage_DescribeImages_BatchGetImage_and_BatchCheckLayerAvailability()
    {
        // Given a repository and an image manifest with a config and two layers (1000 and 1001 bytes)
        await CreateAsync("team/app");
        var (manifest, digest) = EmulatorChecks.ImageManifest("images");
        var layers = System.Text.Json.Nodes.JsonNode.Parse(manifest)!["layers"]!.AsArray().Select(l => (string)l!["digest"]!).ToList();
        _clock.Advance(TimeSpan.FromSeconds(5));

        // When it is put under two tags, then described, read back and its layers checked
        var put = await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageManifestMediaType = OciManifest, ImageTag = "1.0" }, CancellationToken.None);
        var retagged = await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageTag = "latest", ImageDigest = digest }, CancellationToken.None);
        var detail = Assert.Single((await Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", ImageIds = [new ImageIdentifier { ImageTag = "1.0" }] }, CancellationToken.None)).ImageDetails!);
        var batch = await Client.BatchGetImageAsync(
            new BatchGetImageRequest { RepositoryName = "team/app", ImageIds = [new ImageIdentifier { ImageTag = "latest" }, new ImageIdentifier { ImageTag = "2.0" }], AcceptedMediaTypes = [OciManifest] },
            CancellationToken.None);
        var check = await Client.BatchCheckLayerAvailabilityAsync(
            new BatchCheckLayerAvailabilityRequest { RepositoryName = "team/app", LayerDigests = [layers[0], EmulatorChecks.Sha256("never pushed"), "not-a-digest"] },
            CancellationToken.None);

        // Then
        Assert.Equal((Emulator.AccountId, "team/app", digest, "1.0"), (put.Image!.RegistryId!, put.Image.RepositoryName!, put.Image.ImageId!.ImageDigest!, put.Image.ImageId.ImageTag!));
        Assert.Equal(manifest, put.Image.ImageManifest);
        Assert.Equal(OciManifest, put.Image.ImageManifestMediaType);
        Assert.Equal((digest, "latest"), (retagged.Image!.ImageId!.ImageDigest!, retagged.Image.ImageId.ImageTag!));

        Assert.Equal((Emulator.AccountId, "team/app", digest), (detail.RegistryId!, detail.RepositoryName!, detail.ImageDigest!));
        Assert.Equal(["1.0", "latest"], detail.ImageTags);
        Assert.Equal(2001, detail.ImageSizeInBytes);
        Assert.Equal(s_start.AddSeconds(5), detail.ImagePushedAt);
        Assert.Equal(OciManifest, detail.ImageManifestMediaType);
        Assert.Equal(OciConfig, detail.ArtifactMediaType);
        Assert.Equal(ImageStatus.Active, detail.ImageStatus);
        Assert.Null(detail.ImageScanStatus);
        Assert.Null(detail.SubjectManifestDigest);

        var image = Assert.Single(batch.Images!);
        Assert.Equal(manifest, image.ImageManifest);
        Assert.Equal((digest, "latest"), (image.ImageId!.ImageDigest!, image.ImageId.ImageTag!));
        Assert.Equal(OciManifest, image.ImageManifestMediaType);
        var failure = Assert.Single(batch.Failures!);
        Assert.Equal(ImageFailureCode.ImageNotFound, failure.FailureCode);
        Assert.Equal("2.0", failure.ImageId?.ImageTag);

        var layer = Assert.Single(check.Layers!);
        Assert.Equal((layers[0], LayerAvailability.Available, 1000L, OciLayer), (layer.LayerDigest!, layer.LayerAvailability!.Value, layer.LayerSize!.Value, layer.MediaType!));
        Assert.Equal(
            [(EmulatorChecks.Sha256("never pushed"), LayerFailureCode.MissingLayerDigest), ("not-a-digest", LayerFailureCode.InvalidLayerDigest)],
            check.Failures!.Select(f => (f.LayerDigest!, f.FailureCode!.Value)));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ListImageReferrers_lists_the_artifacts_that_refer_to_an_image_with_their_annotations()
    {
        await CreateAsync("team/app");
        var subject = EmulatorChecks.ImageManifest("subject");
        await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = subject.Text, ImageTag = "1" }, CancellationToken.None);
        var spdx = EmulatorChecks.ReferrerManifest(subject.Digest, subject.Text.Length, "application/spdx+json");
        var cyclonedx = EmulatorChecks.ReferrerManifest(subject.Digest, subject.Text.Length, "application/vnd.cyclonedx+json");
        foreach (var referrer in new[] { spdx, cyclonedx })
        {
            await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = referrer.Text }, CancellationToken.None);
        }

        var all = await Client.ListImageReferrersAsync(new ListImageReferrersRequest { RepositoryName = "team/app", SubjectId = new SubjectIdentifier { ImageDigest = subject.Digest } }, CancellationToken.None);
        var filtered = await Client.ListImageReferrersAsync(
            new ListImageReferrersRequest { RepositoryName = "team/app", SubjectId = new SubjectIdentifier { ImageDigest = subject.Digest }, Filter = new ListImageReferrersFilter { ArtifactTypes = ["application/spdx+json"] } },
            CancellationToken.None);
        var referrerDetail = Assert.Single((await Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", ImageIds = [new ImageIdentifier { ImageDigest = spdx.Digest }] }, CancellationToken.None)).ImageDetails!);

        Assert.Null(all.NextToken);
        Assert.Equal([spdx.Digest, cyclonedx.Digest], all.Referrers!.Select(r => r.Digest));
        var first = all.Referrers![0];
        Assert.Equal((OciManifest, "application/spdx+json", (long)spdx.Text.Length, ArtifactStatus.Active), (first.MediaType, first.ArtifactType!, first.Size, first.ArtifactStatus!.Value));
        Assert.Equal("2025-01-02T03:04:05Z", first.Annotations!["org.opencontainers.image.created"]);
        Assert.Equal(spdx.Digest, Assert.Single(filtered.Referrers!).Digest);
        Assert.Equal(subject.Digest, referrerDetail.SubjectManifestDigest);
        Assert.Equal("application/spdx+json", referrerDetail.ArtifactMediaType);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task StartImageScan_then_DescribeImageScanFindings_and_DescribeImages_show_the_basic_findings()
    {
        // Given an image whose scan reports the Debian .NET application's findings after one minute
        Emulator.Scenario.ScanDelay = TimeSpan.FromMinutes(1);
        await CreateAsync("team/app");
        var (manifest, digest) = EmulatorChecks.ImageManifest("scanned");
        await Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageTag = "1" }, CancellationToken.None);
        Emulator.SeedFindings("team/app", digest, EcrFindingsSeed.DebianDotNetApp);
        var image = new ImageIdentifier { ImageTag = "1" };

        // When a scan is started, looked at while it runs and once it is complete
        var started = await Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = image }, CancellationToken.None);
        var running = await Client.DescribeImageScanFindingsAsync(new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = image }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var complete = await Client.DescribeImageScanFindingsAsync(new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = image }, CancellationToken.None);
        var detail = Assert.Single((await Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app" }, CancellationToken.None)).ImageDetails!);

        // Then the scan went from IN_PROGRESS to COMPLETE with the operating-system findings basic scanning reports
        Assert.Equal((Emulator.AccountId, "team/app", digest, "1"), (started.RegistryId!, started.RepositoryName!, started.ImageId!.ImageDigest!, started.ImageId.ImageTag!));
        Assert.Equal(ScanStatus.InProgress, started.ImageScanStatus?.Status);
        Assert.Equal(ScanStatus.InProgress, running.ImageScanStatus?.Status);
        Assert.Null(running.ImageScanFindings);
        Assert.Equal(ScanStatus.Complete, complete.ImageScanStatus?.Status);
        Assert.Equal("The scan was completed successfully.", complete.ImageScanStatus?.Description);
        var findings = complete.ImageScanFindings!;
        Assert.Equal(s_start.AddMinutes(1), findings.ImageScanCompletedAt);
        Assert.Null(findings.EnhancedFindings);
        Assert.Equal(["CVE-2023-45853", "CVE-2023-4911", "CVE-2024-6387", "CVE-2024-28085", "CVE-2011-3374", "CVE-2005-2541"], findings.Findings!.Select(f => f.Name));
        var counts = new Dictionary<FindingSeverity, int>
        {
            [FindingSeverity.Critical] = 1, [FindingSeverity.High] = 2, [FindingSeverity.Medium] = 1, [FindingSeverity.Low] = 1, [FindingSeverity.Informational] = 1,
        };
        Assert.Equivalent(counts, findings.FindingSeverityCounts, strict: true);
        var glibc = findings.Findings!.Single(f => f.Name == "CVE-2023-4911");
        Assert.Equal(FindingSeverity.High, glibc.Severity);
        Assert.Equal("https://security-tracker.debian.org/tracker/CVE-2023-4911", glibc.Uri);
        Assert.Equal(
            [("package_version", "2.36-9+deb12u1"), ("package_name", "glibc"), ("CVSS3_VECTOR", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), ("CVSS3_SCORE", "7.8")],
            glibc.Attributes!.Select(a => (a.Key, a.Value!)));
        Assert.Equal(ScanStatus.Complete, detail.ImageScanStatus?.Status);
        Assert.Equal(s_start.AddMinutes(1), detail.ImageScanFindingsSummary?.ImageScanCompletedAt);
        Assert.Equivalent(counts, detail.ImageScanFindingsSummary?.FindingSeverityCounts, strict: true);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task Registry_scanning_configuration_is_read_and_set()
    {
        var initial = await Client.GetRegistryScanningConfigurationAsync(new GetRegistryScanningConfigurationRequest(), CancellationToken.None);
        var put = await Client.PutRegistryScanningConfigurationAsync(
            new PutRegistryScanningConfigurationRequest
            {
                ScanType = ScanType.Enhanced,
                Rules =
                [
                    new RegistryScanningRule { ScanFrequency = ScanFrequency.ContinuousScan, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "prod/*", FilterType = ScanningRepositoryFilterType.Wildcard }] },
                    new RegistryScanningRule { ScanFrequency = ScanFrequency.ScanOnPush, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "*", FilterType = ScanningRepositoryFilterType.Wildcard }] },
                ],
            },
            CancellationToken.None);
        var after = await Client.GetRegistryScanningConfigurationAsync(new GetRegistryScanningConfigurationRequest(), CancellationToken.None);

        Assert.Equal(Emulator.AccountId, initial.RegistryId);
        Assert.Equal(ScanType.Basic, initial.ScanningConfiguration?.ScanType);
        Assert.Empty(initial.ScanningConfiguration!.Rules!);
        Assert.Equivalent(put.RegistryScanningConfiguration, after.ScanningConfiguration, strict: true);
        Assert.Equal(ScanType.Enhanced, after.ScanningConfiguration!.ScanType);
        Assert.Equal(
            [(ScanFrequency.ContinuousScan, "prod/*"), (ScanFrequency.ScanOnPush, "*")],
            after.ScanningConfiguration.Rules!.Select(r => (r.ScanFrequency, Assert.Single(r.RepositoryFilters).Filter)));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task PutReplicationConfiguration_and_DescribeRegistry()
    {
        var before = await Client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None);
        var put = await Client.PutReplicationConfigurationAsync(
            new PutReplicationConfigurationRequest
            {
                ReplicationConfiguration = new ReplicationConfiguration
                {
                    Rules =
                    [
                        new ReplicationRule
                        {
                            Destinations = [new ReplicationDestination { Region = "eu-west-1", RegistryId = Emulator.AccountId }, new ReplicationDestination { Region = "us-west-2", RegistryId = "210987654321" }],
                            RepositoryFilters = [new RepositoryFilter { Filter = "prod", FilterType = RepositoryFilterType.PrefixMatch }],
                        },
                    ],
                },
            },
            CancellationToken.None);
        var after = await Client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None);

        Assert.Equal(Emulator.AccountId, before.RegistryId);
        Assert.Empty(before.ReplicationConfiguration!.Rules);
        Assert.Equal(Emulator.AccountId, after.RegistryId);
        Assert.Equivalent(put.ReplicationConfiguration, after.ReplicationConfiguration, strict: true);
        var rule = Assert.Single(after.ReplicationConfiguration!.Rules);
        Assert.Equal([("eu-west-1", Emulator.AccountId), ("us-west-2", "210987654321")], rule.Destinations.Select(d => (d.Region, d.RegistryId)));
        Assert.Equal(("prod", RepositoryFilterType.PrefixMatch), (Assert.Single(rule.RepositoryFilters!).Filter, rule.RepositoryFilters![0].FilterType));
        _ecr.AssertHealthy();
    }

    [Fact]
    public void Every_operation_of_the_client_is_one_the_emulator_implements()
    {
        var operations = typeof(IEcrClient).GetMethods().Select(m => m.Name[..^"Async".Length]).ToList();

        Assert.Equal(24, operations.Count);
        Assert.All(operations, operation => Assert.Contains(operation, Emulator.Operations));
    }
}
