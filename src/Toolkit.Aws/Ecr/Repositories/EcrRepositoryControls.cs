using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>Whether controls change things or only say what they would change.</summary>
public enum ControlMode
{
    /// <summary>Send the writes that bring the repository (or registry) to the settings.</summary>
    Apply,

    /// <summary>A plan (dry run): read what is there and report what would change; no write is sent.</summary>
    Plan,
}

/// <summary>
/// Brings an ECR repository, and opt-in the registry's replication, to the settings asked for, idempotently: it reads
/// what is there and sends only the writes that change something, so a second run sends none.
/// <list type="bullet">
/// <item>A missing repository is created with every setting at once (CreateRepository), then gets its policies.</item>
/// <item>An existing one gets PutImageScanningConfiguration, PutImageTagMutability and TagResource only for settings
/// that differ, and PutLifecyclePolicy / SetRepositoryPolicy only for a policy whose canonical JSON differs (the
/// result carries a unified diff).</item>
/// <item>Encryption cannot change after creation: a difference is <see cref="ErrorCodes.RepositoryEncryptionDrift"/>,
/// raised before any write.</item>
/// </list>
/// Policy files are read and checked before the first request.
/// </summary>
public sealed class EcrRepositoryControls
{
    private static readonly EventId s_encryptionNotVerified = new(3076, ErrorCodes.RepositoryEncryptionNotVerified.Code);

    private readonly IEcrClient _client;
    private readonly ILogger _logger;

    public EcrRepositoryControls(IEcrClient client, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EcrRepositoryControls>();
    }

