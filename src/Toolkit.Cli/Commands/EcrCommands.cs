using System.CommandLine;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;

namespace Toolkit.Cli.Commands;

/// <summary><c>dotnet toolkit ecr ...</c>: Amazon ECR repository controls, registry replication and login.</summary>
internal static class EcrCommands
{
    public static Command Create(CliHost host)
    {
        var ecr = new Command("ecr", "Amazon ECR: create and control repositories (encryption, immutability, scanning, policies), replication, registry login.");
        ecr.Add(CreateEnsureRepository(host));
        ecr.Add(CreateReplication(host));
        ecr.Add(CreateLogin(host));
        return ecr;
    }

    /// <summary><c>image push --ensure-repository</c>: the destination must be an ECR repository, created when missing (ECR's default settings).</summary>
    public static async Task EnsureRepositoryBeforePushAsync(CliHost host, ParseResult parseResult, ImageLocation destination, CancellationToken cancellationToken)
    {
        if (destination is not RegistryLocation { Reference: var reference } || !EcrRegistryHost.TryParse(reference.Registry, out var registry))
        {
            throw new ToolkitException(ErrorCodes.NotAnEcrRegistry, $"--ensure-repository is for Amazon ECR destinations (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>), not '{destination}'.");
        }

        using var client = CliHost.CreateEcrClient(EcrLogin.ConnectionFor(host.AwsConnection(parseResult), registry.Host));
        var result = await new EcrRepositoryControls(client, host.LoggerFactory)
            .EnsureRepositoryAsync(new RepositorySpec { Name = reference.Repository, RegistryId = registry.AccountId }, ControlMode.Apply, cancellationToken)
            .ConfigureAwait(false);
        if (result.Created)
        {
            await host.Error.WriteLineAsync($"Created the ECR repository {reference.Repository} in {registry.Host}.".AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Command CreateEnsureRepository(CliHost host)
    {
        var name = new Argument<string>("name") { Description = "The repository name, e.g. team/app." };
        var registryId = new Option<string?>("--registry-id") { Description = "The 12-digit account of the registry; default: your own." };
        var scanOnPush = new Option<bool>("--scan-on-push") { Description = "Scan every pushed image (basic scanning); --scan-on-push false turns it off. Default: left as it is (off for a new repository)." };
        var immutable = new Option<bool>("--immutable") { Description = "Tags cannot move to another image; --immutable false makes them mutable. Default: left as it is (mutable for a new repository)." };
        var immutableExclude = new Option<string[]>("--immutable-exclude") { Description = "A tag wildcard (e.g. latest, dev-*) that stays mutable in an immutable repository (IMMUTABLE_WITH_EXCLUSION); implies --immutable. Repeatable, at most 5." };
        var mutableExclude = new Option<string[]>("--mutable-exclude") { Description = "A tag wildcard (e.g. v*) that is immutable in a mutable repository (MUTABLE_WITH_EXCLUSION). Repeatable, at most 5." };
        var encryption = new Option<string?>("--encryption") { Description = "Encryption at rest, fixed at creation: AES256 (default), KMS or KMS_DSSE. An existing repository encrypted otherwise is an error (TK3075)." };
        var kmsKey = new Option<string?>("--kms-key") { Description = "The KMS key (ARN, key ID, alias/<name> or alias ARN) to encrypt with; implies --encryption KMS." };
        var tags = new Option<string[]>("--tag") { Description = "A resource tag KEY=VALUE, added or updated (other tags are left alone). Repeatable." };
        var lifecycle = new Option<string?>("--lifecycle-policy") { Description = "A lifecycle policy JSON file: checked, compared with the repository's (a diff is shown) and sent only when it differs." };
        var policy = new Option<string?>("--policy") { Description = "A repository policy JSON file (an IAM resource policy): checked, compared and sent only when it differs." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say what would change; send no write." };
        var command = new Command("ensure-repository", "Create an ECR repository, or bring an existing one to these settings; only what differs is changed, so running it again changes nothing.")
        {
            name, registryId, scanOnPush, immutable, immutableExclude, mutableExclude, encryption, kmsKey, tags, lifecycle, policy, dryRun,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var spec = new RepositorySpec
            {
                Name = parseResult.GetValue(name)!,
                RegistryId = parseResult.GetValue(registryId),
                ScanOnPush = parseResult.GetResult(scanOnPush) is null ? null : parseResult.GetValue(scanOnPush),
                TagMutability = TagMutabilitySpec.From(
                    parseResult.GetResult(immutable) is null ? null : parseResult.GetValue(immutable),
                    parseResult.GetValue(immutableExclude),
                    parseResult.GetValue(mutableExclude)),
                Encryption = parseResult.GetValue(encryption) is null && parseResult.GetValue(kmsKey) is null
                    ? null
                    : RepositoryEncryption.Parse(parseResult.GetValue(encryption), parseResult.GetValue(kmsKey)),
                Tags = BuildInputs.ParsePairs(parseResult.GetValue(tags), "--tag"),
                LifecyclePolicyFile = parseResult.GetValue(lifecycle),
                RepositoryPolicyFile = parseResult.GetValue(policy),
            };
            await spec.CheckAsync(cancellationToken).ConfigureAwait(false);
            using var client = CliHost.CreateEcrClient(host.AwsConnection(parseResult));
            var result = await new EcrRepositoryControls(client, host.LoggerFactory)
                .EnsureRepositoryAsync(spec, parseResult.GetValue(dryRun) ? ControlMode.Plan : ControlMode.Apply, cancellationToken)
                .ConfigureAwait(false);
            await EcrResultWriter.WriteRepositoryAsync(host, parseResult, result, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateReplication(CliHost host)
    {
        var destinations = new Option<string[]>("--destination") { Description = "Replicate to this region, and account when it is another: <region>[:<account>]. Repeatable.", Required = true };
        var prefixes = new Option<string[]>("--prefix") { Description = "Only repositories whose names start with this prefix (PREFIX_MATCH). Repeatable; default: every repository." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only say what would change; send no write." };
        var command = new Command("replication", "Set the registry's replication (opt-in; it replaces the registry's whole replication configuration) when it differs; a diff is shown.")
        {
            destinations, prefixes, dryRun,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var spec = new ReplicationSpec
            {
                Rules =
                [
                    new ReplicationRuleSpec
                    {
                        Destinations = [.. (parseResult.GetValue(destinations) ?? []).Select(ReplicationTarget.Parse)],
                        RepositoryPrefixes = parseResult.GetValue(prefixes) ?? [],
                    },
                ],
            };
            spec.Validate();
            using var client = CliHost.CreateEcrClient(host.AwsConnection(parseResult));
            var result = await new EcrRepositoryControls(client, host.LoggerFactory)
                .EnsureReplicationAsync(spec, parseResult.GetValue(dryRun) ? ControlMode.Plan : ControlMode.Apply, cancellationToken)
                .ConfigureAwait(false);
            await EcrResultWriter.WriteReplicationAsync(host, parseResult, result, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateLogin(CliHost host)
    {
        var registry = new Argument<string?>("registry") { Description = "The ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com); default: your account's registry in the region.", Arity = ArgumentArity.ZeroOrOne };
        var write = new Option<bool>("--write-docker-config") { Description = "Write the credential to the docker config (DOCKER_CONFIG or ~/.docker/config.json, mode 0600) for docker and other tools. Without it nothing is written." };
        var command = new Command("login", "Get a registry credential for Amazon ECR (valid 12 hours) and, when asked, write it to the docker config. The password is never printed.")
        {
            registry, write,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var request = new EcrLoginRequest { Registry = parseResult.GetValue(registry), WriteDockerConfig = parseResult.GetValue(write) };
            var connection = EcrLogin.ConnectionFor(host.AwsConnection(parseResult), request.Registry);
            using var client = CliHost.CreateEcrClient(connection);
            var result = await new EcrLogin(client, ProcessEnvironmentVariables.Instance, host.LoggerFactory)
                .LoginAsync(request, cancellationToken)
                .ConfigureAwait(false);
            await EcrResultWriter.WriteLoginAsync(host, parseResult, result, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }
}
