// Lifecycle and repository policies. Types and member names follow the service model (service-2.json, 2015-09-21).
namespace Toolkit.Aws.Ecr;

/// <summary>The input of <c>PutLifecyclePolicy</c>.</summary>
public sealed record PutLifecyclePolicyRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required string LifecyclePolicyText { get; init; }
}

/// <summary>The output of <c>PutLifecyclePolicy</c>.</summary>
public sealed record PutLifecyclePolicyResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? LifecyclePolicyText { get; init; }
}

/// <summary>The input of <c>GetLifecyclePolicy</c>.</summary>
public sealed record GetLifecyclePolicyRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }
}

/// <summary>The output of <c>GetLifecyclePolicy</c>.</summary>
public sealed record GetLifecyclePolicyResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? LifecyclePolicyText { get; init; }

    public DateTimeOffset? LastEvaluatedAt { get; init; }
}

/// <summary>The input of <c>SetRepositoryPolicy</c>.</summary>
public sealed record SetRepositoryPolicyRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }

    public required string PolicyText { get; init; }

    public bool? Force { get; init; }
}

/// <summary>The output of <c>SetRepositoryPolicy</c>.</summary>
public sealed record SetRepositoryPolicyResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? PolicyText { get; init; }
}

/// <summary>The input of <c>GetRepositoryPolicy</c>.</summary>
public sealed record GetRepositoryPolicyRequest
{
    public string? RegistryId { get; init; }

    public required string RepositoryName { get; init; }
}

/// <summary>The output of <c>GetRepositoryPolicy</c>.</summary>
public sealed record GetRepositoryPolicyResponse
{
    public string? RegistryId { get; init; }

    public string? RepositoryName { get; init; }

    public string? PolicyText { get; init; }
}
