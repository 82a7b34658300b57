// Registry settings: replication. Types and member names follow the service model (service-2.json, 2015-09-21).
namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>DescribeRegistry</c>.</summary>
public sealed record DescribeRegistryRequest;

/// <summary>The output of <c>DescribeRegistry</c>.</summary>
public sealed record DescribeRegistryResponse
{
    public string? RegistryId { get; init; }

    public ReplicationConfiguration? ReplicationConfiguration { get; init; }
}

/// <summary>The input of <c>PutReplicationConfiguration</c>.</summary>
public sealed record PutReplicationConfigurationRequest
{
    public required ReplicationConfiguration ReplicationConfiguration { get; init; }
}

/// <summary>The output of <c>PutReplicationConfiguration</c>.</summary>
public sealed record PutReplicationConfigurationResponse
{
    public ReplicationConfiguration? ReplicationConfiguration { get; init; }
}

/// <summary>A region and registry (account) that images are replicated to.</summary>
public sealed record ReplicationDestination
{
    public required string Region { get; init; }

    public required string RegistryId { get; init; }
}

/// <summary>A repository name prefix a replication rule applies to.</summary>
public sealed record RepositoryFilter
{
    public required string Filter { get; init; }

    public required RepositoryFilterType FilterType { get; init; }
}

/// <summary>Where images of the repositories the filters match are replicated to.</summary>
public sealed record ReplicationRule
{
    public required IReadOnlyList<ReplicationDestination> Destinations { get; init; }

    public IReadOnlyList<RepositoryFilter>? RepositoryFilters { get; init; }
}

/// <summary>The registry's replication rules.</summary>
public sealed record ReplicationConfiguration
{
    public required IReadOnlyList<ReplicationRule> Rules { get; init; }
}
