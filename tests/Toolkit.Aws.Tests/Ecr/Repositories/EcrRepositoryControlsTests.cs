using Amazon.Runtime;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr.Repositories;

/// <summary>
/// <see cref="EcrRepositoryControls"/> through the real <see cref="EcrClient"/> against the ECR emulator (SigV4-verified,
/// every request and response checked against the service model); writes are counted in the emulator's request log.
/// </summary>
public sealed class EcrRepositoryControlsTests : IDisposable
{
    private static readonly string[] s_reads = ["Describe", "Get", "List"];

    private readonly EcrEmulator _emulator = new();
    private readonly EcrClient _client;
    private readonly TemporaryDirectory _files = new("ecr-controls");
    private readonly System.Collections.Concurrent.ConcurrentQueue<LogLine> _logLines = new();

    public EcrRepositoryControlsTests()
    {
        _client = ClientFor(_emulator);
        KeyArn = _emulator.AddKmsKey("alias/ecr-payments");
    }

    /// <summary>A customer managed key the emulator knows, with the alias <c>alias/ecr-payments</c>.</summary>
    private string KeyArn { get; }

    public void Dispose()
    {
        _client.Dispose();
        _files.Dispose();
        _emulator.Dispose();
    }

    internal static EcrClient ClientFor(EcrEmulator emulator, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
        => new(AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = emulator.Region,
            EndpointUrl = emulator.Endpoint.ToString(),
            MaxAttempts = 1,
            Credentials = new BasicAWSCredentials(EcrEmulator.DefaultCredentials.AccessKeyId, EcrEmulator.DefaultCredentials.SecretAccessKey),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
            LoggerFactory = loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        }));

    private EcrRepositoryControls Controls => new(_client, new LogSink(_logLines.Enqueue));

    private string File(string name, string text)
    {
        var path = _files.Combine(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string[] Writes(int from = 0)
        => [.. _emulator.Requests.Skip(from).Select(r => r.Operation!).Where(o => !s_reads.Any(r => o.StartsWith(r, StringComparison.Ordinal)))];

    private RepositorySpec FullSpec() => new()
    {
        Name = "payments/api",
        ScanOnPush = true,
        TagMutability = new TagMutabilitySpec(true, ["latest", "dev-*"]),
        Encryption = RepositoryEncryption.Kms(KeyArn),
        Tags = new Dictionary<string, string> { ["team"] = "payments", ["cost-centre"] = "42" },
        LifecyclePolicyFile = File("lifecycle.json", PolicyDocumentTests.Lifecycle),
        RepositoryPolicyFile = File("policy.json", PolicyDocumentTests.RepositoryPolicy),
    };

    [Fact]
    public async Task A_missing_repository_is_created_with_every_setting_and_its_policies()
    {
        // Given no repository
        var spec = FullSpec();

        // When it is ensured
        var result = await Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None);

        // Then it was created in one call with its settings, then got both policies
        Assert.True(result.Created);
        Assert.Equal(["CreateRepository", "PutLifecyclePolicy", "SetRepositoryPolicy"], Writes());
        Assert.Equal($"{_emulator.RegistryHost}/payments/api", result.RepositoryUri);
        Assert.Equal([ControlChange.Created, ControlChange.Added, ControlChange.Added], result.Actions.Select(a => a.Change));
        Assert.All(result.Actions, a => Assert.True(a.Applied));
        var repository = (await _client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = ["payments/api"] }, CancellationToken.None)).Repositories!.Single();
        Assert.True(repository.ImageScanningConfiguration!.ScanOnPush);
        Assert.Equal(ImageTagMutability.ImmutableWithExclusion, repository.ImageTagMutability);
        Assert.Equal(["dev-*", "latest"], repository.ImageTagMutabilityExclusionFilters!.Select(f => f.Filter).Order(StringComparer.Ordinal));
        Assert.Equal(EncryptionType.Kms, repository.EncryptionConfiguration!.EncryptionType);
        Assert.Equal(KeyArn, repository.EncryptionConfiguration.KmsKey);
        var tags = (await _client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = repository.RepositoryArn! }, CancellationToken.None)).Tags!;
        Assert.Equal(["cost-centre=42", "team=payments"], tags.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_run_sends_no_write()
    {
        // Given a repository ensured once (ECR hands its policies back reformatted)
        var spec = FullSpec();
        await Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;

        // When it is ensured again with the same settings
        var result = await Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None);

        // Then only reads were sent and every setting is reported unchanged
        Assert.Empty(Writes(before));
        Assert.False(result.HasChanges);
        Assert.False(result.Created);
        Assert.All(result.Actions, a => Assert.Equal(ControlChange.Unchanged, a.Change));
        Assert.Equal(
            [ControlledSetting.Encryption, ControlledSetting.ScanOnPush, ControlledSetting.TagMutability, ControlledSetting.Tags, ControlledSetting.LifecyclePolicy, ControlledSetting.RepositoryPolicy],
            result.Actions.Select(a => a.Setting));
    }

    [Fact]
    public async Task Only_the_settings_that_differ_are_sent()
    {
        // Given a repository with ECR's defaults and a tag of its own
        await _client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "app", Tags = [new Tag { Key = "owner", Value = "ops" }, new Tag { Key = "team", Value = "old" }] }, CancellationToken.None);
        var before = _emulator.Requests.Count;

        // When scan on push and immutability are asked for, one tag changed and one added
        var result = await Controls.EnsureRepositoryAsync(
            new RepositorySpec
            {
                Name = "app",
                ScanOnPush = true,
                TagMutability = TagMutabilitySpec.ImmutableTags,
                Tags = new Dictionary<string, string> { ["team"] = "payments", ["env"] = "prod" },
            },
            ControlMode.Apply,
            CancellationToken.None);

        // Then exactly one write per differing setting was sent, and the tag the spec does not name is kept
        Assert.Equal(["PutImageScanningConfiguration", "PutImageTagMutability", "TagResource"], Writes(before));
        Assert.Contains(result.Actions, a => a.Summary == "scan on push: false -> true" && a.Applied);
        Assert.Contains(result.Actions, a => a.Summary == "tag mutability: MUTABLE -> IMMUTABLE");
        Assert.Contains(result.Actions, a => a.Setting == ControlledSetting.Tags && a.Change == ControlChange.Added && a.Summary == "tags added: env=prod");
        Assert.Contains(result.Actions, a => a.Setting == ControlledSetting.Tags && a.Change == ControlChange.Updated && a.Summary == "tags updated: team: old -> payments");
        var arn = (await _client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = ["app"] }, CancellationToken.None)).Repositories!.Single().RepositoryArn!;
        var tags = (await _client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, CancellationToken.None)).Tags!;
        Assert.Equal(["env=prod", "owner=ops", "team=payments"], tags.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Exclusion_filters_switch_between_the_with_exclusion_modes()
    {
        await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", TagMutability = new TagMutabilitySpec(false, ["v*"]) }, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;

        var result = await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", TagMutability = new TagMutabilitySpec(true, ["latest"]) }, ControlMode.Apply, CancellationToken.None);

        Assert.Equal(["PutImageTagMutability"], Writes(before));
        Assert.Contains(result.Actions, a => a.Summary == "tag mutability: MUTABLE_WITH_EXCLUSION (v*) -> IMMUTABLE_WITH_EXCLUSION (latest)");
        var repository = (await _client.DescribeRepositoriesAsync(new DescribeRepositoriesRequest { RepositoryNames = ["app"] }, CancellationToken.None)).Repositories!.Single();
        Assert.Equal(ImageTagMutability.ImmutableWithExclusion, repository.ImageTagMutability);
    }

    [Theory]
    [InlineData("AES256", "KMS", null)]
    [InlineData("KMS", "AES256", null)]
    [InlineData("KMS", "KMS", "other-arn")]
    [InlineData("KMS", "KMS", "other-id")]
    [InlineData("KMS", "KMS_DSSE", "same-arn")]
    public async Task Encryption_that_differs_is_drift_reported_before_any_write(string current, string type, string? key)
    {
        // Given a repository created with some encryption
        var existing = current == "AES256" ? RepositoryEncryption.Aes256 : RepositoryEncryption.Kms(KeyArn);
        await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", Encryption = existing }, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;
        var otherKey = _emulator.AddKmsKey();
        var asked = key switch
        {
            "other-arn" => otherKey,
            "other-id" => otherKey[(otherKey.LastIndexOf('/') + 1)..],
            "same-arn" => KeyArn,
            _ => null,
        };

        // When other encryption is asked for, along with settings that could be changed
        var spec = new RepositorySpec { Name = "app", ScanOnPush = true, Encryption = new RepositoryEncryption(type, asked), Tags = new Dictionary<string, string> { ["a"] = "b" } };
        var error = await Assert.ThrowsAsync<ToolkitException>(() => Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None));

        // Then TK3075 names both and what to do, and nothing was changed
        Assert.Equal(ErrorCodes.RepositoryEncryptionDrift, error.ErrorCode);
        Assert.Contains($"is encrypted with {existing}, but the settings ask for {spec.Encryption}", error.Message, StringComparison.Ordinal);
        Assert.Contains("create a new repository", error.Message, StringComparison.Ordinal);
        Assert.Empty(Writes(before));
    }

    [Fact]
    public async Task A_KMS_key_ID_matches_the_ARN_ECR_reports()
    {
        await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", Encryption = RepositoryEncryption.Kms(KeyArn) }, ControlMode.Apply, CancellationToken.None);

        var result = await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", Encryption = RepositoryEncryption.Kms(KeyArn[(KeyArn.LastIndexOf('/') + 1)..]) }, ControlMode.Apply, CancellationToken.None);

        Assert.Equal(ControlChange.Unchanged, Assert.Single(result.Actions).Change);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task A_KMS_alias_is_not_verified_against_the_key_ARN_and_says_so()
    {
        // Given a repository created with a key alias (ECR reports the key's ARN)
        var spec = new RepositorySpec { Name = "app", Encryption = RepositoryEncryption.Kms("alias/ecr-payments") };
        await Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;

        // When it is ensured again with the alias
        var result = await Controls.EnsureRepositoryAsync(spec, ControlMode.Apply, CancellationToken.None);

        // Then the key is reported as not verified, with a TK3076 warning, and nothing is sent
        var action = Assert.Single(result.Actions);
        Assert.Equal(ControlChange.NotVerified, action.Change);
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("TK3076: ", warning, StringComparison.Ordinal);
        Assert.Contains("alias/ecr-payments", warning, StringComparison.Ordinal);
        Assert.Contains(_logLines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Code == "TK3076");
        Assert.Empty(Writes(before));
        Assert.False(result.HasChanges);
    }

    [Fact]
    public async Task A_different_lifecycle_policy_is_replaced_with_a_diff_of_the_canonical_JSON()
    {
        // Given a repository with a lifecycle policy
        await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", LifecyclePolicyFile = File("old.json", PolicyDocumentTests.Lifecycle) }, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;

        // When a policy keeping 30 days instead of 14 is ensured
        var changed = File("new.json", PolicyDocumentTests.Lifecycle.Replace("\"countNumber\": 14", "\"countNumber\": 30", StringComparison.Ordinal));
        var result = await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", LifecyclePolicyFile = changed }, ControlMode.Apply, CancellationToken.None);

        // Then it is replaced, and the diff shows that one line
        Assert.Equal(["PutLifecyclePolicy"], Writes(before));
        var action = Assert.Single(result.Actions);
        Assert.Equal(ControlChange.Replaced, action.Change);
        Assert.Contains("--- app lifecycle policy (in ECR)\n+++ " + changed + "\n@@ ", action.Diff, StringComparison.Ordinal);
        Assert.Contains("\n-        \"countNumber\": 14,\n+        \"countNumber\": 30,\n", action.Diff, StringComparison.Ordinal);
        Assert.Equal(2, action.Diff!.Split('\n').Count(l => l.StartsWith('-') || l.StartsWith('+')) - 2);
    }

    [Fact]
    public async Task A_repository_policy_written_differently_but_meaning_the_same_is_not_sent()
    {
        // Given a repository policy set from one spelling
        await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", RepositoryPolicyFile = File("policy.json", PolicyDocumentTests.RepositoryPolicy) }, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;

        // When the same policy is ensured with keys reordered, lists in another order and the account as a root ARN
        var respelled = File("respelled.json", """
            {"Statement":[{"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},
            "Effect":"Allow","Sid":"AllowPull"}],"Version":"2012-10-17"}
            """);
        var result = await Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", RepositoryPolicyFile = respelled }, ControlMode.Apply, CancellationToken.None);

        // Then nothing is sent
        Assert.Empty(Writes(before));
        Assert.Equal(ControlChange.Unchanged, Assert.Single(result.Actions).Change);
    }

    [Fact]
    public async Task Malformed_policy_JSON_is_reported_with_its_position_before_any_request()
    {
        var broken = File("lifecycle.json", "{\n  \"rules\": [\n    {\"rulePriority\": 1,}\n  ]\n}\n");

        var error = await Assert.ThrowsAsync<ToolkitException>(() => Controls.EnsureRepositoryAsync(new RepositorySpec { Name = "app", ScanOnPush = true, LifecyclePolicyFile = broken }, ControlMode.Apply, CancellationToken.None));

        Assert.Equal(ErrorCodes.PolicyJsonMalformed, error.ErrorCode);
        Assert.Contains($"{broken} is not well-formed JSON at line 3, column 24", error.Message, StringComparison.Ordinal);
        Assert.Empty(_emulator.Requests);
    }

    [Fact]
    public async Task A_dry_run_of_a_missing_repository_plans_its_creation_and_sends_nothing()
    {
        var result = await Controls.EnsureRepositoryAsync(FullSpec(), ControlMode.Plan, CancellationToken.None);

        Assert.True(result.DryRun);
        Assert.True(result.Created);
        Assert.Equal([ControlChange.Created, ControlChange.Added, ControlChange.Added], result.Actions.Select(a => a.Change));
        Assert.All(result.Actions, a => Assert.False(a.Applied));
        Assert.StartsWith("--- payments/api lifecycle policy (none)\n", result.Actions[1].Diff, StringComparison.Ordinal);
        Assert.Empty(Writes());
        Assert.Equal(["DescribeRepositories"], _emulator.Requests.Select(r => r.Operation));
    }

    [Fact]
    public async Task A_dry_run_of_an_existing_repository_lists_every_change_and_sends_nothing()
    {
        await _client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "payments/api", EncryptionConfiguration = new EncryptionConfiguration { EncryptionType = EncryptionType.Kms, KmsKey = KeyArn } }, CancellationToken.None);
        var before = _emulator.Requests.Count;

        var result = await Controls.EnsureRepositoryAsync(FullSpec(), ControlMode.Plan, CancellationToken.None);

        Assert.Empty(Writes(before));
        Assert.Equal(6, result.Actions.Count(a => a.IsChange) + 1);
        Assert.All(result.Actions, a => Assert.False(a.Applied));
        Assert.True(result.HasChanges);
        var applied = await Controls.EnsureRepositoryAsync(FullSpec(), ControlMode.Apply, CancellationToken.None);
        Assert.Equal(result.Actions.Select(a => (a.Setting, a.Change, a.Summary)), applied.Actions.Select(a => (a.Setting, a.Change, a.Summary)));
    }

    [Fact]
    public async Task Replication_is_put_once_with_the_own_account_filled_in_and_then_left_alone()
    {
        // Given a registry without replication
        var spec = new ReplicationSpec
        {
            Rules = [new ReplicationRuleSpec { Destinations = [new("eu-west-1", null), new("us-west-2", "111122223333")], RepositoryPrefixes = ["payments/"] }],
        };

        // When replication is ensured, planned again, and ensured again
        var first = await Controls.EnsureReplicationAsync(spec, ControlMode.Apply, CancellationToken.None);
        var afterFirst = _emulator.Requests.Count;
        var plan = await Controls.EnsureReplicationAsync(spec, ControlMode.Plan, CancellationToken.None);
        var second = await Controls.EnsureReplicationAsync(spec, ControlMode.Apply, CancellationToken.None);

        // Then the first put it, with a diff from nothing, and the others sent nothing
        Assert.Equal(ControlChange.Added, first.Action.Change);
        Assert.Contains("+          \"region\": \"eu-west-1\",\n+          \"registryId\": \"123456789012\"", first.Action.Diff, StringComparison.Ordinal);
        Assert.Equal(["PutReplicationConfiguration"], Writes());
        Assert.Equal(ControlChange.Unchanged, plan.Action.Change);
        Assert.Equal(ControlChange.Unchanged, second.Action.Change);
        Assert.Empty(Writes(afterFirst));
        var registry = await _client.DescribeRegistryAsync(new DescribeRegistryRequest(), CancellationToken.None);
        var destinations = registry.ReplicationConfiguration!.Rules.Single().Destinations;
        Assert.Contains(destinations, d => d.Region == "eu-west-1" && d.RegistryId == _emulator.AccountId);
    }

    [Fact]
    public async Task A_different_replication_is_replaced_in_a_plan_only_when_applied()
    {
        await Controls.EnsureReplicationAsync(new ReplicationSpec { Rules = [new ReplicationRuleSpec { Destinations = [new("eu-west-1", null)] }] }, ControlMode.Apply, CancellationToken.None);
        var before = _emulator.Requests.Count;
        var wanted = new ReplicationSpec { Rules = [new ReplicationRuleSpec { Destinations = [new("eu-central-1", null)] }] };

        var plan = await Controls.EnsureReplicationAsync(wanted, ControlMode.Plan, CancellationToken.None);
        Assert.Empty(Writes(before));
        var applied = await Controls.EnsureReplicationAsync(wanted, ControlMode.Apply, CancellationToken.None);

        Assert.Equal(ControlChange.Replaced, plan.Action.Change);
        Assert.False(plan.Action.Applied);
        Assert.Contains("-          \"region\": \"eu-west-1\",", plan.Action.Diff, StringComparison.Ordinal);
        Assert.Contains("+          \"region\": \"eu-central-1\",", plan.Action.Diff, StringComparison.Ordinal);
        Assert.True(applied.Action.Applied);
        Assert.Equal(["PutReplicationConfiguration"], Writes(before));
    }
}
