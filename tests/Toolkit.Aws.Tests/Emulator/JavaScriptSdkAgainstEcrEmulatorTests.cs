using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// The AWS SDK for JavaScript v3 (<c>@aws-sdk/client-ecr</c>, installed into <c>tests/peers</c> by <c>.ci/run</c>) against the
/// ECR emulator: a second independent client, with its own serializers, error parsing, paginators, retry strategy and
/// SigV4 signer. A Node script (<c>Emulator/js/ecr-client.mjs</c>) runs a plan of calls; the test checks each answer
/// against the model and against what the service answers.
/// </summary>
public sealed class JavaScriptSdkAgainstEcrEmulatorTests : IDisposable
{
    public const string SdkVersion = "3.1169.0";
    private const string InstallCommand = "npm install --prefix tests/peers --no-save";

    private readonly EcrEmulator _emulator = new();
    private readonly IndependentClient _client = new(EcrEmulator.DefaultCredentials);

    public void Dispose()
    {
        _client.Dispose();
        _emulator.Dispose();
    }

    [Fact]
    public async Task the_sdk_creates_describes_sets_policies_tags_gets_a_token_and_reads_findings_with_the_services_answers()
    {
        // Given a KMS alias and findings seeded for the image the plan puts
        var keyArn = _emulator.AddKmsKey("alias/app-images");
        var (manifest, digest) = EmulatorChecks.ImageManifest("javascript");
        _emulator.SeedFindings("team/app", digest, EcrFindingsSeed.DebianDotNetApp);
        var (sbom, sbomDigest) = EmulatorChecks.ReferrerManifest(digest, Encoding.UTF8.GetByteCount(manifest), "application/spdx+json");

        // When the SDK runs the plan
        var results = await RunAsync(
            Step("CreateRepository", new JsonObject
            {
                ["repositoryName"] = "team/app",
                ["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = true },
                ["imageTagMutability"] = "IMMUTABLE_WITH_EXCLUSION",
                ["imageTagMutabilityExclusionFilters"] = new JsonArray(new JsonObject { ["filterType"] = "WILDCARD", ["filter"] = "latest" }),
                ["encryptionConfiguration"] = new JsonObject { ["encryptionType"] = "KMS", ["kmsKey"] = "alias/app-images" },
                ["tags"] = new JsonArray(new JsonObject { ["Key"] = "team", ["Value"] = "platform" }),
            }),
            Step("CreateRepository", new JsonObject { ["repositoryName"] = "bravo" }),
            Step("CreateRepository", new JsonObject { ["repositoryName"] = "charlie" }),
            Paginated("DescribeRepositories", 2),
            Step("DescribeRepositories", new JsonObject { ["repositoryNames"] = new JsonArray("team/app") }),
            Step("PutLifecyclePolicy", new JsonObject { ["repositoryName"] = "team/app", ["lifecyclePolicyText"] = EmulatorChecks.LifecyclePolicy }),
            Step("GetLifecyclePolicy", new JsonObject { ["repositoryName"] = "team/app" }),
            Step("SetRepositoryPolicy", new JsonObject { ["repositoryName"] = "team/app", ["policyText"] = EmulatorChecks.RepositoryPolicy }),
            Step("GetRepositoryPolicy", new JsonObject { ["repositoryName"] = "team/app" }),
            Step("TagResource", new JsonObject
            {
                ["resourceArn"] = "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
                ["tags"] = new JsonArray(new JsonObject { ["Key"] = "env", ["Value"] = "prod" }),
            }),
            Step("ListTagsForResource", new JsonObject { ["resourceArn"] = "arn:aws:ecr:us-east-1:123456789012:repository/team/app" }),
            Step("GetAuthorizationToken", []),
            Step("PutImage", new JsonObject { ["repositoryName"] = "team/app", ["imageTag"] = "1.0.0", ["imageManifest"] = manifest }),
            Step("PutImage", new JsonObject { ["repositoryName"] = "team/app", ["imageManifest"] = sbom }),
            Paginated("DescribeImageScanFindings", 3, new JsonObject { ["repositoryName"] = "team/app", ["imageId"] = new JsonObject { ["imageTag"] = "1.0.0" } }),
            Step("DescribeImages", new JsonObject { ["repositoryName"] = "team/app", ["imageIds"] = new JsonArray(new JsonObject { ["imageTag"] = "1.0.0" }) }),
            Step("BatchGetImage", new JsonObject
            {
                ["repositoryName"] = "team/app",
                ["imageIds"] = new JsonArray(new JsonObject { ["imageDigest"] = digest }, new JsonObject { ["imageTag"] = "missing" }),
            }),
            Step("ListImageReferrers", new JsonObject { ["repositoryName"] = "team/app", ["subjectId"] = new JsonObject { ["imageDigest"] = digest } }),
            Step("PutImageTagMutability", new JsonObject { ["repositoryName"] = "bravo", ["imageTagMutability"] = "IMMUTABLE" }),
            Step("GetRegistryScanningConfiguration", []),
            Step("PutReplicationConfiguration", new JsonObject
            {
                ["replicationConfiguration"] = new JsonObject
                {
                    ["rules"] = new JsonArray(new JsonObject { ["destinations"] = new JsonArray(new JsonObject { ["region"] = "eu-west-1", ["registryId"] = "123456789012" }) }),
                },
            }),
            Step("DescribeRegistry", []),
            Step("DescribeRepositories", new JsonObject { ["repositoryNames"] = new JsonArray("does-not-exist") }),
            Step("CreateRepository", new JsonObject { ["repositoryName"] = "bravo" }),
            Step("CreateRepository", new JsonObject
            {
                ["repositoryName"] = "secret",
                ["encryptionConfiguration"] = new JsonObject { ["encryptionType"] = "KMS", ["kmsKey"] = "alias/nope" },
            }),
            Step("GetLifecyclePolicy", new JsonObject { ["repositoryName"] = "bravo" }),
            Step("PutImage", new JsonObject { ["repositoryName"] = "team/app", ["imageTag"] = "1.0.0", ["imageManifest"] = EmulatorChecks.ImageManifest("other").Text }),
            Step("StartImageScan", new JsonObject { ["repositoryName"] = "team/app", ["imageId"] = new JsonObject { ["imageTag"] = "1.0.0" } }));

        // Then every call answered as the service answers
        var created = Output(results[0], "CreateRepository").GetProperty("repository");
        Assert.Equal("arn:aws:ecr:us-east-1:123456789012:repository/team/app", created.GetProperty("repositoryArn").GetString());
        Assert.Equal("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app", created.GetProperty("repositoryUri").GetString());
        Assert.Equal(keyArn, created.GetProperty("encryptionConfiguration").GetProperty("kmsKey").GetString());
        Assert.Equal("IMMUTABLE_WITH_EXCLUSION", created.GetProperty("imageTagMutability").GetString());
        Assert.True(created.GetProperty("imageScanningConfiguration").GetProperty("scanOnPush").GetBoolean());
        Assert.Equal(_emulator.Requests[0].RequestId, results[0].GetProperty("requestId").GetString());

        var pages = Pages(results[3], "DescribeRepositories");
        Assert.Equal(2, pages.Count);
        Assert.Equal(["team/app", "bravo", "charlie"], pages.SelectMany(p => p.GetProperty("repositories").EnumerateArray()).Select(r => r.GetProperty("repositoryName").GetString()));
        Assert.True(EmulatorChecks.SameJson(created.GetRawText(), Output(results[4], "DescribeRepositories").GetProperty("repositories")[0].GetRawText()));

        Output(results[5], "PutLifecyclePolicy");
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.LifecyclePolicy, Output(results[6], "GetLifecyclePolicy").GetProperty("lifecyclePolicyText").GetString()!));
        Output(results[7], "SetRepositoryPolicy");
        Assert.True(EmulatorChecks.SameJson(EmulatorChecks.RepositoryPolicy, Output(results[8], "GetRepositoryPolicy").GetProperty("policyText").GetString()!));
        Output(results[9], "TagResource");
        Assert.Equal(
            ["team=platform", "env=prod"],
            Output(results[10], "ListTagsForResource").GetProperty("tags").EnumerateArray().Select(t => $"{t.GetProperty("Key").GetString()}={t.GetProperty("Value").GetString()}"));

