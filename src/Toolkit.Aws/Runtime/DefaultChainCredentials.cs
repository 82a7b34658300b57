using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.SharedInterfaces;
using Amazon.SecurityToken;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// The credentials of a connection, found on first use the way the AWS CLI finds them: with a named profile, that
/// profile (static keys, assume-role with <c>source_profile</c> or <c>credential_source</c>, web identity, SSO,
/// <c>credential_process</c>); otherwise AWSSDK.Core's default chain (environment, web identity from
/// <c>AWS_WEB_IDENTITY_TOKEN_FILE</c>/<c>AWS_ROLE_ARN</c>, the default profile, ECS/EKS container credentials, IMDSv2).
/// Role-assuming providers are run with the toolkit's HTTP stack and, for assume-role, the source credentials.
/// </summary>
internal sealed class DefaultChainCredentials : AWSCredentials, IDisposable
{
    private readonly AwsConnection _connection;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private AWSCredentials? _resolved;

    public DefaultChainCredentials(AwsConnection connection)
    {
        _connection = connection;
        _logger = connection.LoggerFactory.CreateLogger<AwsConnection>();
    }

    public void Dispose() => _lock.Dispose();

    public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        // The clients AWSSDK.Core's providers make (SSO, SSO OIDC) take this connection's settings (AwsSdkRuntime).
        AwsSdkRuntime.CurrentConnection = _connection;
        var source = await ResolveAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return await source.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AmazonClientException or AmazonServiceException or InvalidOperationException or IOException or HttpRequestException or ArgumentException or NotSupportedException)
        {
            throw CredentialsFailed(source, exception);
        }
    }

    /// <summary>The provider in use (resolving it if needed), e.g. for tests and diagnostics.</summary>
    internal async Task<AWSCredentials> ResolveAsync(CancellationToken cancellationToken)
    {
        if (_resolved is { } resolved)
        {
            return resolved;
        }

        AwsSdkRuntime.CurrentConnection = _connection;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _resolved ??= Adapt(await FindAsync(cancellationToken).ConfigureAwait(false), _connection);
            _logger.LogDebug("AWS credentials from {Provider} (profile {Profile}).", Describe(_resolved), _connection.ProfileName);
            return _resolved;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<AWSCredentials> FindAsync(CancellationToken cancellationToken)
    {
        if (_connection.IsProfileExplicit && _connection.Profile is { } profile)
        {
            if (AWSCredentialsFactory.TryGetAWSCredentials(profile, profile.CredentialProfileStore, out var fromProfile) && fromProfile is not null)
            {
                return fromProfile;
            }

            throw new ToolkitException(
                ErrorCodes.AwsCredentialsNotFound,
                $"The AWS profile '{profile.Name}' has no usable credentials ({profile.CredentialDescription ?? "no credential settings"}). "
                + "Give it aws_access_key_id/aws_secret_access_key, role_arn with source_profile or credential_source, web_identity_token_file, "
                + "an sso_session, or credential_process.");
        }

        using var chain = new DefaultAWSCredentialsIdentityResolver();
        try
        {
            return await chain.ResolveIdentityAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException exception)
        {
            throw new ToolkitException(
                ErrorCodes.AwsCredentialsNotFound,
                "No AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), use a profile "
                + "(--profile or AWS_PROFILE; 'aws configure' or 'aws sso login' creates one), set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN "
                + "(GitHub OIDC), or run where container (ECS/EKS) or instance (EC2) credentials are available."
                + SourcesSaid(exception.Message),
                exception);
        }
    }

    /// <summary>
    /// What each source of AWSSDK.Core's chain said ("Exception 4 of 4: Failed to retrieve credentials from EC2
    /// Instance Metadata Service."), which tells a user on EC2 or ECS why the expected source gave nothing.
    /// </summary>
    private static string SourcesSaid(string chainMessage)
    {
        var reasons = chainMessage.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.StartsWith("Exception ", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().TrimEnd('.'))
            .Where(reason => reason.Length > 0)
            .ToArray();
        return reasons.Length == 0 ? string.Empty : $" The sources said: {string.Join("; ", reasons)}.";
    }

    /// <summary>
    /// Replaces the SDK's providers that call a service (STS, the container endpoint) with ones that use the toolkit's
    /// HTTP stack, region, configured endpoints and attempts.
    /// </summary>
    internal static AWSCredentials Adapt(AWSCredentials credentials, AwsConnection connection) => credentials switch
    {
        AssumeRoleAWSCredentials assumeRole => new StsAssumeRoleCredentials(assumeRole, Adapt(assumeRole.SourceCredentials, connection), connection),
        AssumeRoleWithWebIdentityCredentials webIdentity and not StsWebIdentityCredentials
            => new StsWebIdentityCredentials(webIdentity.WebIdentityTokenFile, webIdentity.RoleArn, webIdentity.RoleSessionName, connection),
        GenericContainerCredentials => new ContainerCredentials(connection),
        _ => credentials,
    };

    /// <summary>STS's service id in its model, which names <c>AWS_ENDPOINT_URL_STS</c> and the <c>sts</c> key of a services section.</summary>
    internal const string StsServiceId = "STS";

    internal static AmazonSecurityTokenServiceClient CreateStsClient(AwsConnection connection, AWSCredentials credentials)
    {
        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(connection.Region),

            // Signs for the region even when AWS_ENDPOINT_URL_STS names a custom (e.g. VPC) endpoint.
            AuthenticationRegion = connection.Region,
            HttpClientFactory = connection.HttpClientFactory,
            DisableLogging = true,
            MaxErrorRetry = connection.MaxAttempts - 1,
            RetryMode = RequestRetryMode.Standard,

            // A reset connection is an attempt like any other (AWSSDK.Core would add ten immediate retries per call).
            MaxStaleConnectionRetries = 0,

            // The toolkit resolves configured endpoints (AWS_ENDPOINT_URL_STS, the profile's services section...) itself.
            IgnoreConfiguredEndpointUrls = true,
        };
        if (connection.ConfiguredEndpoints.Find(StsServiceId, explicitUrl: null) is { } endpoint)
        {
            AwsClientSetup.CheckEndpointUrl(endpoint.Url, endpoint.Source);
            config.ServiceURL = endpoint.Url;
        }

        return new AmazonSecurityTokenServiceClient(credentials, config);
    }

    /// <summary>The credential source for messages, with what identifies it (role, variables, endpoint), never a secret.</summary>
    internal static string Describe(AWSCredentials credentials) => credentials switch
    {
        StsAssumeRoleCredentials assumeRole => $"assume-role (role {assumeRole.RoleArn})",
        StsWebIdentityCredentials webIdentity => webIdentity.Description,
        ContainerCredentials container => container.Description,
        EnvironmentVariablesAWSCredentials => "environment variables",
        SSOAWSCredentials sso => $"IAM Identity Center (SSO) (start URL {sso.StartUrl}, account {sso.AccountId}, role {sso.RoleName})",
        GenericContainerCredentials => "container credentials (ECS/EKS)",
        InstanceProfileAWSCredentials => "EC2 instance metadata (IMDS)",
        _ when credentials.GetType().Name == "DefaultInstanceProfileAWSCredentials" => "EC2 instance metadata (IMDS)",
        ProcessAWSCredentials => "credential_process",
        BasicAWSCredentials or SessionAWSCredentials => "shared credentials file",
        _ => credentials.GetType().Name,
    };

    /// <summary>Where STS calls go, for messages: the configured endpoint and its source, else the regional endpoint.</summary>
    internal static string DescribeStsEndpoint(AwsConnection connection)
        => connection.ConfiguredEndpoints.Find(StsServiceId, explicitUrl: null) is { } endpoint
            ? $"STS at {endpoint.Url} (from {endpoint.Source})"
            : $"STS in {connection.Region}";

    /// <summary>Where IAM Identity Center calls go, for messages: the configured endpoint and its source, else the portal of the SSO region.</summary>
    internal static string DescribeSsoEndpoint(AwsConnection connection, string ssoRegion)
        => AwsSdkRuntime.ConfiguredEndpointOf(connection, AwsSdkRuntime.SsoServiceId) is { } endpoint
            ? $"the IAM Identity Center portal at {endpoint.Url} (from {endpoint.Source})"
            : $"the IAM Identity Center portal in {ssoRegion}";

    private ToolkitException CredentialsFailed(AWSCredentials source, Exception exception)
    {
        var description = Describe(source);
        if (source is SSOAWSCredentials && IsMissingSsoLogin(exception))
        {
            return new ToolkitException(
                ErrorCodes.AwsSsoLoginRequired,
                $"AWS credentials from {description} could not be obtained: {exception.Message.TrimEnd('.')}. "
                + $"Log in to IAM Identity Center with 'aws sso login --profile {_connection.ProfileName}', then run again.",
                exception);
        }

        if (IsUnavailable(exception))
        {
            var where = source switch
            {
                StsAssumeRoleCredentials or StsWebIdentityCredentials => DescribeStsEndpoint(_connection),
                SSOAWSCredentials sso => DescribeSsoEndpoint(_connection, sso.Region),
                _ => "the credential source",
            };
            return new ToolkitException(
                ErrorCodes.AwsCredentialSourceUnavailable,
                $"AWS credentials from {description} could not be obtained: {where} failed on all {_connection.MaxAttempts} attempts ({Innermost(exception)}). "
                + "Check the network, the proxy and any configured STS endpoint (AWS_ENDPOINT_URL_STS, a VPC endpoint), then try again.",
                exception);
        }

        var hint = source switch
        {
            SSOAWSCredentials => $" The IAM Identity Center session may have expired: run 'aws sso login --profile {_connection.ProfileName}' and try again.",
            StsWebIdentityCredentials => " Check that the web identity token file is readable and current and that the role trusts the identity provider (GitHub OIDC: 'permissions: id-token: write').",
            StsAssumeRoleCredentials => " Check the role ARN and that the source credentials may assume it.",
            _ => string.Empty,
        };

        // The SDK's messages name files, roles and services, never secrets; the exception type says which step failed.
        return new ToolkitException(
            ErrorCodes.AwsCredentialsFailed,
            $"AWS credentials from {description} could not be obtained: {Innermost(exception)}.{hint}",
            exception);
    }

    /// <summary>
    /// True when AWSSDK.Core's SSO token manager found no cached token for the profile's session (or start URL), or
    /// one that expired and cannot be refreshed: both are cured by <c>aws sso login</c>. Its messages are the only
    /// sign (plain <see cref="AmazonClientException"/>s); the SSO tests pin them.
    /// </summary>
    private static bool IsMissingSsoLogin(Exception exception)
        => exception is AmazonClientException
           && (exception.Message.StartsWith("No valid SSO Token", StringComparison.Ordinal)
               || exception.Message.StartsWith("SSO Token has expired", StringComparison.Ordinal));

    /// <summary>True when the source could not be reached, cut the connection, timed out, or answered 5xx or throttling.</summary>
    private static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or TaskCanceledException:
                    return true;
                case AmazonServiceException service when (int)service.StatusCode >= 500 || (int)service.StatusCode == 429
                                                         || service.ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded" or "TooManyRequestsException":
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The most telling part of a failure: the service's answer when there was one ("HTTP 403 AccessDenied: ..."),
    /// else the innermost exception ("SocketException: Connection reset by peer").
    /// </summary>
    private static string Innermost(Exception exception)
    {
        var innermost = exception;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AmazonServiceException { StatusCode: > 0 } service && !string.IsNullOrEmpty(service.ErrorCode))
            {
                return $"HTTP {(int)service.StatusCode} {service.ErrorCode}: {service.Message.TrimEnd('.')}";
            }

            innermost = current;
        }

        return $"{innermost.GetType().Name}: {innermost.Message.TrimEnd('.')}";
    }
}

