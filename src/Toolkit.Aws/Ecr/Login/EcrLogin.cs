using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Aws.Runtime;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Ecr.Login;

/// <summary>What <c>ecr login</c> asks for.</summary>
public sealed record EcrLoginRequest
{
    /// <summary>The ECR registry host (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>); null for the caller's default registry in the region.</summary>
    public string? Registry { get; init; }

    /// <summary>Write the credential to the docker config (<c>DOCKER_CONFIG</c>, else <c>~/.docker/config.json</c>). Off by default.</summary>
    public bool WriteDockerConfig { get; init; }
}

/// <summary>What <c>ecr login</c> got. It holds no secret: the password only goes to the docker config, and only when asked.</summary>
public sealed record EcrLoginResult
{
    /// <summary>The registry host the credential is for, e.g. <c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c>.</summary>
    public required string Registry { get; init; }

    /// <summary>The registry user name: always <c>AWS</c> for ECR.</summary>
    public required string Username { get; init; }

    /// <summary>When the registry stops accepting the credential (12 hours after it was issued).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The docker config file written, or null when none was.</summary>
    public string? DockerConfigPath { get; init; }

    /// <summary>Warnings with their code in front (a credential helper that takes precedence over the entry written).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Logs in to an ECR registry: GetAuthorizationToken, then, only when asked, an <c>auths</c> entry in the docker config
/// (other entries kept, mode 0600). The password is never logged, returned or put in a message.
/// </summary>
public sealed class EcrLogin
{
    private static readonly EventId s_shadowed = new(3080, ErrorCodes.DockerConfigEntryShadowed.Code);

    private readonly IEcrClient _client;
    private readonly IEnvironmentVariables _environment;
    private readonly ILogger _logger;

    public EcrLogin(IEcrClient client, IEnvironmentVariables environment, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(environment);
        _client = client;
        _environment = environment;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EcrLogin>();
    }

    /// <summary>
    /// The connection to use for <paramref name="registry"/>: ECR credentials are regional, so a registry host sets the
    /// region (one given in <paramref name="options"/> that differs is <see cref="ErrorCodes.EcrRegionMismatch"/>),
    /// and a FIPS or dual-stack host makes the API calls use such endpoints too unless the options say otherwise.
    /// A registry that is not an ECR host is <see cref="ErrorCodes.NotAnEcrRegistry"/>.
    /// </summary>
    public static AwsConnectionOptions ConnectionFor(AwsConnectionOptions options, string? registry)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(registry))
        {
            return options;
        }