        var token = Output(results[11], "GetAuthorizationToken").GetProperty("authorizationData")[0];
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token.GetProperty("authorizationToken").GetString()!));
        Assert.StartsWith("AWS:", decoded, StringComparison.Ordinal);
        Assert.True(((IEcrRegistryBackend)_emulator).IsValidRegistryPassword(decoded[4..]));
        Assert.Equal("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", token.GetProperty("proxyEndpoint").GetString());

        Assert.Equal(digest, Output(results[12], "PutImage").GetProperty("image").GetProperty("imageId").GetProperty("imageDigest").GetString());
        Output(results[13], "PutImage");
        var findingPages = Pages(results[14], "DescribeImageScanFindings");
        Assert.Equal(2, findingPages.Count);
        Assert.All(findingPages, p => Assert.Equal("COMPLETE", p.GetProperty("imageScanStatus").GetProperty("status").GetString()));
        Assert.Equal(
            ["CVE-2023-45853", "CVE-2023-4911", "CVE-2024-6387", "CVE-2024-28085", "CVE-2011-3374", "CVE-2005-2541"],
            findingPages.SelectMany(p => p.GetProperty("imageScanFindings").GetProperty("findings").EnumerateArray()).Select(f => f.GetProperty("name").GetString()));

        var detail = Output(results[15], "DescribeImages").GetProperty("imageDetails")[0];
        Assert.Equal("COMPLETE", detail.GetProperty("imageScanStatus").GetProperty("status").GetString());
        Assert.Equal(1, detail.GetProperty("imageScanFindingsSummary").GetProperty("findingSeverityCounts").GetProperty("CRITICAL").GetInt32());
        var batch = Output(results[16], "BatchGetImage");
        Assert.Equal(manifest, batch.GetProperty("images")[0].GetProperty("imageManifest").GetString());
        Assert.Equal("ImageNotFound", batch.GetProperty("failures")[0].GetProperty("failureCode").GetString());
        Assert.Equal(sbomDigest, Output(results[17], "ListImageReferrers").GetProperty("referrers")[0].GetProperty("digest").GetString());
        Assert.Equal("IMMUTABLE", Output(results[18], "PutImageTagMutability").GetProperty("imageTagMutability").GetString());
        Assert.Equal("BASIC", Output(results[19], "GetRegistryScanningConfiguration").GetProperty("scanningConfiguration").GetProperty("scanType").GetString());
        Output(results[20], "PutReplicationConfiguration");
        Assert.Equal("eu-west-1", Output(results[21], "DescribeRegistry").GetProperty("replicationConfiguration").GetProperty("rules")[0].GetProperty("destinations")[0].GetProperty("region").GetString());

        // And the errors are the service's, typed by the SDK from __type, with their modelled members
        AssertError(results[22], "RepositoryNotFoundException", 400);
        AssertError(results[23], "RepositoryAlreadyExistsException", 400);
        var kms = AssertError(results[24], "KmsException", 400);
        Assert.Equal("NotFoundException", kms.GetProperty("kmsError").GetString());
        AssertError(results[25], "LifecyclePolicyNotFoundException", 400);
        AssertError(results[26], "ImageTagAlreadyExistsException", 400);
        AssertError(results[27], "LimitExceededException", 400);
        EmulatorChecks.AssertHealthy(_emulator);
    }

    [Fact]
    public async Task the_sdk_retries_throttling_and_server_faults_and_a_wrong_secret_is_refused()
    {
        // Given a throttle and a 500 queued for DescribeRepositories
        _emulator.Scenario.Fail("DescribeRepositories", EcrFault.Throttling).Fail("DescribeRepositories", EcrFault.ServerError);

        // When the SDK describes the repositories, and then signs with a wrong secret
        var retried = await RunAsync(Step("DescribeRepositories", []));
        _client.Environment["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-wrong-secret-wrong-secret00";
        var refused = await RunAsync(Step("DescribeRepositories", []));

        // Then the first succeeded on its third attempt and the second was refused by the signature check
        Output(retried[0], "DescribeRepositories");
        Assert.Equal(3, retried[0].GetProperty("attempts").GetInt32());
        Assert.Equal(["ThrottlingException", "ServerException", null], _emulator.Requests.Take(3).Select(r => r.ErrorCode));
        var error = AssertError(refused[0], "InvalidSignatureException", 400);
        Assert.StartsWith(SigV4Verifier.MismatchMessage, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("InvalidSignatureException", _emulator.Requests[^1].ErrorCode);
        _emulator.AssertNoModelViolations();
    }

    private static JsonObject Step(string operation, JsonObject input) => new() { ["operation"] = operation, ["input"] = input };

    private static JsonObject Paginated(string operation, int pageSize, JsonObject? input = null)
        => new() { ["operation"] = operation, ["paginate"] = true, ["pageSize"] = pageSize, ["input"] = input ?? [] };

    private async Task<List<JsonElement>> RunAsync(params JsonObject[] steps)
    {
        var peers = Path.Combine(TestPaths.RepositoryRoot, "tests", "peers");
        var package = Path.Combine(peers, "node_modules", "@aws-sdk", "client-ecr", "package.json");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"@aws-sdk/client-ecr is not installed in {peers}; install the test peers with: {InstallCommand}");
        }

        using (var installed = JsonDocument.Parse(await File.ReadAllBytesAsync(package)))
        {
            var version = installed.RootElement.GetProperty("version").GetString();
            Assert.True(version == SdkVersion, $"{peers} has @aws-sdk/client-ecr {version}, the tests use {SdkVersion}; reinstall with: {InstallCommand}");
        }

        var plan = new JsonObject
        {
            ["endpoint"] = _emulator.Endpoint.ToString().TrimEnd('/'),
            ["region"] = _emulator.Region,
            ["steps"] = new JsonArray([.. steps]),
        };
        _client.Environment["TOOLKIT_PEERS_DIR"] = peers;
        _client.Environment["NODE_NO_WARNINGS"] = "1";
        var script = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Aws.Tests", "Emulator", "js", "ecr-client.mjs");
        var result = await _client.RunAsync("node", [script], plan.ToJsonString());
        var output = result.Json();
        var results = output.EnumerateArray().ToList();
        Assert.Equal(steps.Length, results.Count);
        return results;
    }

    /// <summary>The output of a successful call, checked against the operation's output shape.</summary>
    private static JsonElement Output(JsonElement result, string operation)
    {
        Assert.True(result.GetProperty("ok").GetBoolean(), $"{operation} failed: {result}");
        Assert.Equal(200, result.GetProperty("httpStatusCode").GetInt32());
        Assert.True(Guid.TryParse(result.GetProperty("requestId").GetString(), out _));
        var output = result.GetProperty("output");
        EmulatorChecks.AssertFitsOutputShape(operation, output);
        return output;
    }

    private static List<JsonElement> Pages(JsonElement result, string operation)
    {
        Assert.True(result.GetProperty("ok").GetBoolean(), $"{operation} failed: {result}");
        var pages = result.GetProperty("pages").EnumerateArray().ToList();
        Assert.All(pages, page => EmulatorChecks.AssertFitsOutputShape(operation, page));
        return pages;
    }

    private static JsonElement AssertError(JsonElement result, string name, int status)
    {
        Assert.False(result.GetProperty("ok").GetBoolean(), $"expected {name}, the call succeeded: {result}");
        var error = result.GetProperty("error");
        Assert.Equal(name, error.GetProperty("name").GetString());
        Assert.Equal(status, error.GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("client", error.GetProperty("fault").GetString());
        Assert.True(Guid.TryParse(error.GetProperty("requestId").GetString(), out _));
        return error;
    }
}
