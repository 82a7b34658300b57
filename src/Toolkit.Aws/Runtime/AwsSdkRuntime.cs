using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Amazon.SSO;
using Amazon.SSOOIDC;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// Process-wide set-up of AWSSDK.Core. Credential providers that need another service (STS for assume-role and web
/// identity, SSO and SSO OIDC for IAM Identity Center) find its client by reflection over the loaded assemblies,
/// which a Native AOT build trims away; registering factories in <see cref="GlobalRuntimeDependencyRegistry"/> is
/// the SDK's way to give them the clients without reflection. The clients they make use the toolkit's HTTP stack.
/// </summary>
internal static class AwsSdkRuntime
{
    private static int s_initialized;

    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref s_initialized, 1) == 1)
        {
            return;
        }

        var registry = GlobalRuntimeDependencyRegistry.Instance;
        registry.RegisterSecurityTokenServiceClient(context =>
        {
            var data = context.SecurityTokenServiceClientContextData;
            var config = new AmazonSecurityTokenServiceConfig { HttpClientFactory = AwsHttpClientFactory.Default, DisableLogging = true };
            if (data?.Region is { } region)
            {
                config.RegionEndpoint = region;
            }

            // Only the SDK's web identity provider reaches this factory (assume-role is run by the toolkit's own
            // provider, with the source credentials), and AssumeRoleWithWebIdentity is an unsigned call.
            return new AmazonSecurityTokenServiceClient(new Amazon.Runtime.AnonymousAWSCredentials(), config);
        });
        registry.RegisterSSOClient(context =>
        {
            var config = new AmazonSSOConfig { HttpClientFactory = AwsHttpClientFactory.Default, DisableLogging = true };
            if (context.SSOClientContextData?.Region is { } region)
            {
                config.RegionEndpoint = region;
            }

            return new AmazonSSOClient(new Amazon.Runtime.AnonymousAWSCredentials(), config);
        });
        registry.RegisterSSOOIDCClient(context =>
        {
            var config = new AmazonSSOOIDCConfig { HttpClientFactory = AwsHttpClientFactory.Default, DisableLogging = true };
            if (context.SSOOIDCClientContextData?.Region is { } region)
            {
                config.RegionEndpoint = region;
            }

            return new AmazonSSOOIDCClient(new Amazon.Runtime.AnonymousAWSCredentials(), config);
        });
    }
}
