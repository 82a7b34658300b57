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
        var source = await ResolveAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return await source.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AmazonClientException or AmazonServiceException or InvalidOperationException or IOException or HttpRequestException)
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
                + "(GitHub OIDC), or run where container (ECS/EKS) or instance (EC2) credentials are available.",
                exception);
        }
    }

    /// <summary>Replaces the SDK's role-assuming providers with ones that use the toolkit's HTTP stack and region.</summary>
    internal static AWSCredentials Adapt(AWSCredentials credentials, AwsConnection connection) => credentials switch
    {
        AssumeRoleAWSCredentials assumeRole => new StsAssumeRoleCredentials(assumeRole, Adapt(assumeRole.SourceCredentials, connection), connection),
        AssumeRoleWithWebIdentityCredentials webIdentity and not StsWebIdentityCredentials
            => new StsWebIdentityCredentials(webIdentity.WebIdentityTokenFile, webIdentity.RoleArn, webIdentity.RoleSessionName, connection),
        _ => credentials,
    };

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
        };
        return new AmazonSecurityTokenServiceClient(credentials, config);
    }

    internal static string Describe(AWSCredentials credentials) => credentials switch
    {
        StsAssumeRoleCredentials => "assume-role (STS AssumeRole)",
        StsWebIdentityCredentials => "web identity (STS AssumeRoleWithWebIdentity)",
        EnvironmentVariablesAWSCredentials => "environment variables",
        SSOAWSCredentials => "IAM Identity Center (SSO)",
        GenericContainerCredentials => "container credentials (ECS/EKS)",
        InstanceProfileAWSCredentials => "EC2 instance metadata (IMDS)",
        ProcessAWSCredentials => "credential_process",
        BasicAWSCredentials or SessionAWSCredentials => "shared credentials file",
        _ => credentials.GetType().Name,
    };

    private static ToolkitException CredentialsFailed(AWSCredentials source, Exception exception)
    {
        var hint = source switch
        {
            SSOAWSCredentials => " The SSO session may have expired: run 'aws sso login' (with --profile) and try again.",
            StsWebIdentityCredentials => " Check that the web identity token file is readable and current and that the role trusts the identity provider (GitHub OIDC: 'permissions: id-token: write').",
            StsAssumeRoleCredentials => " Check the role ARN and that the source credentials may assume it.",
            _ => string.Empty,
        };

        // The SDK's messages name files, roles and services, never secrets; the exception type says which step failed.
        return new ToolkitException(
            ErrorCodes.AwsCredentialsFailed,
            $"AWS credentials from {Describe(source)} could not be obtained: {exception.GetType().Name}: {exception.Message}{hint}",
            exception);
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

    public StsWebIdentityCredentials(string tokenFile, string roleArn, string roleSessionName, AwsConnection connection)
        : base(tokenFile, roleArn, roleSessionName)
    {
        _connection = connection;
    }

    protected override ICoreAmazonSTS CreateClient() => DefaultChainCredentials.CreateStsClient(_connection, new AnonymousAWSCredentials());
}
