using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Runtime;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Aws;

/// <summary>
/// <see cref="AwsConnectionOptions"/> resolved once: region, profile, FIPS/dual-stack, attempts, credentials, the HTTP
/// stack and the request log. Clients of every AWS service of a run are made from one connection.
/// </summary>
/// <remarks>
/// Settings the toolkit resolves itself read the injected <see cref="IEnvironmentVariables"/>. AWSSDK.Core reads
/// some settings from the process environment on its own, and those follow the process: the credentials chain
/// (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_WEB_IDENTITY_TOKEN_FILE</c>, container and IMDS variables) and the shared file
/// locations (<c>AWS_SHARED_CREDENTIALS_FILE</c>, <c>AWS_CONFIG_FILE</c>, see <see cref="AwsProfiles"/>). Configured
/// endpoint URLs are the toolkit's (see <see cref="ConfiguredEndpoints"/>).
/// </remarks>
public sealed class AwsConnection
{
    internal const int DefaultMaxAttempts = 3;
    internal const int MaxAllowedAttempts = 20;

    private AwsConnection(AwsConnectionOptions options, string region, string regionSource, string profileName, bool profileExplicit, CredentialProfile? profile, ConfiguredEndpoints endpoints, bool useFips, bool useDualStack, int maxAttempts, AwsHttpClientFactory httpClientFactory)
    {
        Options = options;
        Region = region;
        RegionSource = regionSource;
        ProfileName = profileName;
        IsProfileExplicit = profileExplicit;
        Profile = profile;
        ConfiguredEndpoints = endpoints;
        UseFips = useFips;
        UseDualStack = useDualStack;
        MaxAttempts = maxAttempts;
        HttpClientFactory = httpClientFactory;
        RequestLog = options.RequestLog ?? new AwsRequestLog();
        Credentials = options.Credentials ?? new DefaultChainCredentials(this);
    }

    public AwsConnectionOptions Options { get; }

    /// <summary>The region system name, e.g. <c>us-east-1</c>.</summary>
    public string Region { get; }

    /// <summary>Where the region came from (for messages): an option, a variable's name or the profile.</summary>
    public string RegionSource { get; }

    /// <summary>The profile in effect: the option, <c>AWS_PROFILE</c> or <c>default</c>.</summary>
    public string ProfileName { get; }

    /// <summary>True when the profile was named (option or <c>AWS_PROFILE</c>), so it must exist.</summary>
    public bool IsProfileExplicit { get; }

    internal CredentialProfile? Profile { get; }

    /// <summary>The custom endpoint URLs configured for the profile and environment.</summary>
    internal ConfiguredEndpoints ConfiguredEndpoints { get; }

    public bool UseFips { get; }