/// <summary>STS AssumeRole with the source credentials, for profiles with <c>role_arn</c>.</summary>
internal sealed class StsAssumeRoleCredentials : RefreshingAWSCredentials
{
    private readonly AssumeRoleAWSCredentials _definition;
    private readonly AWSCredentials _source;
    private readonly AwsConnection _connection;

    public StsAssumeRoleCredentials(AssumeRoleAWSCredentials definition, AWSCredentials source, AwsConnection connection)
    {
        _definition = definition;
        _source = source;
        _connection = connection;
        PreemptExpiryTime = definition.PreemptExpiryTime;
    }

    public string RoleArn => _definition.RoleArn;

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        using var sts = DefaultChainCredentials.CreateStsClient(_connection, _source);
        var credentials = await ((ICoreAmazonSTS)sts)
            .CredentialsFromAssumeRoleAuthenticationAsync(_definition.RoleArn, _definition.RoleSessionName, _definition.Options)
            .ConfigureAwait(false);
        return new CredentialsRefreshState(credentials, credentials.Expiration);
    }
}

/// <summary>STS AssumeRoleWithWebIdentity (GitHub OIDC, EKS IRSA) with the toolkit's HTTP stack and region.</summary>
internal sealed class StsWebIdentityCredentials : AssumeRoleWithWebIdentityCredentials
{
    private readonly AwsConnection _connection;
    private AmazonSecurityTokenServiceClient? _client;

