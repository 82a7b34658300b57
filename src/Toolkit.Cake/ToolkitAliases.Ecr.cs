using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Cake;

public static partial class ToolkitAliases
{
    /// <summary>
    /// Creates an Amazon ECR repository, or brings an existing one to the settings: scan on push, tag immutability (with
    /// exclusion filters), KMS encryption (fixed at creation: a repository encrypted otherwise fails with TK3075), tags,
    /// and a lifecycle and a repository policy from files (checked first, sent only when they differ; the diff is
    /// logged). Only what differs is changed, so a second run changes nothing.
    /// </summary>
    /// <example>
    /// <code>
    /// var repository = ToolkitEcrEnsureRepository(new ToolkitEcrRepositorySettings
    /// {
    ///     Name = "payments/api",
    ///     Region = "eu-west-1",
    ///     ScanOnPush = true,
    ///     ImmutableTags = true,
    ///     ImmutableTagExclusions = { "latest" },
    ///     KmsKey = "alias/ecr-payments",
    ///     Tags = { ["team"] = "payments" },
    ///     LifecyclePolicy = "ecr/lifecycle.json",
    ///     RepositoryPolicy = "ecr/policy.json",
    /// });
    /// Information("{0}: {1}", repository.RepositoryUri, repository.Changed ? "changed" : "up to date");
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The repository and its settings; null stands for default settings, which fail with TK3070 because a name is required.</param>
    /// <returns>What was found and changed.</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("ECR")]
    [CakeNamespaceImport("Toolkit.Cake")]
    public static ToolkitEcrRepositoryResult ToolkitEcrEnsureRepository(this ICakeContext context, ToolkitEcrRepositorySettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitEcrRepositorySettings();
        return RunAws(context, loggerFactory =>
        {
            var root = context.Environment.WorkingDirectory;
            var spec = new RepositorySpec
            {
                Name = settings.Name,
                RegistryId = settings.RegistryId,
                ScanOnPush = settings.ScanOnPush,
                TagMutability = TagMutabilitySpec.From(settings.ImmutableTags, settings.ImmutableTagExclusions, settings.MutableTagExclusions),
                Encryption = settings.Encryption is null && settings.KmsKey is null ? null : RepositoryEncryption.Parse(settings.Encryption, settings.KmsKey),
                Tags = new Dictionary<string, string>(settings.Tags, StringComparer.Ordinal),
                LifecyclePolicyFile = settings.LifecyclePolicy?.MakeAbsolute(root).FullPath,
                RepositoryPolicyFile = settings.RepositoryPolicy?.MakeAbsolute(root).FullPath,
            };
            spec.CheckAsync(CancellationToken.None).GetAwaiter().GetResult();
            using var client = new EcrClient(AwsConnection.Resolve(settings.ToConnectionOptions(context, loggerFactory)));
            var result = new EcrRepositoryControls(client, loggerFactory)
                .EnsureRepositoryAsync(spec, settings.DryRun ? ControlMode.Plan : ControlMode.Apply, CancellationToken.None)
                .GetAwaiter().GetResult();
            foreach (var action in result.Actions)
            {
                context.Log.Write(Verbosity.Normal, global::Cake.Core.Diagnostics.LogLevel.Information, "{0}", $"{result.RepositoryName}: {action.Summary}{(result.DryRun && action.IsChange ? " (dry run)" : string.Empty)}");
                if (!string.IsNullOrEmpty(action.Diff))
                {
                    context.Log.Write(Verbosity.Normal, global::Cake.Core.Diagnostics.LogLevel.Information, "{0}", action.Diff.TrimEnd('\n'));
                }
            }

            return new ToolkitEcrRepositoryResult(result);
        });
    }

