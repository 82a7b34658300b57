using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Toolkit.Aws.Endpoints;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// The AWSSDK.Core client configuration of a toolkit client: region, FIPS/dual-stack, the custom endpoint the
/// toolkit resolved (<see cref="ConfiguredEndpoints"/>; AWSSDK.Core's own lookup is off), standard retries, the
/// toolkit's HTTP stack and the rule-set endpoint provider.
/// </summary>
internal sealed class AwsClientConfig : ClientConfig
{
    private static readonly IDefaultConfiguration s_standard = new DefaultConfiguration
    {
        Name = DefaultConfigurationMode.Standard,
        RetryMode = RequestRetryMode.Standard,
        S3UsEast1RegionalEndpoint = S3UsEast1RegionalEndpointValue.Regional,
        ConnectTimeout = TimeSpan.FromMilliseconds(3100),
        TlsNegotiationTimeout = TimeSpan.FromMilliseconds(3100),
        TimeToFirstByteTimeout = null,
        HttpRequestTimeout = null,
    };

    private readonly AwsServiceDefinition _service;
    private readonly string _userAgent;

    public AwsClientConfig(AwsServiceDefinition service, AwsConnection connection, ConfiguredEndpoint? endpoint)
        : base(new DefaultConfigurationProvider([s_standard]))
    {
        _service = service;
        Connection = connection;
        // The SDK's own user agent (AWSSDK.Core's version: no service package is involved); every request adds
        // dotnet-toolkit/<version> (ToolkitVersion.UserAgentComponent).
        _userAgent = Amazon.Util.Internal.InternalSDKUtils.BuildUserAgentString(service.ServiceId, CoreVersion);
        ServiceId = service.ServiceId;
        AuthenticationServiceName = service.SigningName;
        EndpointProvider = new RuleSetEndpointProvider(service.EndpointRules);
        RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(connection.Region);

        // The connection's region signs, whatever endpoint is used (a custom or VPC endpoint names no region AWSSDK.Core can parse).
        AuthenticationRegion = connection.Region;
        UseFIPSEndpoint = connection.UseFips;
        UseDualstackEndpoint = connection.UseDualStack;
        RetryMode = RequestRetryMode.Standard;
        MaxErrorRetry = connection.MaxAttempts - 1;

        // Connection resets count as attempts (with backoff), not as extra immediate retries (see AwsRetryPolicy).
        MaxStaleConnectionRetries = 0;
        HttpClientFactory = connection.HttpClientFactory;
        DisableLogging = true;
        LogResponse = false;
        LogMetrics = false;
        AllowAutoRedirect = false;
        Profile = new Amazon.Profile(connection.ProfileName);

        // ConfiguredEndpoints found the custom endpoint, if any; AWSSDK.Core must not look for one of its own.
        IgnoreConfiguredEndpointUrls = true;
        if (endpoint is not null)
        {
            // ServiceURL and RegionEndpoint exclude each other in AWSSDK.Core; AuthenticationRegion keeps the region signing.
            ServiceURL = endpoint.Url;
            EndpointSource = endpoint.Source;
        }
    }

    public AwsConnection Connection { get; }

    /// <summary>Where the custom endpoint came from (an option, a variable, the config file), or null without one.</summary>
    public string? EndpointSource { get; }

    private static string CoreVersion { get; } = typeof(ClientConfig).Assembly.GetName().Version?.ToString(3) ?? "4";

    public AwsServiceDefinition Service => _service;

    /// <summary>The region the connection resolved (kept here too because a ServiceURL clears RegionEndpoint).</summary>
    public string Region => Connection.Region;

    public override string RegionEndpointServiceName => _service.SigningName;

    public override string ServiceVersion => _service.ApiVersion;

    public override string UserAgent => _userAgent;

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var context = new Amazon.Runtime.Internal.ExecutionContext(
            new RequestContext(false)
            {
                ClientConfig = this,
                OriginalRequest = parameters.Request,
                Request = new DefaultRequest(parameters.Request, _service.ServiceId) { AlternateEndpoint = parameters.AlternateEndpoint },
            },
            null);
        return new AwsServiceEndpointResolver().GetEndpoint(context);
    }
}

/// <summary>The toolkit's version, as it names itself in user agents.</summary>
internal static class ToolkitVersion
{
    public static string Value { get; } = typeof(ToolkitVersion).Assembly.GetName().Version is { } version
        ? $"{version.Major}.{version.Minor}.{version.Build}"
        : "0.0.0";

    /// <summary>The user agent component every AWS request carries.</summary>
    public static string UserAgentComponent { get; } = $"dotnet-toolkit/{Value}";
}

/// <summary>An AWSSDK.Core endpoint provider that evaluates an official endpoint rule set.</summary>
internal sealed class RuleSetEndpointProvider(EndpointRuleSet rules) : IEndpointProvider
{
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var values = rules.ParameterNames.ToDictionary(name => name, name => (object?)parameters[name], StringComparer.Ordinal);
        return rules.Resolve(values).ToSdkEndpoint();
    }
}

/// <summary>Maps a client's configuration onto the endpoint rule set's parameters (the SDKs' built-ins).</summary>
internal sealed class AwsServiceEndpointResolver : BaseEndpointResolver
{
    protected override EndpointParameters MapEndpointsParameters(IRequestContext requestContext)
    {
        var config = (AwsClientConfig)requestContext.ClientConfig;
        var parameters = new EndpointParameters();
        parameters["Region"] = requestContext.Request?.AlternateEndpoint?.SystemName ?? config.Region;
        parameters["UseFIPS"] = config.UseFIPSEndpoint;
        parameters["UseDualStack"] = config.UseDualstackEndpoint;
        parameters["Endpoint"] = config.ServiceURL;
        return parameters;
    }
}

/// <summary>Every toolkit client signs with SigV4 and the connection's credentials.</summary>
internal sealed class AwsSigV4AuthHandler : BaseAuthResolverHandler
{
    protected override List<Amazon.Runtime.Internal.Auth.IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext)
        => Amazon.Runtime.Credentials.Internal.AuthSchemeOption.DEFAULT_SIGV4;
}
