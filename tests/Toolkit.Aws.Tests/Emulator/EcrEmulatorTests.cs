using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// The emulator's own behaviour where a clock or a knob matters (scan timing, quotas, token expiry, faults), how it answers
/// requests that break the protocol or the model, and the contract with the data-plane facade. Driven in process on a fake
/// clock; the independent clients prove the protocol.
/// </summary>
public sealed class EcrEmulatorTests : IDisposable
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly EcrEmulator _emulator;
    private readonly SignedEcrClient _client;

    public EcrEmulatorTests()
    {
        _emulator = new EcrEmulator(new EcrEmulatorOptions { TimeProvider = _clock });
        _client = new SignedEcrClient(_emulator, _clock);
    }

    private IEcrRegistryBackend Backend => _emulator;

    public void Dispose()
    {
        _client.Dispose();
        _emulator.Dispose();
    }

    [Fact]
    public async Task A_scan_on_push_is_not_found_then_in_progress_then_complete_before_its_findings_arrive()
    {
        // Given the three timing knobs and a scan-on-push repository with seeded findings
        _emulator.Scenario.ScanNotFoundAfterPush = TimeSpan.FromSeconds(30);
        _emulator.Scenario.ScanDelay = TimeSpan.FromMinutes(2);
        _emulator.Scenario.FindingsDelayAfterComplete = TimeSpan.FromMinutes(1);
        await CreateAsync("app", scanOnPush: true);
        var digest = Push("app", "1.0");
        _emulator.SeedFindings("app", digest, EcrFindingsSeed.DebianDotNetApp);

        // When the findings are read as the clock moves
        var justPushed = await FindingsAsync("app", "1.0");
        _clock.Advance(TimeSpan.FromSeconds(31));
        var scanning = await FindingsAsync("app", "1.0");
        _clock.Advance(TimeSpan.FromMinutes(2));
        var completeWithoutFindings = await FindingsAsync("app", "1.0");
        _clock.Advance(TimeSpan.FromMinutes(1));
        var complete = await FindingsAsync("app", "1.0");

        // Then each stage is what the service shows
        Assert.Equal("ScanNotFoundException", justPushed.ErrorCode);
        Assert.Equal("IN_PROGRESS", Status(scanning));
        Assert.False(scanning.Body.TryGetProperty("imageScanFindings", out _));
        Assert.Equal("COMPLETE", Status(completeWithoutFindings));
        Assert.Equal(0, completeWithoutFindings.Body.GetProperty("imageScanFindings").GetProperty("findings").GetArrayLength());
        Assert.Equal("COMPLETE", Status(complete));
        Assert.Equal(6, complete.Body.GetProperty("imageScanFindings").GetProperty("findings").GetArrayLength());
        var completedAt = complete.Body.GetProperty("imageScanFindings").GetProperty("imageScanCompletedAt").GetDouble();
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 12, 2, 30, TimeSpan.Zero).ToUnixTimeSeconds(), completedAt);
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task StartImageScan_counts_the_scan_on_push_against_the_daily_quota()
    {
        await CreateAsync("app", scanOnPush: true);
        Push("app", "1.0");

        var tooSoon = await StartScanAsync("app", "1.0");
        _clock.Advance(TimeSpan.FromHours(24));
        var nextDay = await StartScanAsync("app", "1.0");

        Assert.Equal("LimitExceededException", tooSoon.ErrorCode);
        Assert.Equal("The scan quota per image has been exceeded. Wait and try again.", tooSoon.Message);
        Assert.Equal(200, nextDay.StatusCode);
        Assert.Equal("IN_PROGRESS", nextDay.Body.GetProperty("imageScanStatus").GetProperty("status").GetString());
        _emulator.AssertNoModelViolations();
    }

    [Theory]
    [InlineData(EcrScanOutcome.Failed, "FAILED")]
    [InlineData(EcrScanOutcome.UnsupportedImage, "UNSUPPORTED_IMAGE")]
    [InlineData(EcrScanOutcome.FindingsUnavailable, "FINDINGS_UNAVAILABLE")]
    public async Task A_seeded_outcome_ends_the_scan_without_findings(EcrScanOutcome outcome, string status)
    {
        await CreateAsync("app", scanOnPush: true);
        var digest = Push("app", "1.0");
        _emulator.SeedFindings("app", digest, EcrFindingsSeed.DebianDotNetApp with { Outcome = outcome });

        var findings = await FindingsAsync("app", "1.0");

        Assert.Equal(status, Status(findings));
        Assert.False(findings.Body.TryGetProperty("imageScanFindings", out _));
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task Continuous_enhanced_scanning_reports_ACTIVE_with_Inspector_findings_and_refuses_manual_scans()
    {
        // Given continuous enhanced scanning for repositories under prod/
        var configured = await _client.CallAsync("PutRegistryScanningConfiguration", new JsonObject
        {
            ["scanType"] = "ENHANCED",
            ["rules"] = new JsonArray(new JsonObject
            {
                ["scanFrequency"] = "CONTINUOUS_SCAN",
                ["repositoryFilters"] = new JsonArray(new JsonObject { ["filter"] = "prod/*", ["filterType"] = "WILDCARD" }),
            }),
        });
        Assert.Equal(200, configured.StatusCode);
        await CreateAsync("prod/app");
        await CreateAsync("dev/app");
        var digest = Push("prod/app", "1.0");
        Push("dev/app", "1.0");
        _emulator.SeedFindings("prod/app", digest, EcrFindingsSeed.AmazonLinux2);

        // When the findings of both are read, and a manual scan is asked for
        var prod = await FindingsAsync("prod/app", "1.0");
        var dev = await FindingsAsync("dev/app", "1.0");
        var manual = await StartScanAsync("prod/app", "1.0");

        // Then the matching repository is ACTIVE with the ALAS finding, the other was never scanned, and manual scans are refused
        Assert.Equal("ACTIVE", Status(prod));
        var finding = prod.Body.GetProperty("imageScanFindings").GetProperty("enhancedFindings")[0];
        Assert.Equal("ALAS2-2023-1934", finding.GetProperty("packageVulnerabilityDetails").GetProperty("vulnerabilityId").GetString());
        Assert.Equal(["CVE-2023-0286", "CVE-2023-0215"], finding.GetProperty("packageVulnerabilityDetails").GetProperty("relatedVulnerabilities").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("ScanNotFoundException", dev.ErrorCode);
        Assert.Equal("ValidationException", manual.ErrorCode);
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task Registry_passwords_expire_after_12_hours_or_when_told_to()
    {
        var token = await _client.CallAsync("GetAuthorizationToken");
        var password = Encoding.UTF8.GetString(Convert.FromBase64String(token.Body.GetProperty("authorizationData")[0].GetProperty("authorizationToken").GetString()!))["AWS:".Length..];
        Assert.True(password.Length > 1000);
        Assert.True(Backend.IsValidRegistryPassword(password));

        _clock.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.True(Backend.IsValidRegistryPassword(password));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Backend.IsValidRegistryPassword(password));

        var second = await _client.CallAsync("GetAuthorizationToken");
        var secondPassword = Encoding.UTF8.GetString(Convert.FromBase64String(second.Body.GetProperty("authorizationData")[0].GetProperty("authorizationToken").GetString()!))[4..];
        _emulator.ExpireRegistryPasswords();
        Assert.False(Backend.IsValidRegistryPassword(secondPassword));
        Assert.Equal(2, _emulator.IssuedTokens);
    }

    [Fact]
    public async Task A_request_signed_more_than_15_minutes_from_the_emulators_clock_is_refused()
    {
        var lateClock = new FakeTimeProvider(_clock.GetUtcNow() - TimeSpan.FromMinutes(16));
        using var late = new SignedEcrClient(_emulator, lateClock);

        var answer = await late.CallAsync("DescribeRepositories");

        Assert.Equal(400, answer.StatusCode);
        Assert.Equal("InvalidSignatureException", answer.ErrorCode);
        Assert.StartsWith("Signature expired: 20250601T114400Z is now earlier than 20250601T114500Z", answer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Framework_errors_carry_the_coral_namespace_and_the_error_type_header_and_every_answer_a_request_id()
    {
        var unsigned = await _client.SendAsync("DescribeRepositories", "{}"u8.ToArray(), sign: false);
        var unknown = await _client.CallAsync("DescribeNothing");
        var wrongContentType = await _client.SendAsync("DescribeRepositories", "{}"u8.ToArray(), contentType: "application/json");
        var notJson = await _client.SendAsync("DescribeRepositories", "{not json"u8.ToArray());
        var ok = await _client.CallAsync("DescribeRepositories");

        Assert.Equal("com.amazon.coral.service#MissingAuthenticationTokenException", unsigned.Body.GetProperty("__type").GetString());
        Assert.Equal("MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/", unsigned.Headers.GetValues("X-Amzn-ErrorType").Single());
        Assert.Equal("UnknownOperationException", unknown.ErrorCode);
        Assert.Equal("UnknownOperationException", wrongContentType.ErrorCode);
        Assert.Equal("SerializationException", notJson.ErrorCode);
        Assert.All([unsigned, unknown, wrongContentType, notJson], a => Assert.Equal(400, a.StatusCode));
        Assert.All(
            [unsigned, unknown, wrongContentType, notJson, ok],
            a => Assert.True(Guid.TryParse(a.Headers.GetValues("x-amzn-RequestId").Single(), out _)));
        Assert.Equal(_clock.GetUtcNow(), ok.Headers.Date);
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task Requests_that_break_the_model_are_answered_as_the_service_answers_them()
    {
        var tooShort = await _client.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = "a" });
        var upperCase = await _client.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = "App" });
        var missing = await _client.CallAsync("DescribeImages", []);
        var unknownMember = await _client.CallAsync("DescribeRepositories", new JsonObject { ["repositoryName"] = "app" });
        var outOfRange = await _client.CallAsync("DescribeRepositories", new JsonObject { ["maxResults"] = 1001 });
        var badEnum = await _client.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = "app", ["imageTagMutability"] = "SOMETIMES" });
        var wrongType = await _client.CallAsync("DescribeRepositories", new JsonObject { ["maxResults"] = "ten" });

        Assert.Equal("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'", tooShort.Message);
        Assert.Equal(
            "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*''",
            upperCase.Message);
        Assert.Equal("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'", missing.Message);
        Assert.StartsWith("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'is not a member of DescribeRepositoriesRequest", unknownMember.Message, StringComparison.Ordinal);
        Assert.Equal("Invalid parameter at 'maxResults' failed to satisfy constraint: 'must have value less than or equal to 1000'", outOfRange.Message);
        Assert.StartsWith("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'must satisfy enum value set: [MUTABLE, IMMUTABLE", badEnum.Message, StringComparison.Ordinal);
        Assert.All([tooShort, upperCase, missing, unknownMember, outOfRange, badEnum], a => Assert.Equal("InvalidParameterException", a.ErrorCode));
        Assert.Equal("SerializationException", wrongType.ErrorCode);
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task An_operation_the_emulator_lacks_is_refused_and_recorded_as_a_defect()
    {
        using var emulator = new EcrEmulator(new EcrEmulatorOptions { TimeProvider = _clock, ThrowOnViolationsAtDispose = false });
        using var client = new SignedEcrClient(emulator, _clock);

        var answer = await client.CallAsync("ListImages", new JsonObject { ["repositoryName"] = "app" });

        Assert.Equal("UnknownOperationException", answer.ErrorCode);
        Assert.Equal("ListImages request: (root): a client called ListImages, which the emulator does not implement", Assert.Single(emulator.ModelViolations));
        Assert.Throws<InvalidOperationException>(emulator.AssertNoModelViolations);
    }

    [Fact]
    public async Task Faults_queue_per_operation_or_for_any_and_then_the_call_succeeds()
    {
        _emulator.Scenario.Fail("*", EcrFault.ServiceUnavailable).Fail("GetAuthorizationToken", EcrFault.Throttling, times: 2);

        var answers = new List<EcrAnswer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await _client.CallAsync("GetAuthorizationToken"));
        }

        answers.Add(await _client.CallAsync("DescribeRepositories"));
        answers.Add(await _client.CallAsync("DescribeRepositories"));

        // Then the operation's own faults come first, then the one for any operation, then calls succeed
        Assert.Equal(["ThrottlingException", "ThrottlingException", "ServiceUnavailableException", null, null], answers.Select(a => a.ErrorCode));
        Assert.Equal([400, 400, 503, 200, 200], answers.Select(a => a.StatusCode));
        Assert.Equal("Rate exceeded", answers[0].Message);
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task Timestamps_are_epoch_seconds_in_the_services_number_notation()
    {
        _clock.SetUtcNow(new DateTimeOffset(2025, 6, 1, 12, 0, 0, 123, TimeSpan.Zero));

        var created = await _client.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = "app" });

        Assert.Matches(new Regex("\"createdAt\":1\\.748779200123E9"), created.RawBody);
        Assert.Equal(1748779200.123, created.Body.GetProperty("repository").GetProperty("createdAt").GetDouble());
    }

    [Fact]
    public async Task The_data_plane_contract_reports_repositories_immutability_and_records_pushes_with_their_tags()
    {
        // Given a repository immutable except for latest
        await CreateAsync("app");
        var mutability = await _client.CallAsync("PutImageTagMutability", new JsonObject
        {
            ["repositoryName"] = "app",
            ["imageTagMutability"] = "IMMUTABLE_WITH_EXCLUSION",
            ["imageTagMutabilityExclusionFilters"] = new JsonArray(new JsonObject { ["filterType"] = "WILDCARD", ["filter"] = "latest" }),
        });
        Assert.Equal(200, mutability.StatusCode);

        // When two images are pushed through the data plane, latest moving from the first to the second
        var first = Push("app", "latest");
        Push("app", "1.0", digestOf: first);
        var second = Push("app", "latest");

        // Then the backend reports what the facade needs, and DescribeImages shows where the tags are
        Assert.True(Backend.RepositoryExists("app"));
        Assert.False(Backend.RepositoryExists("other"));
        Assert.True(Backend.IsTagImmutable("app", "1.0"));
        Assert.False(Backend.IsTagImmutable("app", "latest"));
        Assert.Equal([first, second], _emulator.ImageDigests("app"));
        var images = await _client.CallAsync("DescribeImages", new JsonObject { ["repositoryName"] = "app" });
        var details = images.Body.GetProperty("imageDetails");
        Assert.Equal(["1.0"], details[0].GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["latest"], details[1].GetProperty("imageTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(4096, details[0].GetProperty("imageSizeInBytes").GetInt64());
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public void A_push_into_a_missing_repository_is_recorded_as_a_data_plane_defect()
    {
        using var emulator = new EcrEmulator(new EcrEmulatorOptions { TimeProvider = _clock, ThrowOnViolationsAtDispose = false });

        ((IEcrRegistryBackend)emulator).ImagePushed(new EcrPushedManifest("missing", EmulatorChecks.Sha256("x"), OciManifest, 100, "1", null, null, [], 0));

        Assert.Contains("which does not exist", Assert.Single(emulator.ModelViolations), StringComparison.Ordinal);
        Assert.Empty(emulator.ImageDigests("missing"));
    }

    [Fact]
    public async Task Repositories_with_images_need_force_to_be_deleted_and_bad_paging_requests_are_refused()
    {
        await CreateAsync("app");
        Push("app", "1.0");

        var notEmpty = await _client.CallAsync("DeleteRepository", new JsonObject { ["repositoryName"] = "app" });
        var namesAndPaging = await _client.CallAsync("DescribeRepositories", new JsonObject { ["repositoryNames"] = new JsonArray("app"), ["maxResults"] = 5 });
        var badToken = await _client.CallAsync("DescribeRepositories", new JsonObject { ["nextToken"] = "not-a-token" });
        var forced = await _client.CallAsync("DeleteRepository", new JsonObject { ["repositoryName"] = "app", ["force"] = true });
        var gone = await _client.CallAsync("DescribeRepositories", new JsonObject { ["repositoryNames"] = new JsonArray("app") });

        Assert.Equal("RepositoryNotEmptyException", notEmpty.ErrorCode);
        Assert.Equal("InvalidParameterException", namesAndPaging.ErrorCode);
        Assert.Equal("InvalidParameterException", badToken.ErrorCode);
        Assert.Equal("app", forced.Body.GetProperty("repository").GetProperty("repositoryName").GetString());
        Assert.Equal("RepositoryNotFoundException", gone.ErrorCode);
        _emulator.AssertNoModelViolations();
    }

    private async Task CreateAsync(string name, bool scanOnPush = false)
    {
        var answer = await _client.CallAsync("CreateRepository", new JsonObject
        {
            ["repositoryName"] = name,
            ["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = scanOnPush },
        });
        Assert.Equal(200, answer.StatusCode);
    }

    /// <summary>Tells the emulator an image landed through the data plane (as the facade does) and returns its digest.</summary>
    private string Push(string repository, string tag, string? digestOf = null)
    {
        var digest = digestOf ?? EmulatorChecks.Sha256($"{repository}:{tag}:{Guid.NewGuid()}");
        Backend.ImagePushed(new EcrPushedManifest(
            repository, digest, OciManifest, 500, tag, "application/vnd.oci.image.config.v1+json", null,
            [EmulatorChecks.Sha256(digest + "-layer")], 4096));
        return digest;
    }

    private Task<EcrAnswer> FindingsAsync(string repository, string tag)
        => _client.CallAsync("DescribeImageScanFindings", new JsonObject { ["repositoryName"] = repository, ["imageId"] = new JsonObject { ["imageTag"] = tag } });

    private Task<EcrAnswer> StartScanAsync(string repository, string tag)
        => _client.CallAsync("StartImageScan", new JsonObject { ["repositoryName"] = repository, ["imageId"] = new JsonObject { ["imageTag"] = tag } });

    private static string? Status(EcrAnswer answer) => answer.Body.GetProperty("imageScanStatus").GetProperty("status").GetString();
}
