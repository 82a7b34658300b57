using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Amazon.Runtime.CredentialManagement;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>
/// Tests that change process-wide state AWSSDK.Core reads (environment variables, the shared file locations it
/// fixes at first use) run one at a time, after the parallel tests, and put everything back.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "AWS process environment";
}

/// <summary>Sets process environment variables (and AWSSDK.Core's shared file locations) for one test, then restores them.</summary>
public sealed class ProcessEnvironment : IDisposable
{
    private static readonly string[] s_awsVariables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    ];

    private readonly Dictionary<string, string?> _saved = [];
    private readonly string? _savedCredentialsFile;
    private readonly string? _savedConfigFile;

    public ProcessEnvironment(IReadOnlyDictionary<string, string?> variables, string? credentialsFile = null, string? configFile = null)
    {
        foreach (var name in s_awsVariables.Concat(variables.Keys).Distinct(StringComparer.Ordinal))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        // AWSSDK.Core reads AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE once per process, into these properties,
        // and reads profiles from the fixed config file only while AWS_CONFIG_FILE is set (else from the file named
        // config beside the credentials file): set both, as a user who points the SDK at other files does.
        _savedCredentialsFile = SharedCredentialsFile.DefaultFilePath;
        _savedConfigFile = SharedCredentialsFile.DefaultConfigFilePath;
        credentialsFile ??= "/nonexistent/toolkit-tests/credentials";
        configFile ??= "/nonexistent/toolkit-tests/config";
        SetSharedFiles(credentialsFile, configFile);
        if (!variables.ContainsKey("AWS_CONFIG_FILE"))
        {
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", credentialsFile);
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", configFile);
        }

        // AWSSDK.Core caches settings such as AWS_EC2_METADATA_SERVICE_ENDPOINT at first use, and keeps one instance
        // metadata provider per process with the credentials it fetched.
        Amazon.Runtime.Internal.FallbackInternalConfigurationFactory.Reset();
        ForgetInstanceMetadataCredentials();
    }

    /// <summary>Sets one more variable after construction (restored like the others) and re-reads AWSSDK.Core's cached settings.</summary>
    public void Set(string name, string? value)
    {
        if (!_saved.ContainsKey(name))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable(name, value);
        Amazon.Runtime.Internal.FallbackInternalConfigurationFactory.Reset();
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        SetSharedFiles(_savedCredentialsFile, _savedConfigFile);
        Amazon.Runtime.Internal.FallbackInternalConfigurationFactory.Reset();
        ForgetInstanceMetadataCredentials();
    }

    /// <summary>Disposes AWSSDK.Core's process-wide instance metadata provider (its timer, its credentials), so the next use starts afresh.</summary>
    private static void ForgetInstanceMetadataCredentials()
    {
        var type = typeof(Amazon.Runtime.AWSCredentials).Assembly.GetType("Amazon.Runtime.DefaultInstanceProfileAWSCredentials", throwOnError: true)!;
        var instance = type.GetField("_instance", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null);
        (instance as IDisposable)?.Dispose();
    }

    private static void SetSharedFiles(string? credentials, string? config)
    {
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultFilePath), BindingFlags.Public | BindingFlags.Static)!.SetValue(null, credentials);
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultConfigFilePath), BindingFlags.Public | BindingFlags.Static)!.SetValue(null, config);
    }
}

/// <summary>A request a credentials stand-in received (method, path, headers, form or body, query).</summary>
public sealed record StandInRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, string Query = "")
{
    public IReadOnlyDictionary<string, string> QueryParameters => Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Form => Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : string.Empty, StringComparer.Ordinal);
}

/// <summary>
/// Loopback stand-ins for the services credential providers call: STS (query protocol AssumeRole and
/// AssumeRoleWithWebIdentity, answered in STS's XML shape), the ECS/EKS container credentials endpoint, EC2
/// instance metadata (IMDSv2: token PUT, then role name and credentials GETs) and the IAM Identity Center portal
/// (SSO GetRoleCredentials: <c>GET /federation/credentials</c> with the cached access token, answered for
/// <see cref="SsoAccessToken"/> only). Each hands out the given key pair.
/// </summary>
public sealed class CredentialsStandIn : LoopbackHttpServer
{
    private readonly ConcurrentQueue<StandInRequest> _requests = new();

