using System.Text;
using System.Text.Json;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// The AWS CLI (botocore, with the newest ECR model on this machine) against the ECR emulator: an independent client proves
/// that the emulator speaks AWS JSON 1.1 and SigV4 as the service does and gives the answers the service gives. Every
/// test ends with no model violation recorded and every request verified; a wrong secret is refused.
/// </summary>
public sealed class AwsCliAgainstEcrEmulatorTests : IDisposable
{
    private readonly EcrEmulator _emulator = new();
    private readonly IndependentClient _client = new(EcrEmulator.DefaultCredentials);

    public void Dispose()
    {
        _client.Dispose();
        _emulator.Dispose();
    }

    [Fact]
    public async Task create_repository_with_scan_on_push_immutability_exclusions_kms_alias_and_tags_answers_like_the_service()
    {
        // Given a KMS key with an alias in the emulated account
        var keyArn = _emulator.AddKmsKey("alias/app-images");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        // When the CLI creates a repository with every control
        var created = (await Aws(
            "ecr", "create-repository", "--repository-name", "team/app",
            "--image-scanning-configuration", "scanOnPush=true",
            "--image-tag-mutability", "IMMUTABLE_WITH_EXCLUSION",
            "--image-tag-mutability-exclusion-filters", "filterType=WILDCARD,filter=latest", "filterType=WILDCARD,filter=dev-*",
            "--encryption-configuration", "encryptionType=KMS,kmsKey=alias/app-images",
            "--tags", "Key=team,Value=platform", "Key=cost-center,Value=1234")).Json();

        // Then the repository is described as the service describes it, with the alias resolved to the key ARN
        EmulatorChecks.AssertFitsOutputShape("CreateRepository", created);
        var repository = created.GetProperty("repository");
        Assert.Equal("arn:aws:ecr:us-east-1:123456789012:repository/team/app", repository.GetProperty("repositoryArn").GetString());
        Assert.Equal("123456789012", repository.GetProperty("registryId").GetString());
        Assert.Equal("team/app", repository.GetProperty("repositoryName").GetString());
        Assert.Equal("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app", repository.GetProperty("repositoryUri").GetString());
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(repository.GetProperty("createdAt").GetDouble() * 1000));
        Assert.InRange(createdAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("IMMUTABLE_WITH_EXCLUSION", repository.GetProperty("imageTagMutability").GetString());
        Assert.Equal(
            ["latest", "dev-*"],
            repository.GetProperty("imageTagMutabilityExclusionFilters").EnumerateArray().Select(f => f.GetProperty("filter").GetString()));
        Assert.All(repository.GetProperty("imageTagMutabilityExclusionFilters").EnumerateArray(), f => Assert.Equal("WILDCARD", f.GetProperty("filterType").GetString()));
        Assert.True(repository.GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        Assert.Equal("KMS", repository.GetProperty("encryptionConfiguration").GetProperty("encryptionType").GetString());
        Assert.Equal(keyArn, repository.GetProperty("encryptionConfiguration").GetProperty("kmsKey").GetString());

        // And describing it by name gives the same repository, and its tags are there in the order given
        var described = (await Aws("ecr", "describe-repositories", "--repository-names", "team/app")).Json();
        EmulatorChecks.AssertFitsOutputShape("DescribeRepositories", described);
        Assert.True(EmulatorChecks.SameJson(repository.GetRawText(), described.GetProperty("repositories")[0].GetRawText()));
        var tags = (await Aws("ecr", "list-tags-for-resource", "--resource-arn", repository.GetProperty("repositoryArn").GetString()!)).Json();
        Assert.Equal(["team=platform", "cost-center=1234"], Tags(tags));

        // And the data plane sees the immutability rules: excluded tags move, others do not
        IEcrRegistryBackend backend = _emulator;
        Assert.False(backend.IsTagImmutable("team/app", "latest"));
        Assert.False(backend.IsTagImmutable("team/app", "dev-42"));
        Assert.True(backend.IsTagImmutable("team/app", "1.0.0"));
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task describe_repositories_pages_with_page_size_and_resumes_from_the_clis_next_token()
    {
        // Given five repositories
        string[] names = ["alpha", "bravo", "charlie", "delta", "echo"];
        foreach (var name in names)
        {
            (await Aws("ecr", "create-repository", "--repository-name", name)).Json();
        }

        // When the CLI lists them two per page, all of them
        var all = (await Aws("ecr", "describe-repositories", "--page-size", "2")).Json();

        // Then it followed nextToken through three pages and got every repository in order
        Assert.Equal(names, Names(all));
        Assert.Equal(3, _emulator.Requests.Count(r => r.Operation == "DescribeRepositories"));
        Assert.All(
            _emulator.Requests.Where(r => r.Operation == "DescribeRepositories"),
            r => Assert.Equal(2, JsonDocument.Parse(r.RequestBody).RootElement.GetProperty("maxResults").GetInt32()));

        // And with --max-items it stops after three and resumes from its own token
        var first = (await Aws("ecr", "describe-repositories", "--page-size", "2", "--max-items", "3")).Json();
        EmulatorChecks.AssertFitsOutputShape("DescribeRepositories", first, "NextToken");
        Assert.Equal(names[..3], Names(first));
        var rest = (await Aws("ecr", "describe-repositories", "--page-size", "2", "--starting-token", first.GetProperty("NextToken").GetString()!)).Json();
        Assert.Equal(names[3..], Names(rest));
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task lifecycle_and_repository_policies_are_stored_and_read_back_as_the_service_normalises_them()
    {
        // Given a repository and the two policies in files
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();
        var lifecycleFile = Path.Combine(_client.Home, "lifecycle.json");
        var policyFile = Path.Combine(_client.Home, "policy.json");
        await File.WriteAllTextAsync(lifecycleFile, EmulatorChecks.LifecyclePolicy);
        await File.WriteAllTextAsync(policyFile, EmulatorChecks.RepositoryPolicy);

        // When neither is set yet, reading them fails with the not-found errors
        var noLifecycle = await Aws("ecr", "get-lifecycle-policy", "--repository-name", "app");
        var noPolicy = await Aws("ecr", "get-repository-policy", "--repository-name", "app");
        AssertServiceError(noLifecycle, "LifecyclePolicyNotFoundException");
        AssertServiceError(noPolicy, "RepositoryPolicyNotFoundException");

        // When the CLI sets them from the files
        var put = (await Aws("ecr", "put-lifecycle-policy", "--repository-name", "app", "--lifecycle-policy-text", "file://" + lifecycleFile)).Json();
        var set = (await Aws("ecr", "set-repository-policy", "--repository-name", "app", "--policy-text", "file://" + policyFile)).Json();

        // Then both are read back as the same documents (in the service's own formatting, so clients must compare JSON, not text)
        EmulatorChecks.AssertFitsOutputShape("PutLifecyclePolicy", put);
        EmulatorChecks.AssertFitsOutputShape("SetRepositoryPolicy", set);
        var lifecycle = (await Aws("ecr", "get-lifecycle-policy", "--repository-name", "app")).Json();
        var policy = (await Aws("ecr", "get-repository-policy", "--repository-name", "app")).Json();
        EmulatorChecks.AssertFitsOutputShape("GetLifecyclePolicy", lifecycle);
        EmulatorChecks.AssertFitsOutputShape("GetRepositoryPolicy", policy);
        Assert.Equal("123456789012", lifecycle.GetProperty("registryId").GetString());
        Assert.Equal("app", lifecycle.GetProperty("repositoryName").GetString());
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.LifecyclePolicy, lifecycle.GetProperty("lifecyclePolicyText").GetString()!));
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.RepositoryPolicy, policy.GetProperty("policyText").GetString()!));
        Assert.StartsWith("{\n  \"Version\" : \"2012-10-17\",\n  \"Statement\" : [ {\n", policy.GetProperty("policyText").GetString(), StringComparison.Ordinal);