    /// <summary>
    /// Gets an Amazon ECR registry credential (GetAuthorizationToken, valid 12 hours) and, when
    /// <see cref="ToolkitEcrLoginSettings.WriteDockerConfig"/> is set, writes it to the docker config
    /// (<c>DOCKER_CONFIG</c> or <c>~/.docker/config.json</c>, mode 0600, other entries kept) for docker and other tools.
    /// The password is never logged or returned. Pushes with <see cref="ToolkitPushImage"/> to an ECR host need no login:
    /// they get their credential the same way.
    /// </summary>
    /// <example>
    /// <code>
    /// var login = ToolkitEcrLogin(new ToolkitEcrLoginSettings { Region = "eu-west-1", WriteDockerConfig = true });
    /// Information("Logged in to {0} until {1:u}", login.Registry, login.ExpiresAt);
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">The registry (null for the default one of the region) and where to write; null stands for default settings.</param>
    /// <returns>The registry, user and expiry (no secret).</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("ECR")]
    [CakeNamespaceImport("Toolkit.Cake")]
    public static ToolkitEcrLoginResult ToolkitEcrLogin(this ICakeContext context, ToolkitEcrLoginSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitEcrLoginSettings();
        return RunAws(context, loggerFactory =>
        {
            var connection = EcrLogin.ConnectionFor(settings.ToConnectionOptions(context, loggerFactory), settings.Registry);
            using var client = new EcrClient(AwsConnection.Resolve(connection));
            var result = new EcrLogin(client, new CakeEnvironmentVariables(context.Environment), loggerFactory)
                .LoginAsync(new EcrLoginRequest { Registry = settings.Registry, WriteDockerConfig = settings.WriteDockerConfig }, CancellationToken.None)
                .GetAwaiter().GetResult();
            return new ToolkitEcrLoginResult(result);
        });
    }

    private static T RunAws<T>(ICakeContext context, Func<ILoggerFactory, T> body)
    {
        using var loggerFactory = CakeLog.For(context.Log);
        try
        {
            return body(loggerFactory);
        }
        catch (ToolkitException e)
        {
            throw new CakeException((int)e.Kind, $"{e.Code}: {e.Message}", e);
        }
    }
}

/// <summary>
/// How to reach AWS. What is left unset is resolved as the AWS CLI resolves it: <c>AWS_REGION</c>/<c>AWS_PROFILE</c>
/// and the other variables, the shared config and credentials files, then the default credential chain.
/// </summary>
public abstract class ToolkitAwsSettings
{
    /// <summary>The AWS region, e.g. <c>eu-west-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>A profile of the shared config and credentials files.</summary>
    public string? Profile { get; set; }

    /// <summary>A custom endpoint for the AWS API, e.g. a VPC interface endpoint (<c>https://vpce-...api.ecr.eu-west-1.vpce.amazonaws.com</c>).</summary>
    public string? EndpointUrl { get; set; }

    /// <summary>FIPS endpoints; null as configured (<c>AWS_USE_FIPS_ENDPOINT</c>, the profile).</summary>
    public bool? UseFips { get; set; }

    /// <summary>Dual-stack (IPv4 and IPv6) endpoints; null as configured.</summary>
    public bool? UseDualStack { get; set; }

    /// <summary>A PEM file of extra certificate authorities to trust for AWS endpoints.</summary>
    public FilePath? AwsCaFile { get; set; }

    internal AwsConnectionOptions ToConnectionOptions(ICakeContext context, ILoggerFactory loggerFactory) => new()
    {
        Region = string.IsNullOrWhiteSpace(Region) ? null : Region.Trim(),
        Profile = string.IsNullOrWhiteSpace(Profile) ? null : Profile.Trim(),
        EndpointUrl = string.IsNullOrWhiteSpace(EndpointUrl) ? null : EndpointUrl.Trim(),
        UseFips = UseFips,
        UseDualStack = UseDualStack,
        CaFile = AwsCaFile?.MakeAbsolute(context.Environment.WorkingDirectory).FullPath,
        Environment = new CakeEnvironmentVariables(context.Environment),
        LoggerFactory = loggerFactory,
    };
}

/// <summary>Settings of <see cref="ToolkitAliases.ToolkitEcrEnsureRepository"/>. A setting left null is not managed (a new repository gets ECR's default).</summary>
public sealed class ToolkitEcrRepositorySettings : ToolkitAwsSettings
{
    /// <summary>The repository name, e.g. <c>team/app</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The 12-digit account of the registry; null for your own.</summary>
    public string? RegistryId { get; set; }

    /// <summary>Scan every pushed image (basic scanning).</summary>
    public bool? ScanOnPush { get; set; }

    /// <summary>Tags cannot move to another image (IMMUTABLE).</summary>
    public bool? ImmutableTags { get; set; }

    /// <summary>Tag wildcards that stay mutable in an immutable repository (IMMUTABLE_WITH_EXCLUSION); implies <see cref="ImmutableTags"/>.</summary>
    public ICollection<string> ImmutableTagExclusions { get; } = [];

    /// <summary>Tag wildcards that are immutable in a mutable repository (MUTABLE_WITH_EXCLUSION).</summary>
    public ICollection<string> MutableTagExclusions { get; } = [];

