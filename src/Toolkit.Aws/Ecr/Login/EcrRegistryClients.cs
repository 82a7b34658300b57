using Microsoft.Extensions.Logging;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Ecr.Login;

/// <summary>
/// The registry clients every front-end uses: credentials from the docker config (and <c>TOOLKIT_REGISTRY_*</c>) for
/// every registry, and for Amazon ECR hosts a password from GetAuthorizationToken with the front-end's AWS options,
/// renewed as it expires, with ECR's quirks handled. So <c>image push ... 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1</c>
/// works with AWS credentials in the environment and no <c>docker login</c>.
/// </summary>
public sealed class EcrRegistryClients : IRegistryClientFactory, IDisposable
{
    private readonly RegistryClientFactory _registries;
    private readonly EcrClientTokenSource _tokens;

    private EcrRegistryClients(RegistryClientFactory registries, EcrClientTokenSource tokens)
    {
        _registries = registries;
        _tokens = tokens;
    }

    public static EcrRegistryClients ForConnection(RegistryConnectionOptions connection, AwsConnectionOptions aws, IEnvironmentVariables environment, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var tokens = new EcrClientTokenSource(aws);
        var options = new RegistryClientOptions
        {
            InsecureRegistries = [.. connection.InsecureRegistries],
            CaFile = connection.CaFile,
            CredentialProvider = new DockerConfigCredentialProvider(environment, ProcessRunner.Instance, loggerFactory.CreateLogger<DockerConfigCredentialProvider>()),
            LoggerFactory = loggerFactory,
        };
        return new EcrRegistryClients(new RegistryClientFactory(options.WithAmazonEcr(tokens)), tokens);
    }

    public IRegistryClient Create(string registry) => _registries.Create(registry);

    public void Dispose()
    {
        _registries.Dispose();
        _tokens.Dispose();
    }
}