        // And a lifecycle policy without rules, or a repository policy that is not JSON, is refused
        await File.WriteAllTextAsync(lifecycleFile, """{"description":"a policy that forgot its rules, padded to the model's minimum length of 100 characters..."}""");
        AssertServiceError(await Aws("ecr", "put-lifecycle-policy", "--repository-name", "app", "--lifecycle-policy-text", "file://" + lifecycleFile), "InvalidParameterException");
        AssertServiceError(await Aws("ecr", "set-repository-policy", "--repository-name", "app", "--policy-text", "not json"), "InvalidParameterException");
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task tags_are_added_replaced_removed_and_limited_to_fifty()
    {
        // Given a tagged repository
        var arn = (await Aws("ecr", "create-repository", "--repository-name", "app", "--tags", "Key=team,Value=platform")).Json()
            .GetProperty("repository").GetProperty("repositoryArn").GetString()!;

        // When tags are added, one replaced and one removed
        (await Aws("ecr", "tag-resource", "--resource-arn", arn, "--tags", "Key=team,Value=security", "Key=env,Value=prod", "Key=owner,Value=ops")).Json();
        (await Aws("ecr", "untag-resource", "--resource-arn", arn, "--tag-keys", "owner")).Json();

        // Then the list shows the result
        var tags = (await Aws("ecr", "list-tags-for-resource", "--resource-arn", arn)).Json();
        EmulatorChecks.AssertFitsOutputShape("ListTagsForResource", tags);
        Assert.Equal(["team=security", "env=prod"], Tags(tags));

        // And the 51st tag, an aws: key and an unknown repository are refused
        var many = Enumerable.Range(0, 49).Select(i => $"Key=k{i},Value=v").ToArray();
        AssertServiceError(await Aws(["ecr", "tag-resource", "--resource-arn", arn, "--tags", .. many]), "TooManyTagsException");
        AssertServiceError(await Aws("ecr", "tag-resource", "--resource-arn", arn, "--tags", "Key=aws:reserved,Value=x"), "InvalidTagParameterException");
        AssertServiceError(await Aws("ecr", "list-tags-for-resource", "--resource-arn", arn + "-missing"), "RepositoryNotFoundException");
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task get_authorization_token_and_get_login_password_give_a_12_hour_AWS_password_the_data_plane_accepts()
    {
        // When the CLI asks for a token, and for the login password
        var before = DateTimeOffset.UtcNow;
        var token = (await Aws("ecr", "get-authorization-token")).Json();
        var loginPassword = (await Aws("ecr", "get-login-password")).StandardOutput.Trim();

        // Then the token is base64 of AWS:<password>, valid 12 hours, for the account's registry endpoint
        EmulatorChecks.AssertFitsOutputShape("GetAuthorizationToken", token);
        var data = Assert.Single(token.GetProperty("authorizationData").EnumerateArray());
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("authorizationToken").GetString()!));
        Assert.StartsWith("AWS:", decoded, StringComparison.Ordinal);
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(data.GetProperty("expiresAt").GetDouble() * 1000));
        Assert.InRange(expiresAt - before, TimeSpan.FromHours(12) - TimeSpan.FromSeconds(5), TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));
        Assert.Equal("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", data.GetProperty("proxyEndpoint").GetString());

        // And both passwords are ones the data-plane facade accepts, and a made-up one is not
        IEcrRegistryBackend backend = _emulator;
        Assert.True(backend.IsValidRegistryPassword(decoded["AWS:".Length..]));
        Assert.True(backend.IsValidRegistryPassword(loginPassword));
        Assert.False(backend.IsValidRegistryPassword("not-issued"));
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task describe_image_scan_findings_reads_every_page_of_basic_findings_after_scan_on_push()
    {
        // Given a scan-on-push repository, an image put into it and seeded findings
        (await Aws("ecr", "create-repository", "--repository-name", "app", "--image-scanning-configuration", "scanOnPush=true")).Json();
        var (manifest, digest) = EmulatorChecks.ImageManifest("basic");
        _emulator.SeedFindings("app", digest, EcrFindingsSeed.DebianDotNetApp);
        var put = (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.0", "--image-manifest", manifest)).Json();
        EmulatorChecks.AssertFitsOutputShape("PutImage", put);
        Assert.Equal(digest, put.GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());

        // When the CLI waits for the scan and reads the findings three per page
        (await Aws("ecr", "wait", "image-scan-complete", "--repository-name", "app", "--image-id", "imageTag=1.0")).Json();
        var findings = (await Aws("ecr", "describe-image-scan-findings", "--repository-name", "app", "--image-id", "imageTag=1.0", "--page-size", "3")).Json();

        // Then it got the OS findings only (basic scanning does not see NuGet packages), from two pages, with the service's attributes
        EmulatorChecks.AssertFitsOutputShape("DescribeImageScanFindings", findings);
        Assert.Equal("COMPLETE", findings.GetProperty("imageScanStatus").GetProperty("status").GetString());
        var scan = findings.GetProperty("imageScanFindings");
        var list = scan.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(["CVE-2023-45853", "CVE-2023-4911", "CVE-2024-6387", "CVE-2024-28085", "CVE-2011-3374", "CVE-2005-2541"], list.Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(2, _emulator.Requests.Count(r => r.Operation == "DescribeImageScanFindings" && r.RequestBody.Contains("maxResults", StringComparison.Ordinal)));
        var glibc = list[1];
        Assert.Equal("HIGH", glibc.GetProperty("severity").GetString());
        Assert.Equal("https://security-tracker.debian.org/tracker/CVE-2023-4911", glibc.GetProperty("uri").GetString());
        var attributes = glibc.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").GetString());
        Assert.Equal("glibc", attributes["package_name"]);
        Assert.Equal("2.36-9+deb12u1", attributes["package_version"]);
        Assert.Equal("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", attributes["CVSS3_VECTOR"]);
        Assert.Equal("7.8", attributes["CVSS3_SCORE"]);
        var counts = scan.GetProperty("findingSeverityCounts");
        Assert.Equal(1, counts.GetProperty("CRITICAL").GetInt32());
        Assert.Equal(2, counts.GetProperty("HIGH").GetInt32());
        Assert.Equal(1, counts.GetProperty("MEDIUM").GetInt32());
        Assert.Equal(1, counts.GetProperty("LOW").GetInt32());
        Assert.Equal(1, counts.GetProperty("INFORMATIONAL").GetInt32());

        // And DescribeImages summarises the same scan
        var images = (await Aws("ecr", "describe-images", "--repository-name", "app")).Json();
        EmulatorChecks.AssertFitsOutputShape("DescribeImages", images);
        var detail = Assert.Single(images.GetProperty("imageDetails").EnumerateArray());
        Assert.Equal(digest, detail.GetProperty("imageDigest").GetString());
        Assert.Equal(["1.0"], detail.GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2001, detail.GetProperty("imageSizeInBytes").GetInt64());
        Assert.Equal("application/vnd.oci.image.config.v1+json", detail.GetProperty("artifactMediaType").GetString());
        Assert.Equal("COMPLETE", detail.GetProperty("imageScanStatus").GetProperty("status").GetString());
        Assert.True(EmulatorChecks.SameJson(counts.GetRawText(), detail.GetProperty("imageScanFindingsSummary").GetProperty("findingSeverityCounts").GetRawText()));
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task describe_image_scan_findings_reads_every_page_of_enhanced_findings()
    {
        // Given enhanced scanning on push for every repository, and an image with seeded findings
        var configured = (await Aws(
            "ecr", "put-registry-scanning-configuration", "--scan-type", "ENHANCED",
            "--rules", """[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]""")).Json();
        EmulatorChecks.AssertFitsOutputShape("PutRegistryScanningConfiguration", configured);
        var read = (await Aws("ecr", "get-registry-scanning-configuration")).Json();
        EmulatorChecks.AssertFitsOutputShape("GetRegistryScanningConfiguration", read);
        Assert.Equal("ENHANCED", read.GetProperty("scanningConfiguration").GetProperty("scanType").GetString());
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();
        var (manifest, digest) = EmulatorChecks.ImageManifest("enhanced");
        _emulator.SeedFindings("app", digest, EcrFindingsSeed.DebianDotNetApp);
        (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "2.0", "--image-manifest", manifest)).Json();

        // When the CLI reads the findings three per page
        var findings = (await Aws("ecr", "describe-image-scan-findings", "--repository-name", "app", "--image-id", $"imageDigest={digest}", "--page-size", "3")).Json();

        // Then it has all eight Inspector findings (NuGet ones included) from three pages, shaped as Inspector writes them
        EmulatorChecks.AssertFitsOutputShape("DescribeImageScanFindings", findings);
        var enhanced = findings.GetProperty("imageScanFindings").GetProperty("enhancedFindings").EnumerateArray().ToList();
        Assert.Equal(8, enhanced.Count);
        Assert.Equal(3, _emulator.Requests.Count(r => r.Operation == "DescribeImageScanFindings"));
        var json = enhanced.Single(f => f.GetProperty("packageVulnerabilityDetails").GetProperty("vulnerabilityId").GetString() == "GHSA-8g4q-xg66-9fp4");
        Assert.Equal("HIGH", json.GetProperty("severity").GetString());
        Assert.Equal(7.5, json.GetProperty("score").GetDouble());
        Assert.Equal("PACKAGE_VULNERABILITY", json.GetProperty("type").GetString());
        Assert.Equal("YES", json.GetProperty("fixAvailable").GetString());
        Assert.StartsWith("arn:aws:inspector2:us-east-1:123456789012:finding/", json.GetProperty("findingArn").GetString(), StringComparison.Ordinal);
        var package = Assert.Single(json.GetProperty("packageVulnerabilityDetails").GetProperty("vulnerablePackages").EnumerateArray());
        Assert.Equal("NUGET", package.GetProperty("packageManager").GetString());
        Assert.Equal("8.0.5", package.GetProperty("fixedInVersion").GetString());
        Assert.Equal("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", json.GetProperty("packageVulnerabilityDetails").GetProperty("cvss")[0].GetProperty("scoringVector").GetString());
        var resource = json.GetProperty("resources")[0].GetProperty("details").GetProperty("awsEcrContainerImage");
        Assert.Equal(digest, resource.GetProperty("imageHash").GetString());
        Assert.Equal("app", resource.GetProperty("repositoryName").GetString());
        var counts = findings.GetProperty("imageScanFindings").GetProperty("findingSeverityCounts");
        Assert.Equal(
            """{"CRITICAL":1,"HIGH":4,"INFORMATIONAL":1,"LOW":1,"MEDIUM":1}""",
            System.Text.Json.Nodes.JsonNode.Parse(counts.GetRawText())!.ToJsonString());
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task put_image_tag_mutability_changes_the_repository_and_an_immutable_tag_cannot_move()
    {
        // Given a mutable repository with an image tagged 1.0
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();
        var (first, _) = EmulatorChecks.ImageManifest("first");
        var (second, _) = EmulatorChecks.ImageManifest("second");
        (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.0", "--image-manifest", first)).Json();

        // When the CLI makes the repository immutable
        var changed = (await Aws("ecr", "put-image-tag-mutability", "--repository-name", "app", "--image-tag-mutability", "IMMUTABLE")).Json();

        // Then the answer and the repository say so, and moving 1.0 to another image is refused while a new tag is fine
        EmulatorChecks.AssertFitsOutputShape("PutImageTagMutability", changed);
        Assert.Equal("IMMUTABLE", changed.GetProperty("imageTagMutability").GetString());
        var described = (await Aws("ecr", "describe-repositories", "--repository-names", "app")).Json();
        Assert.Equal("IMMUTABLE", described.GetProperty("repositories")[0].GetProperty("imageTagMutability").GetString());
        AssertServiceError(await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.0", "--image-manifest", second), "ImageTagAlreadyExistsException");
        AssertServiceError(await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.0", "--image-manifest", first), "ImageAlreadyExistsException");
        (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.1", "--image-manifest", second)).Json();
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task images_are_described_page_by_page_got_in_batches_with_failures_and_their_layers_and_referrers_listed()
    {
        // Given three images, one of them with an SBOM referrer
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();
        var digests = new List<string>();
        foreach (var tag in new[] { "1", "2", "3" })
        {
            var (manifest, digest) = EmulatorChecks.ImageManifest("image-" + tag);
            (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", tag, "--image-manifest", manifest)).Json();
            digests.Add(digest);
        }

        var subjectSize = Encoding.UTF8.GetByteCount(EmulatorChecks.ImageManifest("image-1").Text);
        var (sbom, sbomDigest) = EmulatorChecks.ReferrerManifest(digests[0], subjectSize, "application/spdx+json");
        (await Aws("ecr", "put-image", "--repository-name", "app", "--image-manifest", sbom)).Json();

        // When the CLI describes them two per page, gets two that exist and one that does not, checks layers and lists referrers
        var described = (await Aws("ecr", "describe-images", "--repository-name", "app", "--filter", "tagStatus=TAGGED", "--page-size", "2")).Json();
        var batch = (await Aws("ecr", "batch-get-image", "--repository-name", "app", "--image-ids", "imageTag=1", $"imageDigest={digests[1]}", "imageTag=missing")).Json();
        var layers = (await Aws("ecr", "batch-check-layer-availability", "--repository-name", "app", "--layer-digests", EmulatorChecks.Sha256("image-1-layer-0"), EmulatorChecks.Sha256("never-pushed"))).Json();
        var referrers = (await Aws("ecr", "list-image-referrers", "--repository-name", "app", "--subject-id", $"imageDigest={digests[0]}")).Json();

        // Then each answer is the service's
        EmulatorChecks.AssertFitsOutputShape("DescribeImages", described);
        Assert.Equal(digests, described.GetProperty("imageDetails").EnumerateArray().Select(d => d.GetProperty("imageDigest").GetString()!));
        Assert.Equal(2, _emulator.Requests.Count(r => r.Operation == "DescribeImages"));

        EmulatorChecks.AssertFitsOutputShape("BatchGetImage", batch);
        Assert.Equal(2, batch.GetProperty("images").GetArrayLength());
        Assert.Equal(EmulatorChecks.ImageManifest("image-1").Text, batch.GetProperty("images")[0].GetProperty("imageManifest").GetString());
        var failure = Assert.Single(batch.GetProperty("failures").EnumerateArray());
        Assert.Equal("ImageNotFound", failure.GetProperty("failureCode").GetString());
        Assert.Equal("missing", failure.GetProperty("imageId").GetProperty("imageTag").GetString());

        EmulatorChecks.AssertFitsOutputShape("BatchCheckLayerAvailability", layers);
        var layer = Assert.Single(layers.GetProperty("layers").EnumerateArray());
        Assert.Equal("AVAILABLE", layer.GetProperty("layerAvailability").GetString());
        Assert.Equal(1000, layer.GetProperty("layerSize").GetInt64());
        Assert.Equal("MissingLayerDigest", Assert.Single(layers.GetProperty("failures").EnumerateArray()).GetProperty("failureCode").GetString());

        EmulatorChecks.AssertFitsOutputShape("ListImageReferrers", referrers);
        var referrer = Assert.Single(referrers.GetProperty("referrers").EnumerateArray());
        Assert.Equal(sbomDigest, referrer.GetProperty("digest").GetString());
        Assert.Equal("application/spdx+json", referrer.GetProperty("artifactType").GetString());
        Assert.Equal("2025-01-02T03:04:05Z", referrer.GetProperty("annotations").GetProperty("org.opencontainers.image.created").GetString());
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task start_image_scan_allows_one_scan_a_day_and_findings_of_an_unscanned_image_are_ScanNotFound()
    {
        // Given an image in a repository without scan on push
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();
        var (manifest, _) = EmulatorChecks.ImageManifest("manual");
        (await Aws("ecr", "put-image", "--repository-name", "app", "--image-tag", "1.0", "--image-manifest", manifest)).Json();

        // When its findings are asked for, then a scan started twice
        var notScanned = await Aws("ecr", "describe-image-scan-findings", "--repository-name", "app", "--image-id", "imageTag=1.0");
        var started = (await Aws("ecr", "start-image-scan", "--repository-name", "app", "--image-id", "imageTag=1.0")).Json();
        var again = await Aws("ecr", "start-image-scan", "--repository-name", "app", "--image-id", "imageTag=1.0");

        // Then: ScanNotFoundException, IN_PROGRESS, then the daily quota
        AssertServiceError(notScanned, "ScanNotFoundException");
        EmulatorChecks.AssertFitsOutputShape("StartImageScan", started);
        Assert.Equal("IN_PROGRESS", started.GetProperty("imageScanStatus").GetProperty("status").GetString());
        AssertServiceError(again, "LimitExceededException");
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task replication_is_configured_and_described()
    {
        var put = (await Aws(
            "ecr", "put-replication-configuration", "--replication-configuration",
            """{"rules":[{"destinations":[{"region":"eu-west-1","registryId":"123456789012"}],"repositoryFilters":[{"filter":"prod","filterType":"PREFIX_MATCH"}]}]}""")).Json();
        var described = (await Aws("ecr", "describe-registry")).Json();

        EmulatorChecks.AssertFitsOutputShape("PutReplicationConfiguration", put);
        EmulatorChecks.AssertFitsOutputShape("DescribeRegistry", described);
        Assert.Equal("123456789012", described.GetProperty("registryId").GetString());
        var rule = Assert.Single(described.GetProperty("replicationConfiguration").GetProperty("rules").EnumerateArray());
        Assert.Equal("eu-west-1", rule.GetProperty("destinations")[0].GetProperty("region").GetString());
        Assert.Equal("prod", rule.GetProperty("repositoryFilters")[0].GetProperty("filter").GetString());
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task service_errors_come_back_as_the_cli_reports_them()
    {
        // Given one repository
        (await Aws("ecr", "create-repository", "--repository-name", "app")).Json();

        // When the CLI asks for missing things and breaks the rules
        var missing = await Aws("ecr", "describe-repositories", "--repository-names", "does-not-exist");
        var duplicate = await Aws("ecr", "create-repository", "--repository-name", "app");
        var unknownKey = await Aws("ecr", "create-repository", "--repository-name", "secret", "--encryption-configuration", "encryptionType=KMS,kmsKey=alias/nope");
        var badName = await Aws("ecr", "create-repository", "--repository-name", "Upper/Case");
        var missingImage = await Aws("ecr", "describe-images", "--repository-name", "app", "--image-ids", "imageTag=nope");

        // Then each fails with the service's error in the CLI's words
        AssertServiceError(missing, "RepositoryNotFoundException");
        Assert.Contains("The repository with name 'does-not-exist' does not exist in the registry with id '123456789012'", missing.StandardError, StringComparison.Ordinal);
        AssertServiceError(duplicate, "RepositoryAlreadyExistsException");
        AssertServiceError(unknownKey, "KmsException");
        AssertServiceError(badName, "InvalidParameterException");
        Assert.Contains("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression", badName.StandardError, StringComparison.Ordinal);
        AssertServiceError(missingImage, "ImageNotFoundException");
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task throttling_bursts_and_server_errors_are_retried_by_the_cli_until_the_call_succeeds()
    {
        // Given two throttles, a 500 and a 503 queued for DescribeRepositories
        _emulator.Scenario
            .Fail("DescribeRepositories", EcrFault.Throttling, times: 2)
            .Fail("DescribeRepositories", EcrFault.ServerError)
            .Fail("DescribeRepositories", EcrFault.ServiceUnavailable);

        // When the CLI describes the repositories
        var described = (await Aws("ecr", "describe-repositories")).Json();

        // Then it retried through all four and got the answer on the fifth call
        Assert.Empty(described.GetProperty("repositories").EnumerateArray());
        Assert.Equal(
            ["ThrottlingException", "ThrottlingException", "ServerException", "ServiceUnavailableException", null],
            _emulator.Requests.Select(r => r.ErrorCode));
        Assert.Equal([400, 400, 500, 503, 200], _emulator.Requests.Select(r => r.StatusCode));
        Assert.Equal(0, _emulator.Scenario.PendingFaults("DescribeRepositories"));
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task a_request_signed_with_a_wrong_secret_or_an_unknown_key_is_refused_and_temporary_credentials_need_their_token()
    {
        // Given clients with a wrong secret, an unknown key, and temporary credentials the emulator knows
        using var wrongSecret = new IndependentClient(EcrEmulator.DefaultCredentials with { SecretAccessKey = "wrong-secret-wrong-secret-wrong-secret00" });
        using var unknownKey = new IndependentClient(new SigV4Credentials("AKIAUNKNOWNKEY000000", "whatever"));
        var temporary = new SigV4Credentials("ASIATEMPORARYKEY0000", "temporary-secret", "IQoJb3JpZ2luX2VjEXAMPLEtokenvalue");
        _emulator.AddCredentials(temporary);
        using var withToken = new IndependentClient(temporary);
        using var withWrongToken = new IndependentClient(temporary with { SessionToken = "another-token" });

        // When each describes the repositories
        var refused = await Aws(wrongSecret, "ecr", "describe-repositories");
        var unrecognised = await Aws(unknownKey, "ecr", "describe-repositories");
        var temporaryResult = await Aws(withToken, "ecr", "describe-repositories");
        var wrongToken = await Aws(withWrongToken, "ecr", "describe-repositories");

        // Then the signature check refuses the wrong secret and the unknown key, and accepts the temporary credentials with their token only
        AssertServiceError(refused, "InvalidSignatureException");
        Assert.Contains("The request signature we calculated does not match the signature you provided.", refused.StandardError, StringComparison.Ordinal);
        AssertServiceError(unrecognised, "UnrecognizedClientException");
        temporaryResult.Json();
        AssertServiceError(wrongToken, "UnrecognizedClientException");
        Assert.Contains(_emulator.Requests, r => r.StatusCode == 200 && r.AccessKeyId == temporary.AccessKeyId);
        Assert.All(_emulator.Requests.Where(r => r.StatusCode != 200), r => Assert.Null(r.AccessKeyId));
        _emulator.AssertNoModelViolations();
    }

    private Task<ClientResult> Aws(params string[] arguments) => Aws(_client, arguments);

    private Task<ClientResult> Aws(IndependentClient client, params string[] arguments)
        => client.RunAsync("aws", ["--endpoint-url", _emulator.Endpoint.ToString().TrimEnd('/'), "--region", "us-east-1", "--output", "json", .. arguments]);

    /// <summary>The CLI's failure for a service error: exit 254 (v2) or 255 (v1), the error name in its message.</summary>
    private static void AssertServiceError(ClientResult result, string errorCode)
    {
        Assert.True(result.ExitCode is 254 or 255, $"expected exit 254/255 with {errorCode}, got {result.ExitCode}: {result.StandardError}{result.StandardOutput}");
        Assert.Contains($"An error occurred ({errorCode})", result.StandardError, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Names(JsonElement output)
        => output.GetProperty("repositories").EnumerateArray().Select(r => r.GetProperty("repositoryName").GetString()!);

    private static IEnumerable<string> Tags(JsonElement output)
        => output.GetProperty("tags").EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}");
}
