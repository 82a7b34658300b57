using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// Creates an Amazon ECR repository or brings it to the settings (ToolkitEnsureRepository=true, before the push).
/// Parameters: see Toolkit.MSBuild.targets for the properties they come from.
/// </summary>
public sealed partial class EnsureEcrRepository
{
    /// <summary>The repository name (<c>ToolkitEcrRepository</c>, else <c>ContainerRepository</c>).</summary>
    [Required]
    public string RepositoryName { get; set; } = string.Empty;

    /// <summary>The ECR registry host (<c>ContainerRegistry</c>); its account and region are used. Empty: the default registry.</summary>
    public string? Registry { get; set; }

    /// <summary><c>ToolkitAwsRegion</c>.</summary>
    public string? AwsRegion { get; set; }

    /// <summary><c>ToolkitAwsProfile</c>.</summary>
    public string? AwsProfile { get; set; }

    /// <summary><c>ToolkitAwsEndpointUrl</c>, e.g. a VPC interface endpoint.</summary>
    public string? AwsEndpointUrl { get; set; }

    /// <summary><c>ToolkitEcrScanOnPush</c>: true, false, or empty to leave it as it is.</summary>
    public string? ScanOnPush { get; set; }

    /// <summary><c>ToolkitEcrImmutableTags</c>: true, false, or empty to leave it as it is.</summary>
    public string? ImmutableTags { get; set; }

    /// <summary>
    /// <c>ToolkitEcrImmutableTagExclusions</c>: tag wildcards, separated by <c>;</c>, that stay mutable in an immutable
    /// repository. A string, not an item list: an item <c>Include</c> would take <c>dev-*</c> for a file pattern.
    /// </summary>
    public string? ImmutableTagExclusions { get; set; }

    /// <summary><c>ToolkitEcrMutableTagExclusions</c>: tag wildcards, separated by <c>;</c>, that are immutable in a mutable repository.</summary>
    public string? MutableTagExclusions { get; set; }

    /// <summary><c>ToolkitEcrEncryption</c>: AES256, KMS or KMS_DSSE.</summary>
    public string? Encryption { get; set; }

    /// <summary><c>ToolkitEcrKmsKey</c>: a key ARN, ID, <c>alias/name</c> or alias ARN (implies KMS).</summary>
    public string? KmsKey { get; set; }

    /// <summary><c>@(ToolkitEcrRepositoryTag)</c>: the item is the tag key, its <c>Value</c> metadata the value.</summary>
    public ITaskItem[] Tags { get; set; } = [];

    /// <summary><c>ToolkitEcrLifecyclePolicy</c>: a lifecycle policy JSON file.</summary>
    public string? LifecyclePolicy { get; set; }

    /// <summary><c>ToolkitEcrRepositoryPolicy</c>: a repository policy JSON file.</summary>
    public string? RepositoryPolicy { get; set; }

    /// <summary><c>ToolkitEcrDryRun</c>: only log what would change.</summary>
    public bool DryRun { get; set; }

    /// <summary>Relative policy paths are relative to this folder (the project's).</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>The repository URI to push to (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com/&lt;name&gt;</c>).</summary>
    [Output]
    public string RepositoryUri { get; set; } = string.Empty;

    /// <summary>True when the repository was created.</summary>
    [Output]
    public bool Created { get; set; }

    /// <summary>True when anything changed (or, with DryRun, would).</summary>
    [Output]
    public bool Changed { get; set; }
}
