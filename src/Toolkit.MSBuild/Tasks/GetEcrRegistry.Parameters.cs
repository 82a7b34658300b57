using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// Finds the caller's default Amazon ECR registry host in the region (from GetAuthorizationToken's proxyEndpoint, so no
/// STS call is needed), for <c>ToolkitEcrRepository</c> without <c>ContainerRegistry</c>.
/// Parameters: see Toolkit.MSBuild.targets for the properties they come from.
/// </summary>
public sealed partial class GetEcrRegistry
{
    /// <summary><c>ToolkitAwsRegion</c>.</summary>
    public string? AwsRegion { get; set; }

    /// <summary><c>ToolkitAwsProfile</c>.</summary>
    public string? AwsProfile { get; set; }

    /// <summary><c>ToolkitAwsEndpointUrl</c>.</summary>
    public string? AwsEndpointUrl { get; set; }

    /// <summary>The registry host, e.g. <c>123456789012.dkr.ecr.eu-west-1.amazonaws.com</c>.</summary>
    [Output]
    public string Registry { get; set; } = string.Empty;
}
