using Microsoft.Extensions.Logging;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Ecr;

/// <summary>Amazon ECR support for the registry client, added to the options every front-end builds.</summary>
public static class EcrRegistryClientOptions
{
    /// <summary>
    /// The same options, with credentials for Amazon ECR hosts from <paramref name="tokens"/> (the options' own provider
    /// still serves every other registry, and answers are kept as <see cref="EcrCredentialProvider"/> says) and ECR's
    /// quirks handled (<see cref="EcrRegistryQuirksHandler"/>).
    /// </summary>
    public static RegistryClientOptions WithAmazonEcr(this RegistryClientOptions options, IEcrAuthorizationTokenSource tokens)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokens);
        var loggerFactory = options.LoggerFactory;
        return options with
        {
            CredentialProvider = new EcrCredentialProvider(tokens, options.CredentialProvider, options.TimeProvider, loggerFactory.CreateLogger<EcrCredentialProvider>()),
            MessageHandlers = [.. options.MessageHandlers, () => new EcrRegistryQuirksHandler(loggerFactory.CreateLogger<EcrRegistryQuirksHandler>())],
        };
    }
}