        var (_, custom) = ConfiguredEcrEndpoint(options);
        return ConnectionFor(options, ParseHost(registry), regionMustMatch: true, custom, ignoreConfiguredEndpoints: false);
    }

    /// <summary>
    /// The configured region (null when none is) and the custom ECR endpoint (null when none is configured): option,
    /// <c>AWS_ENDPOINT_URL_ECR</c>, <c>AWS_ENDPOINT_URL</c>, the config file.
    /// </summary>
    internal static (string? Region, ConfiguredEndpoint? Endpoint) ConfiguredEcrEndpoint(AwsConnectionOptions options)
    {
        try
        {
            var configured = AwsConnection.Resolve(options);
            return (configured.Region, configured.ConfiguredEndpoints.Find(AwsServices.Ecr.ServiceId, options.EndpointUrl));
        }
        catch (ToolkitException)
        {
            // Not resolvable yet (no region, an unknown profile): the client made for the host reports why. The custom
            // endpoint is still looked up as configured, and then serves whatever region the host names.
            try
            {
                var endpoints = ConfiguredEndpoints.Load(options.Environment, options.Profile ?? options.Environment.Get("AWS_PROFILE") ?? "default", AwsProfiles.ConfigFilePath);
                return (null, endpoints.Find(AwsServices.Ecr.ServiceId, options.EndpointUrl));
            }
            catch (ToolkitException)
            {
                return (null, string.IsNullOrWhiteSpace(options.EndpointUrl) ? null : new ConfiguredEndpoint(options.EndpointUrl, "the endpoint URL option"));
            }
        }
    }

    /// <summary>
    /// The connection for <paramref name="host"/>'s region and variant. With <paramref name="regionMustMatch"/>, a different
    /// region in <paramref name="options"/> is <see cref="ErrorCodes.EcrRegionMismatch"/>; without it the host's region
    /// wins (registry credentials for a base image in another region while the build's region names its own repository).
    /// A FIPS or dual-stack host turns those endpoint variants on unless the options say otherwise or a
    /// <paramref name="customEndpoint"/> applies (a custom endpoint, e.g. a FIPS VPC interface endpoint, already is one).
    /// With <paramref name="ignoreConfiguredEndpoints"/> the host's region gets its official endpoint whatever is configured.
    /// </summary>
    internal static AwsConnectionOptions ConnectionFor(AwsConnectionOptions options, EcrRegistryHost host, bool regionMustMatch, ConfiguredEndpoint? customEndpoint, bool ignoreConfiguredEndpoints)
    {
        if (regionMustMatch && options.Region is { Length: > 0 } region && !string.Equals(region, host.Region, StringComparison.Ordinal))
        {
            throw new ToolkitException(
                ErrorCodes.EcrRegionMismatch,
                $"The registry {host.Host} is in {host.Region}, but the region asked for is {region}. ECR registry credentials are regional: drop the region option, or name the registry of {region}.");
        }

        var variantsFromHost = customEndpoint is null;
        return new AwsConnectionOptions
        {
            Region = host.Region,
            Profile = options.Profile,
            EndpointUrl = ignoreConfiguredEndpoints ? null : options.EndpointUrl,
            UseFips = options.UseFips ?? (variantsFromHost && host.Fips ? true : null),
            UseDualStack = options.UseDualStack ?? (variantsFromHost && host.DualStack ? true : null),
            CaFile = options.CaFile,
            MaxAttempts = options.MaxAttempts,
            Credentials = options.Credentials,
            RequestLog = options.RequestLog,
            Environment = ignoreConfiguredEndpoints ? new IgnoringConfiguredEndpoints(options.Environment) : options.Environment,
            TimeProvider = options.TimeProvider,
            LoggerFactory = options.LoggerFactory,
        };
    }

    private sealed class IgnoringConfiguredEndpoints(IEnvironmentVariables inner) : IEnvironmentVariables
    {
        public string? Get(string name) => name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" ? "true" : inner.Get(name);
    }

    /// <summary>Gets a registry credential and writes it to the docker config when <see cref="EcrLoginRequest.WriteDockerConfig"/> asks.</summary>
    public async Task<EcrLoginResult> LoginAsync(EcrLoginRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = string.IsNullOrWhiteSpace(request.Registry) ? null : ParseHost(request.Registry);

        var token = await GetTokenAsync(_client, cancellationToken).ConfigureAwait(false);
        var registry = host?.Host ?? token.ProxyEndpoint?.Authority
            ?? throw new ToolkitException(ErrorCodes.EcrRegistryEndpointMissing, "GetAuthorizationToken named no registry (proxyEndpoint); give the registry host.");
        _logger.LogInformation("Got an ECR registry credential for {Registry} (user {User}), valid until {ExpiresAt:O}", registry, token.Username, token.ExpiresAt);

        if (!request.WriteDockerConfig)
        {
            return new EcrLoginResult { Registry = registry, Username = token.Username, ExpiresAt = token.ExpiresAt };
        }

        var path = new DockerConfigCredentialProvider(_environment, ProcessRunner.Instance).ConfigPath;
        var written = await DockerConfigAuthWriter.SetAuthAsync(path, registry, DockerConfigAuthWriter.Auth(token.Username, token.Password), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Wrote the credential for {Registry} to {Path}", registry, written.Path);
        var warnings = new List<string>();
        if (written.CredentialHelper is { } helper)
        {
            Warn(warnings, $"The docker config {written.Path} names the credential helper docker-credential-{helper} for {registry} (credHelpers); docker and the toolkit ask it before the entry just written. Remove it from credHelpers to use this login, or rely on the helper.");
        }
        else if (written.CredentialsStore is { } store)
        {
            Warn(warnings, $"The docker config {written.Path} has the credential store docker-credential-{store} (credsStore); docker itself reads credentials from the store instead of the entry just written (the toolkit reads the entry). Use 'docker login' with the password from 'aws ecr get-login-password' for docker, or remove credsStore.");
        }

        return new EcrLoginResult { Registry = registry, Username = token.Username, ExpiresAt = token.ExpiresAt, DockerConfigPath = written.Path, Warnings = warnings };
    }

    /// <summary>
    /// GetAuthorizationToken, decoded. The token is good for every registry the caller may use, so <c>registryIds</c>
    /// (deprecated) is not sent; <see cref="EcrAuthorizationToken.ProxyEndpoint"/> names the caller's own registry.
    /// </summary>
    internal static async Task<EcrAuthorizationToken> GetTokenAsync(IEcrClient client, CancellationToken cancellationToken)
    {
        var response = await client.GetAuthorizationTokenAsync(new GetAuthorizationTokenRequest(), cancellationToken).ConfigureAwait(false);
        var data = response.AuthorizationData?.FirstOrDefault(d => !string.IsNullOrEmpty(d.AuthorizationToken))
            ?? throw new ToolkitException(ErrorCodes.AwsInvalidResponse, "GetAuthorizationToken returned no authorization data; run again, and report it if it persists.");
        return EcrAuthorizationToken.FromAuthorizationData(data.AuthorizationToken!, data.ExpiresAt ?? DateTimeOffset.MinValue, data.ProxyEndpoint);
    }

    private void Warn(List<string> warnings, string message)
    {
        warnings.Add($"{ErrorCodes.DockerConfigEntryShadowed.Code}: {message}");
        _logger.LogWarning(s_shadowed, "{Warning}", message);
    }

    private static EcrRegistryHost ParseHost(string registry)
    {
        var name = registry.Trim();
        if (name.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            name = name["https://".Length..].TrimEnd('/');
        }

        return EcrRegistryHost.TryParse(name, out var host)
            ? host
            : throw new ToolkitException(
                ErrorCodes.NotAnEcrRegistry,
                $"'{registry}' is not an Amazon ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com, dkr.ecr-fips, dkr-ecr.<region>.on.aws or .amazonaws.com.cn). Give the registry host, or none for your account's registry.");
    }
}
