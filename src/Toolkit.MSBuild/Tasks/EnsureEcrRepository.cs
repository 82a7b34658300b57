using Microsoft.Build.Framework;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class EnsureEcrRepository : ToolkitTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.PolicyFileUnreadable, "Check the paths of ToolkitEcrLifecyclePolicy and ToolkitEcrRepositoryPolicy.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        var registry = string.IsNullOrWhiteSpace(Registry) ? null : Registry.Trim().TrimEnd('/');
        var spec = new RepositorySpec
        {
            Name = RepositoryName.Trim(),
            RegistryId = registry is not null && EcrRegistryHost.TryParse(registry, out var host) ? host.AccountId : null,
            ScanOnPush = Flag(ScanOnPush, "ToolkitEcrScanOnPush"),
            TagMutability = TagMutabilitySpec.From(Flag(ImmutableTags, "ToolkitEcrImmutableTags"), List(ImmutableTagExclusions), List(MutableTagExclusions)),
            Encryption = string.IsNullOrWhiteSpace(Encryption) && string.IsNullOrWhiteSpace(KmsKey) ? null : RepositoryEncryption.Parse(Encryption, KmsKey),
            Tags = Tags.ToDictionary(t => t.ItemSpec, t => t.GetMetadata("Value") ?? string.Empty, StringComparer.Ordinal),
            LifecyclePolicyFile = FullPath(LifecyclePolicy),
            RepositoryPolicyFile = FullPath(RepositoryPolicy),
        };
        await spec.CheckAsync(cancellationToken).ConfigureAwait(false);

        var connection = EcrLogin.ConnectionFor(AwsSettings.Connection(AwsRegion, AwsProfile, AwsEndpointUrl, loggerFactory), registry);
        using var client = new EcrClient(AwsConnection.Resolve(connection));
        var result = await new EcrRepositoryControls(client, loggerFactory)
            .EnsureRepositoryAsync(spec, DryRun ? ControlMode.Plan : ControlMode.Apply, cancellationToken)
            .ConfigureAwait(false);
        foreach (var action in result.Actions)
        {
            Log.LogMessage(action.IsChange ? MessageImportance.High : MessageImportance.Normal, "{0}: {1}{2}", result.RepositoryName, action.Summary, result.DryRun && action.IsChange ? " (dry run)" : string.Empty);
            if (!string.IsNullOrEmpty(action.Diff))
            {
                Log.LogMessage(MessageImportance.High, action.Diff.TrimEnd('\n'));
            }
        }

        var changes = result.Actions.Count(a => a.IsChange);
        Log.LogMessage(
            MessageImportance.High,
            changes == 0 ? "{0}: up to date, nothing sent" : result.DryRun ? "{0}: {1} change(s) would be made (ToolkitEcrDryRun); nothing sent" : "{0}: {1} change(s) made",
            result.RepositoryName,
            changes);
                RepositoryUri = result.RepositoryUri ?? string.Empty;
        Created = result.Created;
        Changed = result.HasChanges;
    }

    private static string[] List(string? value) => (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string? FullPath(string? path)
        => string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path.Trim(), string.IsNullOrWhiteSpace(ProjectDirectory) ? Environment.CurrentDirectory : ProjectDirectory);

    private static bool? Flag(string? value, string property) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "true" => true,
        "false" => false,
        _ => throw new ToolkitException(ErrorCodes.InvalidRepositorySettings, $"{property} is '{value}'; use true, false or leave it empty to keep the repository's setting."),
    };
}
