using System.Net;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Tests.Emulator;
using Toolkit.Core.Diagnostics;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Every modelled ECR error the emulator produces, reached through our <see cref="EcrClient"/>: the typed exception, its
/// TK code, the HTTP status and the request id the emulator sent (<c>x-amzn-RequestId</c>), and exactly one request
/// (none of them is retried). Then the authentication errors, which the AWS layer reports.
/// </summary>
public sealed class EcrClientAgainstEmulatorErrorTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly EmulatedEcr _ecr = new();

    private EcrClient Client => _ecr.Client;

    public void Dispose() => _ecr.Dispose();

    /// <summary>
    /// Calls <paramref name="call"/>, expects <typeparamref name="TException"/> from <paramref name="operation"/>'s answer,
    /// and checks what every mapped error must carry; the emulator must have seen exactly one more request of it.
    /// </summary>
    private async Task<TException> FailsAsync<TException>(string operation, Func<Task> call, ErrorCode code, HttpStatusCode status = HttpStatusCode.BadRequest)
        where TException : EcrServiceException
    {
        var before = _ecr.Count(operation);
        var error = await Assert.ThrowsAsync<TException>(call);

        Assert.Equal(before + 1, _ecr.Count(operation));
        var answer = _ecr.Emulator.Requests.Last(r => r.Operation == operation);
        Assert.Equal(answer.RequestId, error.RequestId);
        Assert.Equal(answer.ErrorCode, error.ErrorType);
        Assert.Equal(new EcrErrorType(answer.ErrorCode!), error.EcrErrorType);
        Assert.Equal((int)status, answer.StatusCode);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(operation, error.Operation);
        Assert.False(string.IsNullOrWhiteSpace(error.ServiceMessage));
        Assert.Contains($"AWS request ID {answer.RequestId}", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"ECR {operation} failed with {answer.ErrorCode} (HTTP {(int)status})", error.Message, StringComparison.Ordinal);
        return error;
    }

    private Task CreateAsync(string name, ImageTagMutability? mutability = null)
        => Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = name, ImageTagMutability = mutability }, CancellationToken.None);

    private async Task<string> PutAsync(string repository, string manifest, string? tag = null)
    {
        var put = await Client.PutImageAsync(new PutImageRequest { RepositoryName = repository, ImageManifest = manifest, ImageTag = tag }, CancellationToken.None);
        return put.Image!.ImageId!.ImageDigest!;
    }

    [Fact]
    public async Task RepositoryNotFound()
    {
        var error = await FailsAsync<RepositoryNotFoundException>(
            "DescribeRepositories",
            () => Client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = ["team/missing"] }, CancellationToken.None),
            ErrorCodes.EcrRepositoryNotFound);

        Assert.Contains("team/missing", error.ServiceMessage, StringComparison.Ordinal);
        Assert.Contains("ensure-repository", error.Message, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task RepositoryAlreadyExists()
    {
        await CreateAsync("team/app");

        var error = await FailsAsync<RepositoryAlreadyExistsException>("CreateRepository", () => CreateAsync("team/app"), ErrorCodes.EcrRepositoryAlreadyExists);

        Assert.Contains("team/app", error.ServiceMessage, StringComparison.Ordinal);
        Assert.Equal(2, _ecr.Count("CreateRepository"));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task RepositoryNotEmpty_then_force_deletes_it()
    {
        await CreateAsync("team/app");
        await PutAsync("team/app", EmulatorChecks.ImageManifest("not-empty").Text, "1");

        await FailsAsync<RepositoryNotEmptyException>(
            "DeleteRepository",
            () => Client.DeleteRepositoryAsync(new DeleteRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None),
            ErrorCodes.EcrRepositoryNotEmpty);
        var deleted = await Client.DeleteRepositoryAsync(new DeleteRepositoryRequest { RepositoryName = "team/app", Force = true }, CancellationToken.None);

        Assert.Equal("team/app", deleted.Repository?.RepositoryName);
        Assert.Empty(_ecr.Emulator.ImageDigests("team/app"));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ImageTagAlreadyExists_for_an_immutable_tag()
    {
        await CreateAsync("team/app", ImageTagMutability.Immutable);
        await PutAsync("team/app", EmulatorChecks.ImageManifest("first").Text, "1.0");

        var error = await FailsAsync<ImageTagAlreadyExistsException>(
            "PutImage",
            () => PutAsync("team/app", EmulatorChecks.ImageManifest("second").Text, "1.0"),
            ErrorCodes.EcrImageTagImmutable);

        Assert.Contains("immutable", error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ImageAlreadyExists_for_the_same_image_and_tag()
    {
        await CreateAsync("team/app");
        var (manifest, digest) = EmulatorChecks.ImageManifest("again");
        await PutAsync("team/app", manifest, "1.0");

        var error = await FailsAsync<ImageAlreadyExistsException>("PutImage", () => PutAsync("team/app", manifest, "1.0"), ErrorCodes.EcrImageRejected);

        Assert.Contains(digest, error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task LayersNotFound_when_the_registry_lacks_the_layers()
    {
        // Given an emulator in front of the real registry, in which none of the manifest's blobs were uploaded
        using var ecr = new EmulatedEcr(new EcrEmulatorOptions { BackingRegistry = registry.BaseUri });
        await ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "layers/missing" }, CancellationToken.None);
        var (manifest, _) = EmulatorChecks.ImageManifest("layers-missing", layers: 1);
        var layer = (string)JsonNode.Parse(manifest)!["layers"]![0]!["digest"]!;

        // When the manifest is put
        var error = await Assert.ThrowsAsync<LayersNotFoundException>(
            () => ecr.Client.PutImageAsync(new PutImageRequest { RepositoryName = "layers/missing", ImageManifest = manifest, ImageTag = "1" }, CancellationToken.None));

        // Then
        Assert.Equal(ErrorCodes.EcrImageRejected, error.ErrorCode);
        Assert.Equal(ecr.LastRequestId("PutImage"), error.RequestId);
        Assert.Equal(1, ecr.Count("PutImage"));
        Assert.Contains(layer, error.ServiceMessage, StringComparison.Ordinal);
        Assert.Contains("Push every layer", error.Message, StringComparison.Ordinal);
        ecr.AssertHealthy();
    }

    [Fact]
    public async Task ReferencedImagesNotFound_for_an_index_of_missing_manifests()
    {
        await CreateAsync("team/app");
        var child = EmulatorChecks.ImageManifest("never-put");
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(new JsonObject { ["mediaType"] = OciManifest, ["digest"] = child.Digest, ["size"] = child.Text.Length }),
        }.ToJsonString();

        var error = await FailsAsync<ReferencedImagesNotFoundException>("PutImage", () => PutAsync("team/app", index, "multi"), ErrorCodes.EcrImageRejected);

        Assert.Contains(child.Digest, error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ImageDigestDoesNotMatch_when_the_digest_given_is_not_the_manifests()
    {
        await CreateAsync("team/app");
        var (manifest, digest) = EmulatorChecks.ImageManifest("digest");
        var other = EmulatorChecks.Sha256("another manifest");

        var error = await FailsAsync<ImageDigestDoesNotMatchException>(
            "PutImage",
            () => Client.PutImageAsync(new PutImageRequest { RepositoryName = "team/app", ImageManifest = manifest, ImageDigest = other }, CancellationToken.None),
            ErrorCodes.EcrImageRejected);

        Assert.Contains(digest, error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task LifecyclePolicyNotFound()
    {
        await CreateAsync("team/app");

        await FailsAsync<LifecyclePolicyNotFoundException>(
            "GetLifecyclePolicy",
            () => Client.GetLifecyclePolicyAsync(new GetLifecyclePolicyRequest { RepositoryName = "team/app" }, CancellationToken.None),
            ErrorCodes.EcrLifecyclePolicyNotFound);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task RepositoryPolicyNotFound()
    {
        await CreateAsync("team/app");

        await FailsAsync<RepositoryPolicyNotFoundException>(
            "GetRepositoryPolicy",
            () => Client.GetRepositoryPolicyAsync(new GetRepositoryPolicyRequest { RepositoryName = "team/app" }, CancellationToken.None),
            ErrorCodes.EcrPolicyNotFound);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ScanNotFound_for_an_image_never_scanned()
    {
        await CreateAsync("team/app");
        await PutAsync("team/app", EmulatorChecks.ImageManifest("unscanned").Text, "1");

        await FailsAsync<ScanNotFoundException>(
            "DescribeImageScanFindings",
            () => Client.DescribeImageScanFindingsAsync(new DescribeImageScanFindingsRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "1" } }, CancellationToken.None),
            ErrorCodes.EcrScanNotFound);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task UnsupportedImageType_for_a_scan_of_an_artifact()
    {
        await CreateAsync("team/app");
        var subject = EmulatorChecks.ImageManifest("subject");
        await PutAsync("team/app", subject.Text, "1");
        var sbom = EmulatorChecks.ReferrerManifest(subject.Digest, subject.Text.Length, "application/spdx+json");
        await PutAsync("team/app", sbom.Text);

        await FailsAsync<UnsupportedImageTypeException>(
            "StartImageScan",
            () => Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageDigest = sbom.Digest } }, CancellationToken.None),
            ErrorCodes.EcrImageNotScannable);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task LimitExceeded_for_a_second_scan_within_24_hours_is_not_retried()
    {
        // Given an image scanned once
        await CreateAsync("team/app");
        await PutAsync("team/app", EmulatorChecks.ImageManifest("scanned-twice").Text, "1");
        var request = new StartImageScanRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "1" } };
        var first = await Client.StartImageScanAsync(request, CancellationToken.None);

        // When it is scanned again the same day
        var error = await FailsAsync<LimitExceededException>("StartImageScan", () => Client.StartImageScanAsync(request, CancellationToken.None), ErrorCodes.EcrLimitExceeded);

        // Then the quota answer came once: a quota is not throttling, and asking again cannot help
        Assert.Equal(ScanStatus.InProgress, first.ImageScanStatus?.Status);
        Assert.Equal(2, _ecr.Count("StartImageScan"));
        Assert.Contains("24 hours", error.Message, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ImageNotFound()
    {
        await CreateAsync("team/app");
        await PutAsync("team/app", EmulatorChecks.ImageManifest("present").Text, "1");

        var error = await FailsAsync<ImageNotFoundException>(
            "DescribeImages",
            () => Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", ImageIds = [new ImageIdentifier { ImageTag = "2" }] }, CancellationToken.None),
            ErrorCodes.EcrImageNotFound);
        await FailsAsync<ImageNotFoundException>(
            "StartImageScan",
            () => Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "2" } }, CancellationToken.None),
            ErrorCodes.EcrImageNotFound);

        Assert.Contains("imageTag:'2'", error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task KmsException_with_kmsError_for_a_key_KMS_does_not_know()
    {
        var error = await FailsAsync<KmsException>(
            "CreateRepository",
            () => Client.CreateRepositoryAsync(
                new CreateRepositoryRequest
                {
                    RepositoryName = "team/encrypted",
                    EncryptionConfiguration = new EncryptionConfiguration { EncryptionType = EncryptionType.Kms, KmsKey = "alias/never-created" },
                },
                CancellationToken.None),
            ErrorCodes.EcrKmsError);

        Assert.Equal("NotFoundException", error.KmsError);
        Assert.Contains("alias/never-created", error.ServiceMessage, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RepositoryNotFoundException>(
            () => Client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = ["team/encrypted"] }, CancellationToken.None));
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task TooManyTags_past_50_on_a_repository()
    {
        var created = await Client.CreateRepositoryAsync(
            new CreateRepositoryRequest { RepositoryName = "team/app", Tags = [.. Enumerable.Range(0, 40).Select(i => new Tag { Key = $"k{i}", Value = "v" })] },
            CancellationToken.None);
        var arn = created.Repository!.RepositoryArn!;

        var error = await FailsAsync<TooManyTagsException>(
            "TagResource",
            () => Client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [.. Enumerable.Range(40, 11).Select(i => new Tag { Key = $"k{i}", Value = "v" })] }, CancellationToken.None),
            ErrorCodes.EcrInvalidRequest);

        Assert.Contains("51", error.ServiceMessage, StringComparison.Ordinal);
        var tags = await Client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, CancellationToken.None);
        Assert.Equal(40, tags.Tags?.Count);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task InvalidTagParameter_for_a_reserved_key()
    {
        var created = await Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "team/app" }, CancellationToken.None);

        var error = await FailsAsync<InvalidTagParameterException>(
            "TagResource",
            () => Client.TagResourceAsync(new TagResourceRequest { ResourceArn = created.Repository!.RepositoryArn!, Tags = [new Tag { Key = "aws:team", Value = "x" }] }, CancellationToken.None),
            ErrorCodes.EcrInvalidRequest);

        Assert.Contains("aws:", error.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task InvalidParameter_for_a_value_the_service_checks_and_for_one_outside_the_model()
    {
        await CreateAsync("team/app");

        var policy = await FailsAsync<InvalidParameterException>(
            "PutLifecyclePolicy",
            () => Client.PutLifecyclePolicyAsync(new PutLifecyclePolicyRequest { RepositoryName = "team/app", LifecyclePolicyText = """{"rules":[{"rulePriority":1,"description":"no action","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5}}]}""" }, CancellationToken.None),
            ErrorCodes.EcrInvalidRequest);
        var range = await FailsAsync<InvalidParameterException>(
            "DescribeImages",
            () => Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = "team/app", MaxResults = 1001 }, CancellationToken.None),
            ErrorCodes.EcrInvalidRequest);

        Assert.Contains("Lifecycle policy validation failure", policy.ServiceMessage, StringComparison.Ordinal);
        Assert.Contains("maxResults", range.ServiceMessage, StringComparison.Ordinal);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task ValidationException_for_a_manual_scan_under_enhanced_scanning()
    {
        await CreateAsync("team/app");
        await PutAsync("team/app", EmulatorChecks.ImageManifest("enhanced").Text, "1");
        await Client.PutRegistryScanningConfigurationAsync(new PutRegistryScanningConfigurationRequest { ScanType = ScanType.Enhanced }, CancellationToken.None);

        await FailsAsync<ValidationException>(
            "StartImageScan",
            () => Client.StartImageScanAsync(new StartImageScanRequest { RepositoryName = "team/app", ImageId = new ImageIdentifier { ImageTag = "1" } }, CancellationToken.None),
            ErrorCodes.EcrInvalidRequest);
        _ecr.AssertHealthy();
    }

    [Theory]
    [InlineData("wrong secret", "InvalidSignatureException")]
    [InlineData("unknown key", "UnrecognizedClientException")]
    public async Task Rejected_credentials_are_TK3011_with_the_request_id_and_no_secret(string credentials, string errorType)
    {
        // Given a client whose secret the emulator does not have for its key, or whose key it does not know
        const string secret = "Not/The/Registered/Secret/Key/0123456789";
        var client = _ecr.NewClient(credentials == "wrong secret"
            ? new BasicAWSCredentials(EmulatedEcr.Credentials.AccessKeyId, secret)
            : new BasicAWSCredentials("AKIAIOSFODNN7UNKNOWN", secret));

        // When it calls ECR
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None));

        // Then the AWS layer reports it (it is no ECR error shape), once, with the emulator's request id
        var answer = Assert.Single(_ecr.Emulator.Requests);
        Assert.IsNotAssignableFrom<EcrServiceException>(error);
        Assert.Equal(ErrorCodes.AwsCredentialsRejected, error.ErrorCode);
        Assert.Equal(errorType, error.ErrorType);
        Assert.Equal(errorType, answer.ErrorCode);
        Assert.Null(answer.AccessKeyId);
        Assert.Equal(answer.RequestId, error.RequestId);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains($"AWS request ID {answer.RequestId}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(answer.RequestId, Assert.Single(client.Connection.RequestLog.Records).RequestId);
        _ecr.Emulator.AssertNoModelViolations();
    }
}
