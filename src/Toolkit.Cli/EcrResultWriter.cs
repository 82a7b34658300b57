using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Aws.Ecr.Repositories;

namespace Toolkit.Cli;

/// <summary>Writes the results of the <c>ecr</c> commands: a list of changes (with policy diffs) for people, or one JSON document with <c>--json</c>.</summary>
internal static class EcrResultWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteRepositoryAsync(CliHost host, ParseResult parseResult, RepositoryControlResult result, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["repository"] = result.RepositoryName,
                ["registryId"] = result.RegistryId,
                ["repositoryArn"] = result.RepositoryArn,
                ["repositoryUri"] = result.RepositoryUri,
                ["dryRun"] = result.DryRun,
                ["created"] = result.Created,
                ["changed"] = result.HasChanges,
                ["actions"] = new JsonArray([.. result.Actions.Select(a => (JsonNode)Action(a))]),
                ["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode?)JsonValue.Create(w))]),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Repository {result.RepositoryName}{(result.RepositoryUri is null ? string.Empty : "  " + result.RepositoryUri)}").AppendLine();
        AppendActions(text, result.Actions, result.DryRun);
        var changes = result.Actions.Count(a => a.IsChange);
        text.Append(Conclusion(changes, result.DryRun));
        await host.Output.WriteLineAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteReplicationAsync(CliHost host, ParseResult parseResult, ReplicationControlResult result, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["registryId"] = result.RegistryId,
                ["dryRun"] = result.DryRun,
                ["changed"] = result.HasChanges,
                ["action"] = Action(result.Action),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Registry {result.RegistryId ?? "(default)"}").AppendLine();
        AppendActions(text, [result.Action], result.DryRun);
        text.Append(Conclusion(result.HasChanges ? 1 : 0, result.DryRun));
        await host.Output.WriteLineAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteLoginAsync(CliHost host, ParseResult parseResult, EcrLoginResult result, CancellationToken cancellationToken)
    {
        var expires = result.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["registry"] = result.Registry,
                ["username"] = result.Username,
                ["expiresAt"] = expires,
                ["dockerConfig"] = result.DockerConfigPath,
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var line = result.DockerConfigPath is { } path
            ? $"Logged in to {result.Registry} as {result.Username} until {expires}: the credential is in {path}."
            : $"Got a credential for {result.Registry} (user {result.Username}, valid until {expires}); nothing was written (add --write-docker-config to store it for docker).";
        await host.Output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    private static void AppendActions(StringBuilder text, IEnumerable<ControlAction> actions, bool dryRun)
    {
        foreach (var action in actions)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Verb(action, dryRun),-14} {action.Summary}").AppendLine();
            if (!string.IsNullOrEmpty(action.Diff))
            {
                text.Append(action.Diff);
            }
        }
    }

    private static string Conclusion(int changes, bool dryRun) => (changes, dryRun) switch
    {
        (0, _) => "Up to date: nothing to change.",
        (1, true) => "Dry run: 1 change would be made; nothing was sent.",
        (_, true) => string.Create(CultureInfo.InvariantCulture, $"Dry run: {changes} changes would be made; nothing was sent."),
        (1, false) => "1 change made.",
        _ => string.Create(CultureInfo.InvariantCulture, $"{changes} changes made."),
    };

    private static string Verb(ControlAction action, bool dryRun) => action.Change switch
    {
        ControlChange.Unchanged => "unchanged",
        ControlChange.NotVerified => "not verified",
        _ when dryRun => "would be " + Name(action.Change),
        _ => Name(action.Change),
    };

    private static JsonObject Action(ControlAction action) => new()
    {
        ["setting"] = JsonNamingPolicy.CamelCase.ConvertName(action.Setting.ToString()),
        ["change"] = Name(action.Change),
        ["applied"] = action.Applied,
        ["summary"] = action.Summary,
        ["before"] = action.Before,
        ["after"] = action.After,
        ["diff"] = string.IsNullOrEmpty(action.Diff) ? null : action.Diff,
    };

    private static string Name(ControlChange change) => change switch
    {
        ControlChange.NotVerified => "notVerified",
        _ => change.ToString().ToLowerInvariant(),
    };
}
