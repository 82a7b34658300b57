using Amazon.Runtime;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Amazon.SSO;
using Amazon.SSOOIDC;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// Process-wide set-up of AWSSDK.Core. Credential providers that need another service (STS for assume-role and web
/// identity, SSO and SSO OIDC for IAM Identity Center) find its client by reflection over the loaded assemblies,
/// which a Native AOT build trims away; registering factories in <see cref="GlobalRuntimeDependencyRegistry"/> is
/// the SDK's way to give them the clients without reflection.
/// </summary>
/// <remarks>
/// The factories are process-wide, but the clients they make belong to a connection: the toolkit sets
/// <see cref="CurrentConnection"/> while it resolves and fetches a connection's credentials, and the factories give
/// the client that connection's HTTP stack (TLS rules, CA file), attempts and configured endpoint
/// (<c>AWS_ENDPOINT_URL_SSO</c>, a services section's <c>sso</c>...). Outside a fetch they use the defaults.
/// </remarks>
internal static class AwsSdkRuntime
{
    /// <summary>The service ids of the IAM Identity Center APIs, as their models name them.</summary>
    internal const string SsoServiceId = "SSO";

    internal const string SsoOidcServiceId = "SSO OIDC";

    private static readonly AsyncLocal<AwsConnection?> s_currentConnection = new();
    private static int s_initialized;

    /// <summary>The connection whose credentials are being resolved or fetched on this flow, if any.</summary>
    public static AwsConnection? CurrentConnection
    {
        get => s_currentConnection.Value;
        set => s_currentConnection.Value = value;
    }

    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref s_initialized, 1) == 1)
        {
            return;
        }

        var registry = GlobalRuntimeDependencyRegistry.Instance;
        registry.RegisterSecurityTokenServiceClient(context =>
        {
            var config = Configure(new AmazonSecurityTokenServiceConfig(), DefaultChainCredentials.StsServiceId, context.SecurityTokenServiceClientContextData?.Region);

            // Only the SDK's web identity provider reaches this factory (assume-role is run by the toolkit's own
            // provider, with the source credentials), and AssumeRoleWithWebIdentity is an unsigned call.
            return new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
        });
        registry.RegisterSSOClient(context
            => new AmazonSSOClient(new AnonymousAWSCredentials(), Configure(new AmazonSSOConfig(), SsoServiceId, context.SSOClientContextData?.Region)));
        registry.RegisterSSOOIDCClient(context
            => new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), Configure(new AmazonSSOOIDCConfig(), SsoOidcServiceId, context.SSOOIDCClientContextData?.Region)));
    }

    /// <summary>The custom endpoint the current connection configures for a service, or null.</summary>
    internal static ConfiguredEndpoint? ConfiguredEndpointOf(AwsConnection connection, string serviceId)
        => connection.ConfiguredEndpoints.Find(serviceId, explicitUrl: null);

    private static T Configure<T>(T config, string serviceId, Amazon.RegionEndpoint? region)
        where T : ClientConfig
    {
        var connection = CurrentConnection;
        config.DisableLogging = true;
        config.RetryMode = RequestRetryMode.Standard;

        // A reset connection is an attempt like any other (AWSSDK.Core would add ten immediate retries per call).
        config.MaxStaleConnectionRetries = 0;
        config.MaxErrorRetry = (connection?.MaxAttempts ?? AwsConnection.DefaultMaxAttempts) - 1;
        config.HttpClientFactory = connection?.HttpClientFactory ?? AwsHttpClientFactory.Default;
        if (region is not null)
        {
            config.RegionEndpoint = region;
        }

        if (connection is not null)
        {
            // The toolkit resolves configured endpoints itself; AWSSDK.Core's lookup would read other settings.
            config.IgnoreConfiguredEndpointUrls = true;
            if (ConfiguredEndpointOf(connection, serviceId) is { } endpoint)
            {
                AwsClientSetup.CheckEndpointUrl(endpoint.Url, endpoint.Source);
                config.ServiceURL = endpoint.Url;
            }
        }

        return config;
    }
}