    /// <summary><c>AES256</c>, <c>KMS</c> or <c>KMS_DSSE</c>; fixed when the repository is created.</summary>
    public string? Encryption { get; set; }

    /// <summary>The KMS key (ARN, key ID, <c>alias/name</c> or alias ARN); implies KMS encryption.</summary>
    public string? KmsKey { get; set; }

    /// <summary>Resource tags to add or update (others are left alone).</summary>
    public IDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A lifecycle policy JSON file (relative to the Cake working directory).</summary>
    public FilePath? LifecyclePolicy { get; set; }

    /// <summary>A repository policy JSON file (relative to the Cake working directory).</summary>
    public FilePath? RepositoryPolicy { get; set; }

    /// <summary>Only report what would change; send no write.</summary>
    public bool DryRun { get; set; }
}

/// <summary>Settings of <see cref="ToolkitAliases.ToolkitEcrLogin"/>.</summary>
public sealed class ToolkitEcrLoginSettings : ToolkitAwsSettings
{
    /// <summary>The registry host (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>); null for your account's registry in the region.</summary>
    public string? Registry { get; set; }

    /// <summary>Write the credential to the docker config. Off by default: nothing is written.</summary>
    public bool WriteDockerConfig { get; set; }
}

/// <summary>One change (or unchanged setting) reported by <see cref="ToolkitAliases.ToolkitEcrEnsureRepository"/>.</summary>
public sealed class ToolkitEcrChange
{
    internal ToolkitEcrChange(ControlAction action)
    {
        Setting = action.Setting.ToString();
        Change = action.Change.ToString();
        Summary = action.Summary;
        Diff = string.IsNullOrEmpty(action.Diff) ? null : action.Diff;
        Applied = action.Applied;
    }

    /// <summary>Repository, ScanOnPush, TagMutability, Encryption, Tags, LifecyclePolicy or RepositoryPolicy.</summary>
    public string Setting { get; }

    /// <summary>Unchanged, Created, Updated, Added, Replaced or NotVerified.</summary>
    public string Change { get; }

    public string Summary { get; }

    /// <summary>For a policy: the unified diff of its canonical JSON.</summary>
    public string? Diff { get; }

    /// <summary>True when the change was sent (never in a dry run).</summary>
    public bool Applied { get; }

    /// <inheritdoc />
    public override string ToString() => Summary;
}

/// <summary>The result of <see cref="ToolkitAliases.ToolkitEcrEnsureRepository"/>.</summary>
public sealed class ToolkitEcrRepositoryResult
{
    internal ToolkitEcrRepositoryResult(RepositoryControlResult result)
    {
        Name = result.RepositoryName;
        RegistryId = result.RegistryId;
        RepositoryUri = result.RepositoryUri;
        Created = result.Created;
        Changed = result.HasChanges;
        DryRun = result.DryRun;
        Changes = [.. result.Actions.Select(a => new ToolkitEcrChange(a))];
        Warnings = result.Warnings;
    }

    public string Name { get; }

    public string? RegistryId { get; }

    /// <summary>Where to push: <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com/&lt;name&gt;</c> (null for a dry run of a new repository).</summary>
    public string? RepositoryUri { get; }

    public bool Created { get; }

    /// <summary>True when something changed (or, in a dry run, would).</summary>
    public bool Changed { get; }

    public bool DryRun { get; }

    public IReadOnlyList<ToolkitEcrChange> Changes { get; }

    /// <summary>Warnings with their code (e.g. TK3076 when a KMS alias could not be compared with the repository's key).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <inheritdoc />
    public override string ToString() => RepositoryUri ?? Name;
}

/// <summary>The result of <see cref="ToolkitAliases.ToolkitEcrLogin"/>: no secret.</summary>
public sealed class ToolkitEcrLoginResult
{
    internal ToolkitEcrLoginResult(EcrLoginResult result)
    {
        Registry = result.Registry;
        Username = result.Username;
        ExpiresAt = result.ExpiresAt;
        DockerConfigPath = result.DockerConfigPath;
    }

    /// <summary>The registry host, e.g. <c>123456789012.dkr.ecr.eu-west-1.amazonaws.com</c>.</summary>
    public string Registry { get; }

    /// <summary>Always <c>AWS</c>.</summary>
    public string Username { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The docker config written, or null.</summary>
    public string? DockerConfigPath { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Registry} (until {ExpiresAt:u})";
}
