namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>A setting that repository or registry controls look after.</summary>
public enum ControlledSetting
{
    Repository,
    ScanOnPush,
    TagMutability,
    Encryption,
    Tags,
    LifecyclePolicy,
    RepositoryPolicy,
    Replication,
}

/// <summary>What happened (or, in a plan, would happen) to a setting.</summary>
public enum ControlChange
{
    /// <summary>Already as the settings ask: nothing sent.</summary>
    Unchanged,

    /// <summary>The repository was created (with every setting of the spec).</summary>
    Created,

    /// <summary>A value was changed (scan on push, tag mutability, tag values).</summary>
    Updated,

    /// <summary>Something new was added (tags, or a policy where there was none).</summary>
    Added,

    /// <summary>A policy or configuration was replaced by a different one.</summary>
    Replaced,

    /// <summary>Could not be compared (e.g. a KMS alias against the key ARN ECR reports); see the warning.</summary>
    NotVerified,
}

/// <summary>One line of a control run's report.</summary>
public sealed record ControlAction
{
    public required ControlledSetting Setting { get; init; }

    public required ControlChange Change { get; init; }

    /// <summary>One sentence for people, e.g. "scan on push: false -> true".</summary>
    public required string Summary { get; init; }

    /// <summary>The value before, when the setting has one that fits a line.</summary>
    public string? Before { get; init; }

    /// <summary>The value asked for.</summary>
    public string? After { get; init; }

    /// <summary>For policies and replication: a unified diff of the canonical JSON, from what is there to what is asked.</summary>
    public string? Diff { get; init; }

    /// <summary>True when the change was sent; false for unchanged settings and for every action of a plan.</summary>
    public bool Applied { get; init; }

    /// <summary>True when the action changes something (or would, in a plan).</summary>
    public bool IsChange => Change is not (ControlChange.Unchanged or ControlChange.NotVerified);
}

/// <summary>What <see cref="EcrRepositoryControls.EnsureRepositoryAsync"/> found and did.</summary>
public sealed record RepositoryControlResult
{
    public required string RepositoryName { get; init; }

    /// <summary>The registry (account) ID, when ECR reported it (not for a repository a plan would create).</summary>
    public string? RegistryId { get; init; }

    public string? RepositoryArn { get; init; }

    /// <summary>The repository's URI for pushes and pulls: <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com/&lt;name&gt;</c>.</summary>
    public string? RepositoryUri { get; init; }

    /// <summary>True for a plan (<c>--dry-run</c>): nothing was sent but reads.</summary>
    public bool DryRun { get; init; }

    /// <summary>True when the repository was created (or, in a plan, would be).</summary>
    public bool Created { get; init; }

    public required IReadOnlyList<ControlAction> Actions { get; init; }

    /// <summary>Warnings with their <c>TKnnnn</c> code in front, also logged.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when anything changed (or would change).</summary>
    public bool HasChanges => Actions.Any(a => a.IsChange);
}

/// <summary>What <see cref="EcrRepositoryControls.EnsureReplicationAsync"/> found and did.</summary>
public sealed record ReplicationControlResult
{
    /// <summary>The registry (account) whose replication configuration this is.</summary>
    public string? RegistryId { get; init; }

    public bool DryRun { get; init; }

    /// <summary>The one action: unchanged, added or replaced, with the diff.</summary>
    public required ControlAction Action { get; init; }

    public bool HasChanges => Action.IsChange;
}
