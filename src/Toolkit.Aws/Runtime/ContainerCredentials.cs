using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// ECS and EKS (Pod Identity) container credentials: a GET to <c>AWS_CONTAINER_CREDENTIALS_RELATIVE_URI</c> (under
/// <c>http://169.254.170.2</c>) or <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>, with <c>AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE</c>
/// or <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c> as the <c>Authorization</c> header, answered with
/// <c>{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}</c>.
/// </summary>
/// <remarks>
/// It replaces AWSSDK.Core's <see cref="GenericContainerCredentials"/>, which always makes five attempts whatever the
/// configured attempts are. Here a fetch makes at most the connection's attempts, retrying only failures that may pass
/// (no connection, a reset, a timeout, 429 and 5xx answers) with the standard mode's backoff, and a failure is a coded
/// error that names the endpoint. Plain <c>http://</c> is allowed, as the SDKs allow it, only to the ECS and EKS agent
/// addresses and loopback.
/// </remarks>
internal sealed class ContainerCredentials : RefreshingAWSCredentials
{
    internal const string RelativeUriVariable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    internal const string FullUriVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    internal const string TokenVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    internal const string TokenFileVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

    private static readonly string[] s_plainHttpHosts = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"];
    private static readonly TimeSpan s_attemptTimeout = TimeSpan.FromSeconds(5);

    private readonly AwsConnection _connection;
    private readonly IEnvironmentVariables _environment;

    public ContainerCredentials(AwsConnection connection)
    {
        _connection = connection;
        _environment = connection.Environment;
        (Endpoint, EndpointSource) = FindEndpoint(_environment);

        // As the SDKs do: refresh a quarter hour before the credentials expire.
        PreemptExpiryTime = TimeSpan.FromMinutes(15);
    }

    /// <summary>The credentials endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>The variable that named it.</summary>
    public string EndpointSource { get; }

    /// <summary>"container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI http://...)" for messages (no query, no token).</summary>
    public string Description => $"container credentials ({EndpointSource} {Endpoint.GetLeftPart(UriPartial.Path)})";

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        using var http = _connection.HttpClientFactory is AwsHttpClientFactory factory
            ? factory.CreateCredentialsEndpointClient(s_attemptTimeout)
            : new HttpClient { Timeout = s_attemptTimeout };
        var attempts = _connection.MaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, Endpoint);
                request.Headers.Accept.ParseAdd("application/json");
                if (ReadAuthorizationToken() is { } token)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", token);
                }

                using var response = await http.SendAsync(request).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    return Parse(body);
                }

                var status = (int)response.StatusCode;
                failure = $"HTTP {status}";
                if (status != 429 && status < 500)
                {
                    throw new ToolkitException(
                        ErrorCodes.AwsCredentialsFailed,
                        $"AWS credentials from {Description} could not be obtained: the endpoint refused the request with HTTP {status}. "
                        + $"Check the authorization token ({TokenFileVariable} or {TokenVariable}) and that the task or pod has a role.");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException or TimeoutException)
            {
                failure = Innermost(exception);
            }

            if (attempt >= attempts)
            {
                throw new ToolkitException(
                    ErrorCodes.AwsCredentialSourceUnavailable,
                    $"AWS credentials from {Description} could not be obtained: {failure} on all {attempts} attempts. "
                    + "Check that the container credentials agent is running and reachable; raise AWS_MAX_ATTEMPTS if it is only slow to start.");
            }

            await Task.Delay(RetryBackoff.Delay(attempt), _connection.Options.TimeProvider).ConfigureAwait(false);
        }
    }

    private CredentialsRefreshState Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var accessKey = root.GetProperty("AccessKeyId").GetString();
            var secretKey = root.GetProperty("SecretAccessKey").GetString();
            var token = root.TryGetProperty("Token", out var tokenElement) ? tokenElement.GetString() : null;
            var expiration = root.TryGetProperty("Expiration", out var expirationElement) && expirationElement.GetString() is { } text
                ? DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
                : DateTime.UtcNow.AddHours(1);
            if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            {
                throw new JsonException("AccessKeyId or SecretAccessKey is empty.");
            }

            return new CredentialsRefreshState(new ImmutableCredentials(accessKey, secretKey, token), expiration);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // The body holds secrets when it is almost right: never quote it.
            throw new ToolkitException(
                ErrorCodes.AwsCredentialsFailed,
                $"AWS credentials from {Description} could not be obtained: the answer is not the credentials JSON ({exception.GetType().Name}).");
        }
    }

    private string? ReadAuthorizationToken()
    {
        string? token = null;
        if (NonEmpty(_environment.Get(TokenFileVariable)) is { } file)
        {
            try
            {
                token = File.ReadAllText(file).Trim();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new ToolkitException(ErrorCodes.AwsCredentialsFailed, $"AWS credentials from {Description} could not be obtained: {TokenFileVariable} ({file}) cannot be read ({exception.GetType().Name}).");
            }
        }
        else if (NonEmpty(_environment.Get(TokenVariable)) is { } value)
        {
            token = value;
        }

        if (token is not null && (token.Contains('\r', StringComparison.Ordinal) || token.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ToolkitException(ErrorCodes.AwsCredentialsFailed, $"AWS credentials from {Description} could not be obtained: the authorization token contains a line break.");
        }

        return token;
    }

    private static (Uri Endpoint, string Source) FindEndpoint(IEnvironmentVariables environment)
    {
        if (NonEmpty(environment.Get(RelativeUriVariable)) is { } relative)
        {
            return (new Uri(new Uri("http://169.254.170.2"), relative), RelativeUriVariable);
        }

        if (NonEmpty(environment.Get(FullUriVariable)) is { } full)
        {
            if (!Uri.TryCreate(full, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new ToolkitException(ErrorCodes.AwsCredentialsFailed, $"{FullUriVariable} is not an absolute http(s) URL.");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !AwsHttpClientFactory.IsLoopback(uri) && !s_plainHttpHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
            {
                throw new ToolkitException(
                    ErrorCodes.AwsCredentialsFailed,
                    $"{FullUriVariable} names plain HTTP to {uri.Host}: only the ECS and EKS agent addresses (169.254.170.2, 169.254.170.23, fd00:ec2::23) and loopback may be reached without TLS.");
            }

            return (uri, FullUriVariable);
        }

        throw new ToolkitException(ErrorCodes.AwsCredentialsNotFound, $"Container credentials need {RelativeUriVariable} or {FullUriVariable}.");
    }

    private static string Innermost(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return exception is TaskCanceledException ? $"no answer within {s_attemptTimeout.TotalSeconds:0} s" : $"{innermost.GetType().Name}: {innermost.Message}";
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The standard retry mode's backoff for transient failures: full jitter over 50 ms × 2^(attempt − 1), at most 20 s.</summary>
internal static class RetryBackoff
{
    private static readonly TimeSpan s_base = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_maximum = TimeSpan.FromSeconds(20);

    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1 for the first).</summary>
    public static TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(s_base.TotalMilliseconds * Math.Pow(2, attempt - 1), s_maximum.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