    public StsWebIdentityCredentials(string tokenFile, string roleArn, string roleSessionName, AwsConnection connection)
        : base(tokenFile, roleArn, roleSessionName)
    {
        _connection = connection;
        var environment = connection.Environment;
        Description = environment.Get(AssumeRoleWithWebIdentityCredentials.RoleArnEnvVariable) == roleArn
                      && environment.Get(AssumeRoleWithWebIdentityCredentials.WebIdentityTokenFileEnvVariable) == tokenFile
            ? $"web identity ({AssumeRoleWithWebIdentityCredentials.RoleArnEnvVariable} {roleArn}, {AssumeRoleWithWebIdentityCredentials.WebIdentityTokenFileEnvVariable} {tokenFile})"
            : $"web identity (role_arn {roleArn}, web_identity_token_file {tokenFile} of profile '{connection.ProfileName}')";
    }

    /// <summary>"web identity (AWS_ROLE_ARN arn:..., AWS_WEB_IDENTITY_TOKEN_FILE /path)" or the profile's settings, for messages.</summary>
    public string Description { get; }

    // One STS client for every refresh (AWSSDK.Core's provider would make, and never dispose, one per refresh).
    protected override ICoreAmazonSTS CreateClient() => _client ??= DefaultChainCredentials.CreateStsClient(_connection, new AnonymousAWSCredentials());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client?.Dispose();
        }

        base.Dispose(disposing);
    }
}