    public CredentialsStandIn(string accessKey, string secretKey, string sessionToken)
    {
        AccessKey = accessKey;
        SecretKey = secretKey;
        SessionToken = sessionToken;
        Start();
    }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public string SessionToken { get; }

    public string Url => $"http://{HostPort}";

    public IReadOnlyList<StandInRequest> Requests => [.. _requests];

    public const string ImdsToken = "imds-session-token-for-tests";
    public const string ContainerToken = "container-authorization-token";
    public const string RoleName = "toolkit-instance-role";
    public const string SsoAccessToken = "sso-access-token-from-the-cache";

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
        var request = new StandInRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body, context.Request.Url.Query);
        _requests.Enqueue(request);
        var expiration = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var (status, contentType, answer) = request switch
        {
            { Method: "POST", Path: "/" } when request.Form.TryGetValue("Action", out var action) => (200, "text/xml", StsAnswer(action, expiration)),
            { Method: "PUT", Path: "/latest/api/token" } => (200, "text/plain", ImdsToken),
            { Method: "GET", Path: "/latest/meta-data/iam/security-credentials" or "/latest/meta-data/iam/security-credentials/" } when ImdsAuthorized(headers) => (200, "text/plain", RoleName),
            { Method: "GET", Path: "/latest/meta-data/iam/security-credentials/" + RoleName } when ImdsAuthorized(headers) => (200, "application/json", CredentialsJson(expiration, imds: true)),
            { Method: "GET", Path: "/latest/meta-data/iam/info" } when ImdsAuthorized(headers) => (200, "application/json", """{"Code":"Success","InstanceProfileArn":"arn:aws:iam::123456789012:instance-profile/p","InstanceProfileId":"AIPAEXAMPLE"}"""),
            { Method: "GET", Path: "/federation/credentials" } when headers.GetValueOrDefault("x-amz-sso_bearer_token") == SsoAccessToken
                => (200, "application/json", SsoCredentialsJson()),
            { Method: "GET", Path: "/federation/credentials" } => (401, "application/json", """{"message":"Session token not found or invalid"}"""),
            { Method: "GET", Path: "/container/credentials" } when headers.GetValueOrDefault("Authorization") == ContainerToken => (200, "application/json", CredentialsJson(expiration, imds: false)),
            _ => (403, "text/plain", "refused"),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private string SsoCredentialsJson()
    {
        var expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        return $$$"""{"roleCredentials":{"accessKeyId":"{{{AccessKey}}}","secretAccessKey":"{{{SecretKey}}}","sessionToken":"{{{SessionToken}}}","expiration":{{{expiration}}}}}""";
    }

    private static bool ImdsAuthorized(IReadOnlyDictionary<string, string> headers) => headers.GetValueOrDefault("X-aws-ec2-metadata-token") == ImdsToken;

    private string CredentialsJson(string expiration, bool imds) => imds
        ? $$"""{"Code":"Success","LastUpdated":"2026-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"{{AccessKey}}","SecretAccessKey":"{{SecretKey}}","Token":"{{SessionToken}}","Expiration":"{{expiration}}"}"""
        : $$"""{"AccessKeyId":"{{AccessKey}}","SecretAccessKey":"{{SecretKey}}","Token":"{{SessionToken}}","Expiration":"{{expiration}}"}""";

    private string StsAnswer(string action, string expiration)
    {
        var extra = action == "AssumeRoleWithWebIdentity"
            ? "<SubjectFromWebIdentityToken>repo:example/app:ref:refs/heads/main</SubjectFromWebIdentityToken><Provider>token.actions.githubusercontent.com</Provider><Audience>sts.amazonaws.com</Audience>"
            : string.Empty;
        return $"""
            <{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <{action}Result>
                {extra}
                <Credentials>
                  <AccessKeyId>{AccessKey}</AccessKeyId>
                  <SecretAccessKey>{SecretKey}</SecretAccessKey>
                  <SessionToken>{SessionToken}</SessionToken>
                  <Expiration>{expiration}</Expiration>
                </Credentials>
                <AssumedRoleUser>
                  <Arn>arn:aws:sts::123456789012:assumed-role/deploy/session</Arn>
                  <AssumedRoleId>AROAEXAMPLE:session</AssumedRoleId>
                </AssumedRoleUser>
              </{action}Result>
              <ResponseMetadata><RequestId>sts-request-1</RequestId></ResponseMetadata>
            </{action}Response>
            """;
    }
}