    public bool UseDualStack { get; }

    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; }

    /// <summary>The credentials every client of this connection signs with (resolved on first use).</summary>
    public AWSCredentials Credentials { get; }

    public AwsRequestLog RequestLog { get; }

    /// <summary>The HTTP stack (TLS 1.2 or later, the extra CAs, plain HTTP to loopback only) given to AWSSDK.Core.</summary>
    public HttpClientFactory HttpClientFactory { get; }

    internal IEnvironmentVariables Environment => Options.Environment;

    internal ILoggerFactory LoggerFactory => Options.LoggerFactory;

    /// <summary>
    /// Resolves <paramref name="options"/>: region (option, <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, profile
    /// <c>region</c>; TK3000 when none), profile (TK3003 when a named profile does not exist), FIPS, dual-stack and
    /// attempts (TK3014 when out of range), the CA file (TK1016). Credentials are looked up when first needed.
    /// </summary>
    public static AwsConnection Resolve(AwsConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AwsSdkRuntime.EnsureInitialized();
        var environment = options.Environment;

        var profileFromEnvironment = NonEmpty(environment.Get("AWS_PROFILE"));
        var profileName = NonEmpty(options.Profile) ?? profileFromEnvironment ?? "default";
        var profileExplicit = options.Profile is { Length: > 0 } || profileFromEnvironment is not null;
        var profile = AwsProfiles.Find(profileName);
        if (profile is null && profileExplicit && options.Credentials is null)
        {
            var source = options.Profile is { Length: > 0 } ? "the profile option" : "AWS_PROFILE";
            throw new ToolkitException(
                ErrorCodes.AwsProfileNotFound,
                $"The AWS profile '{profileName}' (from {source}) is in neither {AwsProfiles.CredentialsFilePath} nor {AwsProfiles.ConfigFilePath}. "
                + $"Profiles there: {AwsProfiles.DescribeNames()}. Create it (aws configure --profile {profileName}) or name another one.");
        }

        var (region, regionSource) = ResolveRegion(options, environment, profile, profileName);
        var useFips = options.UseFips ?? ParseBoolean(environment, "AWS_USE_FIPS_ENDPOINT") ?? profile?.UseFIPSEndpoint ?? false;
        var useDualStack = options.UseDualStack ?? ParseBoolean(environment, "AWS_USE_DUALSTACK_ENDPOINT") ?? profile?.UseDualstackEndpoint ?? false;
        var maxAttempts = options.MaxAttempts ?? ParseAttempts(environment) ?? profile?.MaxAttempts ?? DefaultMaxAttempts;
        if (maxAttempts is < 1 or > MaxAllowedAttempts)
        {
            throw new ToolkitException(ErrorCodes.AwsInvalidOption, $"AWS max attempts must be 1–{MaxAllowedAttempts} (the first attempt included); {maxAttempts} was given.");
        }

        var endpoints = ConfiguredEndpoints.Load(environment, profileName, AwsProfiles.ConfigFilePath);
        var http = new AwsHttpClientFactory(options.CaFile);
        return new AwsConnection(options, region, regionSource, profileName, profileExplicit, profile, endpoints, useFips, useDualStack, maxAttempts, http);
    }

    private static (string Region, string Source) ResolveRegion(AwsConnectionOptions options, IEnvironmentVariables environment, CredentialProfile? profile, string profileName)
    {
        (string? Value, string Source)[] candidates =
        [
            (NonEmpty(options.Region), "the region option"),
            (NonEmpty(environment.Get("AWS_REGION")), "AWS_REGION"),
            (NonEmpty(environment.Get("AWS_DEFAULT_REGION")), "AWS_DEFAULT_REGION"),
            (NonEmpty(profile?.Region?.SystemName), $"the region of profile '{profileName}'"),
        ];
        foreach (var (value, source) in candidates)
        {
            if (value is null)
            {
                continue;
            }

            if (!Endpoints.EndpointRuleSet.IsValidHostLabel(value, allowSubDomains: false))
            {
                throw new ToolkitException(
                    ErrorCodes.AwsEndpointUnresolvable,
                    $"'{value}' (from {source}) is not a valid AWS region name: a region is letters, digits and hyphens, e.g. us-east-1.");
            }

            return (value, source);
        }

        throw new ToolkitException(
            ErrorCodes.AwsRegionMissing,
            "No AWS region is configured. Give one with --region (MSBuild: ToolkitAwsRegion), set AWS_REGION (or AWS_DEFAULT_REGION), "
            + $"or add 'region = <name>' to profile '{profileName}' in {AwsProfiles.ConfigFilePath}.");
    }

    private static bool? ParseBoolean(IEnvironmentVariables environment, string name)
        => NonEmpty(environment.Get(name)) is { } value
            ? value.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
            : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
            : throw new ToolkitException(ErrorCodes.AwsInvalidOption, $"{name} must be true or false, not '{value}'.")
            : null;

    private static int? ParseAttempts(IEnvironmentVariables environment)
        => NonEmpty(environment.Get("AWS_MAX_ATTEMPTS")) is { } value
            ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var attempts)
                ? attempts
                : throw new ToolkitException(ErrorCodes.AwsInvalidOption, $"AWS_MAX_ATTEMPTS must be a whole number, not '{value}'.")
            : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
