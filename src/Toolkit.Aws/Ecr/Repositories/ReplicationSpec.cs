using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// A registry's replication configuration as it should be: rules of destinations (region and registry) and optional
/// repository name prefixes. It replaces the whole configuration of the registry, as PutReplicationConfiguration does.
/// </summary>
public sealed record ReplicationSpec
{
    /// <summary>The most rules a registry has (service model).</summary>
    public const int MaxRules = 10;

    /// <summary>The rules; an empty list turns replication off.</summary>
    public required IReadOnlyList<ReplicationRuleSpec> Rules { get; init; }

    /// <summary>Refuses what ECR would refuse (<see cref="ErrorCodes.InvalidReplicationSettings"/>).</summary>
    public void Validate()
    {
        if (Rules.Count > MaxRules)
        {
            throw ReplicationRuleSpec.Invalid($"{Rules.Count} replication rules are given; a registry has at most {MaxRules}.");
        }

        foreach (var rule in Rules)
        {
            rule.Validate();
        }
    }

    /// <summary>
    /// The canonical JSON of a configuration, as compared and diffed: in each rule, destinations and filters are sorted
    /// (they are sets); rule order is kept. <paramref name="ownRegistryId"/> fills destinations without a registry.
    /// </summary>
    internal static string Canonical(IEnumerable<ReplicationRuleSpec> rules, string? ownRegistryId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("rules");
            foreach (var rule in rules)
            {
                writer.WriteStartObject();
                writer.WriteStartArray("destinations");
                foreach (var destination in rule.Destinations
                    .Select(d => (d.Region, RegistryId: d.RegistryId ?? ownRegistryId ?? "(this registry)"))
                    .Distinct()
                    .OrderBy(d => d.Region, StringComparer.Ordinal)
                    .ThenBy(d => d.RegistryId, StringComparer.Ordinal))
                {
                    writer.WriteStartObject();
                    writer.WriteString("region", destination.Region);
                    writer.WriteString("registryId", destination.RegistryId);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                if (rule.RepositoryPrefixes.Count > 0)
                {
                    writer.WriteStartArray("repositoryFilters");
                    foreach (var prefix in rule.RepositoryPrefixes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                    {
                        writer.WriteStartObject();
                        writer.WriteString("filter", prefix);
                        writer.WriteString("filterType", "PREFIX_MATCH");
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}

/// <summary>One replication rule: images of repositories whose names start with one of the prefixes (all when none) go to every destination.</summary>
public sealed partial record ReplicationRuleSpec
{
    public required IReadOnlyList<ReplicationTarget> Destinations { get; init; }

    /// <summary>Repository name prefixes (PREFIX_MATCH filters); empty replicates every repository.</summary>
    public IReadOnlyList<string> RepositoryPrefixes { get; init; } = [];

    internal void Validate()
    {
        if (Destinations.Count is 0 or > 100)
        {
            throw Invalid($"A replication rule needs 1 to 100 destinations; {Destinations.Count} are given.");
        }

        foreach (var destination in Destinations)
        {
            destination.Validate();
        }

        if (RepositoryPrefixes.Count > 100)
        {
            throw Invalid($"A replication rule takes at most 100 repository filters; {RepositoryPrefixes.Count} are given.");
        }

        foreach (var prefix in RepositoryPrefixes)
        {
            if (prefix is null || prefix.Length is < 2 or > 256 || !Prefix().IsMatch(prefix))
            {
                throw Invalid($"'{prefix}' is not a repository name prefix: 2 to 256 lower-case letters, digits and '.', '_', '-', '/' (e.g. 'team/').");
            }
        }
    }

    internal static ToolkitException Invalid(string message) => new(ErrorCodes.InvalidReplicationSettings, message);

    // The service model's RepositoryFilterValue pattern.
    [GeneratedRegex(@"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")]
    private static partial Regex Prefix();
}

/// <summary>A replication destination: a region, and the registry (account) there; null means this registry's own account.</summary>
public sealed partial record ReplicationTarget(string Region, string? RegistryId)
{
    /// <summary>Parses <c>&lt;region&gt;[:&lt;account&gt;]</c>, e.g. <c>eu-west-1</c> or <c>eu-west-1:123456789012</c>.</summary>
    public static ReplicationTarget Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var target = colon < 0 ? new ReplicationTarget(value.Trim(), null) : new ReplicationTarget(value[..colon].Trim(), value[(colon + 1)..].Trim());
        target.Validate();
        return target;
    }

    public override string ToString() => RegistryId is null ? Region : $"{Region}:{RegistryId}";

    internal void Validate()
    {
        if (!RegionName().IsMatch(Region ?? string.Empty))
        {
            throw ReplicationRuleSpec.Invalid($"'{Region}' is not a region name (e.g. eu-west-1); give destinations as <region>[:<account>].");
        }

        if (RegistryId is not null && !RepositorySpec.AccountId().IsMatch(RegistryId))
        {
            throw ReplicationRuleSpec.Invalid($"'{RegistryId}' is not a registry ID: the destination's 12-digit AWS account (e.g. {Region}:123456789012).");
        }
    }

    [GeneratedRegex("^[0-9a-z-]{2,25}$")]
    private static partial Regex RegionName();
}
