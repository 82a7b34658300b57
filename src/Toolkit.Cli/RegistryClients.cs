using Microsoft.Extensions.Logging;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>The one place the command line gets its registry clients from.</summary>
internal static class RegistryClients
{
    public static IRegistryClientFactory Create(RegistryConnectionOptions options, ILoggerFactory loggerFactory)
        => RegistryClientFactory.ForConnection(options, ProcessEnvironmentVariables.Instance, loggerFactory);
}
