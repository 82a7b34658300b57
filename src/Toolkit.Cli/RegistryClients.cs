using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>
/// The one place the command line gets its registry clients from: the docker config for every registry, and for
/// Amazon ECR hosts a password from GetAuthorizationToken with the command's AWS options (no <c>docker login</c> needed).
/// </summary>
internal static class RegistryClients
{
    public static IRegistryClientFactory Create(RegistryConnectionOptions options, AwsConnectionOptions aws, ILoggerFactory loggerFactory)
        => EcrRegistryClients.ForConnection(options, aws, ProcessEnvironmentVariables.Instance, loggerFactory);
}
