using Toolkit.Aws.Ecr;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>One operation called with the same input by the AWS CLI (<c>--cli-input-json</c>) and by <see cref="EcrClient"/>.</summary>
public sealed record EcrWireCase(string Operation, string CliInput, Func<IEcrClient, CancellationToken, Task> Call)
{
    /// <summary>The CLI's command name, e.g. <c>describe-image-scan-findings</c>.</summary>
    public string CliCommand => string.Concat(Operation.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public override string ToString() => Operation;
}

/// <summary>
/// The inputs of the wire comparison, written twice by hand: as the CLI's JSON and as our typed requests. They set
/// (nearly) every member, including a <c>false</c> flag and an empty tag value that must be sent, not omitted.
/// </summary>
internal static class EcrWireCases
{
    private const string Registry = "123456789012";
    private const string Repository = "team/app";
    private const string RepositoryArn = "arn:aws:ecr:us-east-1:123456789012:repository/team/app";
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string OtherDigest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    private const string LifecyclePolicy =
        """{"rules":[{"rulePriority":1,"description":"expire untagged after 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}""";

    private const string RepositoryPolicy =
        """{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}""";

    private const string Manifest =
        """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":2},"layers":[]}""";

    public static IReadOnlyList<EcrWireCase> All { get; } =
    [
        new("GetAuthorizationToken", $$$"""{"registryIds":["{{{Registry}}}"]}""",
            (c, t) => c.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest { RegistryIds = [Registry] }, t)),
        new("CreateRepository",
            $$$"""
            {"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","tags":[{"Key":"team","Value":"payments"},{"Key":"empty","Value":""}],
             "imageTagMutability":"IMMUTABLE_WITH_EXCLUSION","imageTagMutabilityExclusionFilters":[{"filterType":"WILDCARD","filter":"latest*"}],
             "imageScanningConfiguration":{"scanOnPush":true},"encryptionConfiguration":{"encryptionType":"KMS","kmsKey":"alias/ecr-images"}}
            """,
            (c, t) => c.CreateRepositoryAsync(
                new CreateRepositoryRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    Tags = [new Tag { Key = "team", Value = "payments" }, new Tag { Key = "empty", Value = string.Empty }],
                    ImageTagMutability = ImageTagMutability.ImmutableWithExclusion,
                    ImageTagMutabilityExclusionFilters = [new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "latest*" }],
                    ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = true },
                    EncryptionConfiguration = new EncryptionConfiguration { EncryptionType = EncryptionType.Kms, KmsKey = "alias/ecr-images" },
                },
                t)),
        new("DescribeRepositories", $$$"""{"registryId":"{{{Registry}}}","repositoryNames":["{{{Repository}}}","team/web"],"nextToken":"page-2","maxResults":50}""",
            (c, t) => c.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RegistryId = Registry, RepositoryNames = [Repository, "team/web"], NextToken = "page-2", MaxResults = 50 }, t)),
        new("DeleteRepository", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","force":true}""",
            (c, t) => c.DeleteRepositoryAsync(new DeleteRepositoryRequest { RegistryId = Registry, RepositoryName = Repository, Force = true }, t)),
        new("PutImageScanningConfiguration", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageScanningConfiguration":{"scanOnPush":false}}""",
            (c, t) => c.PutImageScanningConfigurationAsync(
                new PutImageScanningConfigurationRequest { RegistryId = Registry, RepositoryName = Repository, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = false } },
                t)),
        new("PutImageTagMutability",
            $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageTagMutability":"MUTABLE_WITH_EXCLUSION","imageTagMutabilityExclusionFilters":[{"filterType":"WILDCARD","filter":"release-*"},{"filterType":"WILDCARD","filter":"v*.*.*"}]}""",
            (c, t) => c.PutImageTagMutabilityAsync(
                new PutImageTagMutabilityRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    ImageTagMutability = ImageTagMutability.MutableWithExclusion,
                    ImageTagMutabilityExclusionFilters =
                    [
                        new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "release-*" },
                        new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = "v*.*.*" },
                    ],
                },
                t)),
        new("PutLifecyclePolicy", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","lifecyclePolicyText":{{{Quote(LifecyclePolicy)}}}}""",
            (c, t) => c.PutLifecyclePolicyAsync(new PutLifecyclePolicyRequest { RegistryId = Registry, RepositoryName = Repository, LifecyclePolicyText = LifecyclePolicy }, t)),
        new("GetLifecyclePolicy", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}"}""",
            (c, t) => c.GetLifecyclePolicyAsync(new GetLifecyclePolicyRequest { RegistryId = Registry, RepositoryName = Repository }, t)),
        new("SetRepositoryPolicy", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","policyText":{{{Quote(RepositoryPolicy)}}},"force":false}""",
            (c, t) => c.SetRepositoryPolicyAsync(new SetRepositoryPolicyRequest { RegistryId = Registry, RepositoryName = Repository, PolicyText = RepositoryPolicy, Force = false }, t)),
        new("GetRepositoryPolicy", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}"}""",
            (c, t) => c.GetRepositoryPolicyAsync(new GetRepositoryPolicyRequest { RegistryId = Registry, RepositoryName = Repository }, t)),
        new("TagResource", $$$"""{"resourceArn":"{{{RepositoryArn}}}","tags":[{"Key":"cost-center","Value":"4711"},{"Key":"owner","Value":"team@example.com"}]}""",
            (c, t) => c.TagResourceAsync(
                new TagResourceRequest { ResourceArn = RepositoryArn, Tags = [new Tag { Key = "cost-center", Value = "4711" }, new Tag { Key = "owner", Value = "team@example.com" }] },
                t)),
        new("UntagResource", $$$"""{"resourceArn":"{{{RepositoryArn}}}","tagKeys":["cost-center","owner"]}""",
            (c, t) => c.UntagResourceAsync(new UntagResourceRequest { ResourceArn = RepositoryArn, TagKeys = ["cost-center", "owner"] }, t)),
        new("ListTagsForResource", $$$"""{"resourceArn":"{{{RepositoryArn}}}"}""",
            (c, t) => c.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = RepositoryArn }, t)),
        new("DescribeImages",
            $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageIds":[{"imageTag":"1.0.0"},{"imageDigest":"{{{Digest}}}"}],"nextToken":"n2","maxResults":100,"filter":{"tagStatus":"TAGGED","imageStatus":"ANY"}}""",
            (c, t) => c.DescribeImagesAsync(
                new DescribeImagesRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    ImageIds = [new ImageIdentifier { ImageTag = "1.0.0" }, new ImageIdentifier { ImageDigest = Digest }],
                    NextToken = "n2",
                    MaxResults = 100,
                    Filter = new DescribeImagesFilter { TagStatus = TagStatus.Tagged, ImageStatus = ImageStatusFilter.Any },
                },
                t)),
        new("BatchGetImage",
            $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageIds":[{"imageDigest":"{{{Digest}}}","imageTag":"1.0.0"}],"acceptedMediaTypes":["application/vnd.oci.image.manifest.v1+json","application/vnd.oci.image.index.v1+json"]}""",
            (c, t) => c.BatchGetImageAsync(
                new BatchGetImageRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    ImageIds = [new ImageIdentifier { ImageDigest = Digest, ImageTag = "1.0.0" }],
                    AcceptedMediaTypes = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"],
                },
                t)),
        new("PutImage",
            $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageManifest":{{{Quote(Manifest)}}},"imageManifestMediaType":"application/vnd.oci.image.manifest.v1+json","imageTag":"1.0.0","imageDigest":"{{{OtherDigest}}}"}""",
            (c, t) => c.PutImageAsync(
                new PutImageRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    ImageManifest = Manifest,
                    ImageManifestMediaType = "application/vnd.oci.image.manifest.v1+json",
                    ImageTag = "1.0.0",
                    ImageDigest = OtherDigest,
                },
                t)),
        new("BatchCheckLayerAvailability", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","layerDigests":["{{{Digest}}}","{{{OtherDigest}}}"]}""",
            (c, t) => c.BatchCheckLayerAvailabilityAsync(new BatchCheckLayerAvailabilityRequest { RegistryId = Registry, RepositoryName = Repository, LayerDigests = [Digest, OtherDigest] }, t)),
        new("StartImageScan", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageId":{"imageDigest":"{{{Digest}}}"}}""",
            (c, t) => c.StartImageScanAsync(new StartImageScanRequest { RegistryId = Registry, RepositoryName = Repository, ImageId = new ImageIdentifier { ImageDigest = Digest } }, t)),
        new("DescribeImageScanFindings", $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","imageId":{"imageTag":"1.0.0"},"nextToken":"f2","maxResults":1000}""",
            (c, t) => c.DescribeImageScanFindingsAsync(
                new DescribeImageScanFindingsRequest { RegistryId = Registry, RepositoryName = Repository, ImageId = new ImageIdentifier { ImageTag = "1.0.0" }, NextToken = "f2", MaxResults = 1000 },
                t)),
        new("ListImageReferrers",
            $$$"""{"registryId":"{{{Registry}}}","repositoryName":"{{{Repository}}}","subjectId":{"imageDigest":"{{{Digest}}}"},"filter":{"artifactTypes":["application/vnd.cncf.notary.signature","application/spdx+json"],"artifactStatus":"ACTIVE"},"nextToken":"r2","maxResults":50}""",
            (c, t) => c.ListImageReferrersAsync(
                new ListImageReferrersRequest
                {
                    RegistryId = Registry,
                    RepositoryName = Repository,
                    SubjectId = new SubjectIdentifier { ImageDigest = Digest },
                    Filter = new ListImageReferrersFilter { ArtifactTypes = ["application/vnd.cncf.notary.signature", "application/spdx+json"], ArtifactStatus = ArtifactStatusFilter.Active },
                    NextToken = "r2",
                    MaxResults = 50,
                },
                t)),
        new("GetRegistryScanningConfiguration", "{}",
            (c, t) => c.GetRegistryScanningConfigurationAsync(new GetRegistryScanningConfigurationRequest(), t)),
        new("PutRegistryScanningConfiguration",
            """{"scanType":"ENHANCED","rules":[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"team/*","filterType":"WILDCARD"}]},{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]}""",
            (c, t) => c.PutRegistryScanningConfigurationAsync(
                new PutRegistryScanningConfigurationRequest
                {
                    ScanType = ScanType.Enhanced,
                    Rules =
                    [
                        new RegistryScanningRule { ScanFrequency = ScanFrequency.ContinuousScan, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "team/*", FilterType = ScanningRepositoryFilterType.Wildcard }] },
                        new RegistryScanningRule { ScanFrequency = ScanFrequency.ScanOnPush, RepositoryFilters = [new ScanningRepositoryFilter { Filter = "*", FilterType = ScanningRepositoryFilterType.Wildcard }] },
                    ],
                },
                t)),
        new("PutReplicationConfiguration",
            """{"replicationConfiguration":{"rules":[{"destinations":[{"region":"eu-west-1","registryId":"123456789012"},{"region":"us-west-2","registryId":"210987654321"}],"repositoryFilters":[{"filter":"team","filterType":"PREFIX_MATCH"}]}]}}""",
            (c, t) => c.PutReplicationConfigurationAsync(
                new PutReplicationConfigurationRequest
                {
                    ReplicationConfiguration = new ReplicationConfiguration
                    {
                        Rules =
                        [
                            new ReplicationRule
                            {
                                Destinations = [new ReplicationDestination { Region = "eu-west-1", RegistryId = "123456789012" }, new ReplicationDestination { Region = "us-west-2", RegistryId = "210987654321" }],
                                RepositoryFilters = [new RepositoryFilter { Filter = "team", FilterType = RepositoryFilterType.PrefixMatch }],
                            },
                        ],
                    },
                },
                t)),
        new("DescribeRegistry", "{}",
            (c, t) => c.DescribeRegistryAsync(new DescribeRegistryRequest(), t)),
    ];

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