    /// <summary>Creates the repository or brings it to <paramref name="spec"/>; with <see cref="ControlMode.Plan"/>, only reports.</summary>
    public async Task<RepositoryControlResult> EnsureRepositoryAsync(RepositorySpec spec, ControlMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var lifecycle = spec.LifecyclePolicyFile is { } lifecycleFile
            ? await PolicyDocument.ReadFileAsync(PolicyKind.Lifecycle, lifecycleFile, cancellationToken).ConfigureAwait(false)
            : null;
        var policy = spec.RepositoryPolicyFile is { } policyFile
            ? await PolicyDocument.ReadFileAsync(PolicyKind.Repository, policyFile, cancellationToken).ConfigureAwait(false)
            : null;

        var repository = await DescribeAsync(spec, cancellationToken).ConfigureAwait(false);
        var actions = new List<ControlAction>();
        var warnings = new List<string>();
        var created = false;
        if (repository is null)
        {
            if (mode == ControlMode.Plan)
            {
                actions.Add(CreationAction(spec, applied: false));
                actions.AddRange(PolicyActions(spec, lifecycle, null, policy, null, applied: false));
                return Result(spec, null, mode, created: true, actions, warnings);
            }

            repository = await CreateAsync(spec, cancellationToken).ConfigureAwait(false);
            if (repository is not null)
            {
                created = true;
                actions.Add(CreationAction(spec, applied: true));
                _logger.LogInformation("Created ECR repository {Repository} ({Settings})", spec.Name, actions[0].After);
                await ApplyPoliciesAsync(spec, PolicyActions(spec, lifecycle, null, policy, null, applied: true), lifecycle, policy, actions, cancellationToken).ConfigureAwait(false);
                return Result(spec, repository, mode, created, actions, warnings);
            }

            // Someone else created it between our describe and create: bring theirs to the settings.
            repository = await DescribeAsync(spec, cancellationToken).ConfigureAwait(false)
                ?? throw new ToolkitException(ErrorCodes.EcrRepositoryNotFound, $"The ECR repository {spec.Name} was reported as existing and then as missing; run again.");
        }

        // Read everything first and check encryption, so drift stops the run before any write.
        var encryption = CompareEncryption(spec, repository, warnings);
        if (encryption is not null)
        {
            actions.Add(encryption);
        }

        var scanOnPush = repository.ImageScanningConfiguration?.ScanOnPush ?? false;
        if (spec.ScanOnPush is { } wantedScan)
        {
            actions.Add(wantedScan == scanOnPush
                ? Unchanged(ControlledSetting.ScanOnPush, $"scan on push: {Flag(scanOnPush)}", Flag(scanOnPush))
                : Changed(ControlledSetting.ScanOnPush, ControlChange.Updated, $"scan on push: {Flag(scanOnPush)} -> {Flag(wantedScan)}", Flag(scanOnPush), Flag(wantedScan), mode));
        }

        var mutability = CurrentMutability(repository);
        if (spec.TagMutability is { } wantedMutability)
        {
            actions.Add(wantedMutability.Equals(mutability)
                ? Unchanged(ControlledSetting.TagMutability, $"tag mutability: {mutability}", mutability.ToString())
                : Changed(ControlledSetting.TagMutability, ControlChange.Updated, $"tag mutability: {mutability} -> {wantedMutability}", mutability.ToString(), wantedMutability.ToString(), mode));
        }

        IReadOnlyDictionary<string, string> tagsToSend = new Dictionary<string, string>();
        if (spec.Tags.Count > 0)
        {
            var (tagActions, toSend) = await CompareTagsAsync(spec, repository, mode, cancellationToken).ConfigureAwait(false);
            actions.AddRange(tagActions);
            tagsToSend = toSend;
        }

        var currentLifecycle = lifecycle is null ? null : await GetLifecyclePolicyAsync(spec, cancellationToken).ConfigureAwait(false);
        var currentPolicy = policy is null ? null : await GetRepositoryPolicyAsync(spec, cancellationToken).ConfigureAwait(false);
        var policyActions = PolicyActions(spec, lifecycle, currentLifecycle, policy, currentPolicy, applied: mode == ControlMode.Apply);

        if (mode == ControlMode.Apply)
        {
            if (spec.ScanOnPush is { } scan && scan != scanOnPush)
            {
                await _client.PutImageScanningConfigurationAsync(
                    new PutImageScanningConfigurationRequest { RegistryId = spec.RegistryId, RepositoryName = spec.Name, ImageScanningConfiguration = new ImageScanningConfiguration { ScanOnPush = scan } },
                    cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Turned scan on push {State} for {Repository}", scan ? "on" : "off", spec.Name);
            }

            if (spec.TagMutability is { } tagMutability && !tagMutability.Equals(mutability))
            {
                await _client.PutImageTagMutabilityAsync(
                    new PutImageTagMutabilityRequest
                    {
                        RegistryId = spec.RegistryId,
                        RepositoryName = spec.Name,
                        ImageTagMutability = new ImageTagMutability(tagMutability.Value),
                        ImageTagMutabilityExclusionFilters = ExclusionFilters(tagMutability),
                    },
                    cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Set the tag mutability of {Repository} to {Mutability}", spec.Name, tagMutability);
            }

            if (tagsToSend.Count > 0)
            {
                await _client.TagResourceAsync(
                    new TagResourceRequest { ResourceArn = repository.RepositoryArn!, Tags = [.. tagsToSend.Select(t => new Tag { Key = t.Key, Value = t.Value })] },
                    cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Tagged {Repository}: {Tags}", spec.Name, string.Join(", ", tagsToSend.Keys));
            }
        }

        actions.AddRange(policyActions);
        if (mode == ControlMode.Apply)
        {
            await SendPoliciesAsync(spec, policyActions, lifecycle, policy, cancellationToken).ConfigureAwait(false);
        }

        return Result(spec, repository, mode, created, actions, warnings);
    }

    /// <summary>
    /// Sets the registry's replication configuration to <paramref name="spec"/> (it replaces the whole configuration)
    /// when it differs from what DescribeRegistry reports; destinations without an account get the registry's own.
    /// </summary>
    public async Task<ReplicationControlResult> EnsureReplicationAsync(ReplicationSpec spec, ControlMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var registry = await _client.DescribeRegistryAsync(new DescribeRegistryRequest(), cancellationToken).ConfigureAwait(false);
        var ownRegistry = registry.RegistryId;
        var currentRules = (registry.ReplicationConfiguration?.Rules ?? []).Select(r => new ReplicationRuleSpec
        {
            Destinations = [.. r.Destinations.Select(d => new ReplicationTarget(d.Region, d.RegistryId))],
            RepositoryPrefixes = [.. (r.RepositoryFilters ?? []).Select(f => f.Filter)],
        }).ToArray();
        var current = ReplicationSpec.Canonical(currentRules, ownRegistry);
        var wanted = ReplicationSpec.Canonical(spec.Rules, ownRegistry);
        var label = $"replication of registry {ownRegistry ?? "(default)"}";
        if (string.Equals(current, wanted, StringComparison.Ordinal))
        {
            return new ReplicationControlResult
            {
                RegistryId = ownRegistry,
                DryRun = mode == ControlMode.Plan,
                Action = Unchanged(ControlledSetting.Replication, $"replication: unchanged ({Describe(spec.Rules)})", Describe(spec.Rules)),
            };
        }

        var change = currentRules.Length == 0 ? ControlChange.Added : ControlChange.Replaced;
        var action = new ControlAction
        {
            Setting = ControlledSetting.Replication,
            Change = change,
            Summary = $"replication {(change == ControlChange.Added ? "added" : "replaced")}: {Describe(spec.Rules)}",
            Before = currentRules.Length == 0 ? null : Describe(currentRules),
            After = Describe(spec.Rules),
            Diff = UnifiedDiff.Create(currentRules.Length == 0 ? string.Empty : current, wanted, $"{label} (in ECR)", $"{label} (asked for)"),
            Applied = mode == ControlMode.Apply,
        };
        if (mode == ControlMode.Apply)
        {
            await _client.PutReplicationConfigurationAsync(
                new PutReplicationConfigurationRequest
                {
                    ReplicationConfiguration = new ReplicationConfiguration
                    {
                        Rules = [.. spec.Rules.Select(r => new ReplicationRule
                        {
                            Destinations = [.. r.Destinations.Select(d => new ReplicationDestination { Region = d.Region, RegistryId = d.RegistryId ?? ownRegistry ?? throw new ToolkitException(ErrorCodes.InvalidReplicationSettings, $"DescribeRegistry named no registry ID to replicate to {d.Region} in; give the destination as {d.Region}:<account>.") })],
                            RepositoryFilters = r.RepositoryPrefixes.Count == 0 ? null : [.. r.RepositoryPrefixes.Select(p => new RepositoryFilter { Filter = p, FilterType = new RepositoryFilterType("PREFIX_MATCH") })],
                        })],
                    },
                },
                cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Set the replication of registry {Registry}: {Rules}", ownRegistry, action.After);
        }

        return new ReplicationControlResult { RegistryId = ownRegistry, DryRun = mode == ControlMode.Plan, Action = action };
    }

    private async Task<Repository?> DescribeAsync(RepositorySpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.DescribeRepositoriesAsync(
                new DescribeRepositoriesRequest { RegistryId = spec.RegistryId, RepositoryNames = [spec.Name] },
                cancellationToken).ConfigureAwait(false);
            return response.Repositories?.FirstOrDefault(r => r.RepositoryName == spec.Name);
        }
        catch (RepositoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates the repository; null when it turned out to exist already (created meanwhile by someone else).</summary>
    private async Task<Repository?> CreateAsync(RepositorySpec spec, CancellationToken cancellationToken)
    {
        var encryption = spec.Encryption ?? RepositoryEncryption.Aes256;
        try
        {
            var response = await _client.CreateRepositoryAsync(
                new CreateRepositoryRequest
                {
                    RegistryId = spec.RegistryId,
                    RepositoryName = spec.Name,
                    Tags = spec.Tags.Count == 0 ? null : [.. spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag { Key = t.Key, Value = t.Value })],
                    ImageTagMutability = spec.TagMutability is { } mutability ? new ImageTagMutability(mutability.Value) : null,
                    ImageTagMutabilityExclusionFilters = spec.TagMutability is { } filters ? ExclusionFilters(filters) : null,
                    ImageScanningConfiguration = spec.ScanOnPush is { } scan ? new ImageScanningConfiguration { ScanOnPush = scan } : null,
                    EncryptionConfiguration = new EncryptionConfiguration { EncryptionType = new EncryptionType(encryption.Type), KmsKey = encryption.KmsKey },
                },
                cancellationToken).ConfigureAwait(false);
            return response.Repository ?? new Repository { RepositoryName = spec.Name, RegistryId = spec.RegistryId };
        }
        catch (RepositoryAlreadyExistsException)
        {
            _logger.LogInformation("The ECR repository {Repository} was created meanwhile; bringing it to the settings", spec.Name);
            return null;
        }
    }

    private ControlAction? CompareEncryption(RepositorySpec spec, Repository repository, List<string> warnings)
    {
        if (spec.Encryption is not { } wanted)
        {
            return null;
        }

        var currentType = repository.EncryptionConfiguration?.EncryptionType.Value ?? "AES256";
        var currentKey = repository.EncryptionConfiguration?.KmsKey;
        var current = new RepositoryEncryption(currentType, currentType == "AES256" ? null : currentKey);
        if (!string.Equals(currentType, wanted.Type, StringComparison.Ordinal) || KeysDiffer(wanted.KmsKey, currentKey))
        {
            throw new ToolkitException(
                ErrorCodes.RepositoryEncryptionDrift,
                $"The ECR repository {spec.Name} is encrypted with {current}, but the settings ask for {wanted}. ECR sets a repository's encryption when it is created "
                + $"and cannot change it: change the settings to {current}, or create a new repository with {wanted}, copy the images to it "
                + "('dotnet toolkit image push <old> <new>') and delete this one. Nothing was changed.");
        }

        if (wanted.Type != "AES256" && !string.Equals(wanted.KmsKey, currentKey, StringComparison.Ordinal) && !IsKeyIdOf(wanted.KmsKey, currentKey))
        {
            var asked = wanted.KmsKey is null ? "the AWS managed key (aws/ecr)" : $"the key {wanted.KmsKey}";
            var warning = $"The ECR repository {spec.Name} is encrypted with {currentType} and key {currentKey ?? "(not reported)"}; the settings name {asked}, which cannot be compared "
                + "with a key ARN without AWS KMS, so the key was not verified (the encryption type was). Give the key ARN to have it checked.";
            warnings.Add($"{ErrorCodes.RepositoryEncryptionNotVerified.Code}: {warning}");
            _logger.LogWarning(s_encryptionNotVerified, "{Warning}", warning);
            return new ControlAction
            {
                Setting = ControlledSetting.Encryption,
                Change = ControlChange.NotVerified,
                Summary = $"encryption: {currentType}, key not verified ({asked} against {currentKey ?? "(not reported)"})",
                Before = current.ToString(),
                After = wanted.ToString(),
            };
        }

        return Unchanged(ControlledSetting.Encryption, $"encryption: {current}", current.ToString());
    }

    /// <summary>True when both keys are given in comparable forms (ARNs or key IDs) and name different keys.</summary>
    private static bool KeysDiffer(string? wanted, string? current)
    {
        if (wanted is null || current is null || IsAlias(wanted) || IsAlias(current))
        {
            return false;
        }

        if (wanted.StartsWith("arn:", StringComparison.Ordinal) && current.StartsWith("arn:", StringComparison.Ordinal))
        {
            return !string.Equals(wanted, current, StringComparison.Ordinal);
        }

        return !IsKeyIdOf(wanted, current) && !IsKeyIdOf(current, wanted) && !string.Equals(wanted, current, StringComparison.Ordinal);
    }

    private static bool IsAlias(string key) => key.StartsWith("alias/", StringComparison.Ordinal) || key.Contains(":alias/", StringComparison.Ordinal);

    /// <summary>True when <paramref name="keyId"/> is a bare key ID and <paramref name="arn"/> is that key's ARN (<c>...:key/&lt;id&gt;</c>).</summary>
    private static bool IsKeyIdOf(string? keyId, string? arn)
        => keyId is not null && arn is not null && !keyId.Contains(':', StringComparison.Ordinal) && !keyId.Contains('/', StringComparison.Ordinal)
           && arn.EndsWith($":key/{keyId}", StringComparison.Ordinal);

    private async Task<(IReadOnlyList<ControlAction> Actions, IReadOnlyDictionary<string, string> ToSend)> CompareTagsAsync(
        RepositorySpec spec, Repository repository, ControlMode mode, CancellationToken cancellationToken)
    {
        var arn = repository.RepositoryArn
            ?? throw new ToolkitException(ErrorCodes.AwsInvalidResponse, $"DescribeRepositories returned no ARN for {spec.Name}, so its tags cannot be read; run again, and report it if it persists.");
        var response = await _client.ListTagsForResourceAsync(new ListTagsForResourceRequest { ResourceArn = arn }, cancellationToken).ConfigureAwait(false);
        var current = (response.Tags ?? []).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var added = spec.Tags.Where(t => !current.ContainsKey(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        var updated = spec.Tags.Where(t => current.TryGetValue(t.Key, out var value) && value != t.Value).OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        var actions = new List<ControlAction>();
        if (added.Length > 0)
        {
            actions.Add(Changed(ControlledSetting.Tags, ControlChange.Added, $"tags added: {Pairs(added)}", null, Pairs(added), mode));
        }

        if (updated.Length > 0)
        {
            var before = string.Join(", ", updated.Select(t => $"{t.Key}={current[t.Key]}"));
            actions.Add(Changed(ControlledSetting.Tags, ControlChange.Updated, $"tags updated: {string.Join(", ", updated.Select(t => $"{t.Key}: {current[t.Key]} -> {t.Value}"))}", before, Pairs(updated), mode));
        }

        if (actions.Count == 0)
        {
            actions.Add(Unchanged(ControlledSetting.Tags, $"tags: {Pairs(spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))}", Pairs(spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))));
        }

        return (actions, added.Concat(updated).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal));
    }

    private async Task<PolicyDocument?> GetLifecyclePolicyAsync(RepositorySpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetLifecyclePolicyAsync(new GetLifecyclePolicyRequest { RegistryId = spec.RegistryId, RepositoryName = spec.Name }, cancellationToken).ConfigureAwait(false);
            return string.IsNullOrEmpty(response.LifecyclePolicyText) ? null : PolicyDocument.FromService(PolicyKind.Lifecycle, response.LifecyclePolicyText, $"the lifecycle policy of {spec.Name} in ECR");
        }
        catch (LifecyclePolicyNotFoundException)
        {
            return null;
        }
    }

    private async Task<PolicyDocument?> GetRepositoryPolicyAsync(RepositorySpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetRepositoryPolicyAsync(new GetRepositoryPolicyRequest { RegistryId = spec.RegistryId, RepositoryName = spec.Name }, cancellationToken).ConfigureAwait(false);
            return string.IsNullOrEmpty(response.PolicyText) ? null : PolicyDocument.FromService(PolicyKind.Repository, response.PolicyText, $"the repository policy of {spec.Name} in ECR");
        }
        catch (RepositoryPolicyNotFoundException)
        {
            return null;
        }
    }

    private static List<ControlAction> PolicyActions(RepositorySpec spec, PolicyDocument? lifecycle, PolicyDocument? currentLifecycle, PolicyDocument? policy, PolicyDocument? currentPolicy, bool applied)
    {
        var actions = new List<ControlAction>();
        if (lifecycle is not null)
        {
            actions.Add(PolicyAction(ControlledSetting.LifecyclePolicy, "lifecycle policy", spec.Name, lifecycle, currentLifecycle, applied));
        }

        if (policy is not null)
        {
            actions.Add(PolicyAction(ControlledSetting.RepositoryPolicy, "repository policy", spec.Name, policy, currentPolicy, applied));
        }

        return actions;
    }

    private static ControlAction PolicyAction(ControlledSetting setting, string what, string repository, PolicyDocument wanted, PolicyDocument? current, bool applied)
    {
        if (current is not null && wanted.IsEquivalentTo(current))
        {
            return Unchanged(setting, $"{what}: unchanged (same as {wanted.Source})", wanted.Source);
        }

        var change = current is null ? ControlChange.Added : ControlChange.Replaced;
        return new ControlAction
        {
            Setting = setting,
            Change = change,
            Summary = $"{what} {(change == ControlChange.Added ? "set" : "replaced")} from {wanted.Source}",
            Before = current is null ? null : "(in ECR)",
            After = wanted.Source,
            Diff = UnifiedDiff.Create(current is null ? string.Empty : current.Canonical + "\n", wanted.Canonical + "\n", current is null ? $"{repository} {what} (none)" : $"{repository} {what} (in ECR)", wanted.Source),
            Applied = applied,
        };
    }

    private async Task ApplyPoliciesAsync(RepositorySpec spec, IReadOnlyList<ControlAction> policyActions, PolicyDocument? lifecycle, PolicyDocument? policy, List<ControlAction> actions, CancellationToken cancellationToken)
    {
        actions.AddRange(policyActions);
        await SendPoliciesAsync(spec, policyActions, lifecycle, policy, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendPoliciesAsync(RepositorySpec spec, IReadOnlyList<ControlAction> policyActions, PolicyDocument? lifecycle, PolicyDocument? policy, CancellationToken cancellationToken)
    {
        foreach (var action in policyActions.Where(a => a.IsChange))
        {
            if (action.Setting == ControlledSetting.LifecyclePolicy)
            {
                await _client.PutLifecyclePolicyAsync(
                    new PutLifecyclePolicyRequest { RegistryId = spec.RegistryId, RepositoryName = spec.Name, LifecyclePolicyText = lifecycle!.Text },
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _client.SetRepositoryPolicyAsync(
                    new SetRepositoryPolicyRequest { RegistryId = spec.RegistryId, RepositoryName = spec.Name, PolicyText = policy!.Text },
                    cancellationToken).ConfigureAwait(false);
            }

            _logger.LogInformation("{Summary} for {Repository}", action.Summary, spec.Name);
            _logger.LogDebug("{Diff}", action.Diff);
        }
    }

    private static ControlAction CreationAction(RepositorySpec spec, bool applied)
    {
        var settings = new List<string>
        {
            $"scan on push {Flag(spec.ScanOnPush ?? false)}",
            $"tags {(spec.TagMutability ?? TagMutabilitySpec.Mutable)}",
            $"encryption {spec.Encryption ?? RepositoryEncryption.Aes256}",
        };
        if (spec.Tags.Count > 0)
        {
            settings.Add($"tags {Pairs(spec.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))}");
        }

        var after = string.Join("; ", settings);
        return new ControlAction
        {
            Setting = ControlledSetting.Repository,
            Change = ControlChange.Created,
            Summary = $"repository {spec.Name} {(applied ? "created" : "to be created")}: {after}",
            After = after,
            Applied = applied,
        };
    }

    private static TagMutabilitySpec CurrentMutability(Repository repository)
    {
        var value = repository.ImageTagMutability?.Value ?? "MUTABLE";
        var filters = (repository.ImageTagMutabilityExclusionFilters ?? []).Select(f => f.Filter).ToArray();
        return new TagMutabilitySpec(value.StartsWith("IMMUTABLE", StringComparison.Ordinal), filters);
    }

    private static IReadOnlyList<ImageTagMutabilityExclusionFilter>? ExclusionFilters(TagMutabilitySpec mutability)
        => mutability.ExclusionFilters.Count == 0
            ? null
            : [.. mutability.ExclusionFilters.Select(f => new ImageTagMutabilityExclusionFilter { FilterType = ImageTagMutabilityExclusionFilterType.Wildcard, Filter = f })];

    private static RepositoryControlResult Result(RepositorySpec spec, Repository? repository, ControlMode mode, bool created, List<ControlAction> actions, List<string> warnings)
        => new()
        {
            RepositoryName = spec.Name,
            RegistryId = repository?.RegistryId ?? spec.RegistryId,
            RepositoryArn = repository?.RepositoryArn,
            RepositoryUri = repository?.RepositoryUri,
            DryRun = mode == ControlMode.Plan,
            Created = created || (mode == ControlMode.Plan && repository is null),
            Actions = actions,
            Warnings = warnings,
        };

    private static ControlAction Unchanged(ControlledSetting setting, string summary, string? value)
        => new() { Setting = setting, Change = ControlChange.Unchanged, Summary = summary, Before = value, After = value };

    private static ControlAction Changed(ControlledSetting setting, ControlChange change, string summary, string? before, string? after, ControlMode mode)
        => new() { Setting = setting, Change = change, Summary = summary, Before = before, After = after, Applied = mode == ControlMode.Apply };

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Pairs(IEnumerable<KeyValuePair<string, string>> tags) => string.Join(", ", tags.Select(t => $"{t.Key}={t.Value}"));

    private static string Describe(IEnumerable<ReplicationRuleSpec> rules)
    {
        var text = string.Join("; ", rules.Select(r => string.Join(", ", r.Destinations.Select(d => d.ToString()))
            + (r.RepositoryPrefixes.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" for {string.Join(", ", r.RepositoryPrefixes.Select(p => p + "*"))}"))));
        return text.Length == 0 ? "none" : text;
    }
}
