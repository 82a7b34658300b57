using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// A task that reaches registries: the docker config's credentials for every registry, and for Amazon ECR hosts a
/// password from GetAuthorizationToken with the AWS properties of the build (ToolkitAwsRegion, ToolkitAwsProfile,
/// ToolkitAwsEndpointUrl, else the AWS environment and shared files; an ECR host's own region wins).
/// </summary>
public abstract class ToolkitRegistryTask : ToolkitTask
{
    /// <summary><c>ToolkitAwsRegion</c>.</summary>
    public string? AwsRegion { get; set; }

    /// <summary><c>ToolkitAwsProfile</c>.</summary>
    public string? AwsProfile { get; set; }

    /// <summary><c>ToolkitAwsEndpointUrl</c>: a custom AWS API endpoint such as a VPC interface endpoint.</summary>
    public string? AwsEndpointUrl { get; set; }

    /// <summary>The registry clients for <paramref name="insecureRegistries"/> and <paramref name="caFile"/>, with ECR support.</summary>
    protected EcrRegistryClients Registries(IReadOnlyList<string> insecureRegistries, string? caFile, ILoggerFactory loggerFactory)
        => EcrRegistryClients.ForConnection(
            new RegistryConnectionOptions { InsecureRegistries = insecureRegistries, CaFile = string.IsNullOrWhiteSpace(caFile) ? null : caFile },
            AwsSettings.Connection(AwsRegion, AwsProfile, AwsEndpointUrl, loggerFactory),
            ProcessEnvironmentVariables.Instance,
            loggerFactory);
}
