using Amazon.Runtime.Internal.Util;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Aws.Runtime;

/// <summary>A custom endpoint URL and where it was configured (for messages).</summary>
internal sealed record ConfiguredEndpoint(string Url, string Source);

/// <summary>
/// Custom endpoint URLs as the AWS SDKs and CLI take them ("configured endpoints"), first found wins: the client's
/// own option, <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, <c>AWS_ENDPOINT_URL</c>, the <c>endpoint_url</c> of the service's
/// sub-section in the <c>[services ...]</c> section the profile names, the profile's own <c>endpoint_url</c>.
/// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> (else the profile's <c>ignore_configured_endpoint_urls</c>) turns off
/// everything but the option.
/// </summary>
/// <remarks>
/// AWSSDK.Core has its own lookup (<c>ClientConfig.ServiceURL</c>), but it reads only the process environment, the
/// profile of <c>AWS_PROFILE</c> unless told otherwise, drops a profile's <c>endpoint_url</c> as soon as the profile
/// names a <c>services</c> section (even one without the service), and never reads the profile's
/// <c>ignore_configured_endpoint_urls</c>. The toolkit therefore resolves configured endpoints here, reading the shared
/// config file with AWSSDK.Core's own parser (<see cref="ProfileIniFile"/>), and turns the SDK's lookup off.
/// </remarks>
internal sealed class ConfiguredEndpoints
{
    internal const string IgnoreVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
    internal const string GlobalVariable = "AWS_ENDPOINT_URL";

    private readonly IEnvironmentVariables _environment;
    private readonly string _profileName;
    private readonly string _configFile;
    private readonly string? _profileEndpointUrl;
    private readonly string? _servicesSectionName;
    private readonly IReadOnlyDictionary<string, Dictionary<string, string>> _services;

    private ConfiguredEndpoints(IEnvironmentVariables environment, string profileName, string configFile, bool ignore, string? profileEndpointUrl, string? servicesSectionName, IReadOnlyDictionary<string, Dictionary<string, string>> services)
    {
        _environment = environment;
        _profileName = profileName;
        _configFile = configFile;
        IsIgnored = ignore;
        _profileEndpointUrl = profileEndpointUrl;
        _servicesSectionName = servicesSectionName;
        _services = services;
    }

    /// <summary>True when configured endpoints are turned off (only an explicit option applies).</summary>
    public bool IsIgnored { get; }

    /// <summary>
    /// Reads the settings of <paramref name="profileName"/> from the shared config file <paramref name="configFile"/>
    /// (a missing file or profile has none) and the ignore switch from <paramref name="environment"/>.
    /// </summary>
    public static ConfiguredEndpoints Load(IEnvironmentVariables environment, string profileName, string configFile)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? profileEndpointUrl = null;
        string? servicesName = null;
        bool? profileIgnore = null;
        Dictionary<string, Dictionary<string, string>> services = new(StringComparer.OrdinalIgnoreCase);
        try
        {
            // As AWSSDK.Core reads it: [default] or [profile default] for the default profile, [profile name] for the others.
            var file = new ProfileIniFile(configFile, profileMarkerRequired: profileName != "default");
            if (file.TryGetSection(profileName, isSsoSession: false, isServicesSection: false, out var properties, out _))
            {
                profileEndpointUrl = NonEmpty(properties.GetValueOrDefault("endpoint_url"));
                servicesName = NonEmpty(properties.GetValueOrDefault("services"));
                profileIgnore = ParseBoolean(properties.GetValueOrDefault("ignore_configured_endpoint_urls"), $"ignore_configured_endpoint_urls of profile '{profileName}' in {configFile}");
            }

            if (servicesName is not null)
            {
                file.ProfileMarkerRequired = true;
                if (file.TryGetSection(servicesName, isSsoSession: false, isServicesSection: true, out _, out var nested) && nested is not null)
                {
                    services = nested;
                }
            }
        }
        catch (InvalidDataException exception)
        {
            throw new ToolkitException(ErrorCodes.AwsInvalidOption, $"The AWS config file {configFile} cannot be read: {exception.Message}", exception);
        }

        var ignore = ParseBoolean(environment.Get(IgnoreVariable), IgnoreVariable) ?? profileIgnore ?? false;
        return new ConfiguredEndpoints(environment, profileName, configFile, ignore, profileEndpointUrl, servicesName, services);
    }

    /// <summary>
    /// The endpoint for the service with the model's <paramref name="serviceId"/> (e.g. <c>ECR</c>, <c>STS</c>,
    /// <c>SSO</c>), <paramref name="explicitUrl"/> first; null when none is configured.
    /// </summary>
    public ConfiguredEndpoint? Find(string serviceId, string? explicitUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        if (NonEmpty(explicitUrl) is { } option)
        {
            return new ConfiguredEndpoint(option, "the endpoint URL option");
        }

        if (IsIgnored)
        {
            return null;
        }

        var variable = EnvironmentVariableFor(serviceId);
        if (NonEmpty(_environment.Get(variable)) is { } fromService)
        {
            return new ConfiguredEndpoint(fromService, variable);
        }

        if (NonEmpty(_environment.Get(GlobalVariable)) is { } fromGlobal)
        {
            return new ConfiguredEndpoint(fromGlobal, GlobalVariable);
        }

        var key = ConfigKeyFor(serviceId);
        if (_services.TryGetValue(key, out var settings) && NonEmpty(settings.GetValueOrDefault("endpoint_url")) is { } fromServices)
        {
            return new ConfiguredEndpoint(fromServices, $"endpoint_url of '{key}' in [services {_servicesSectionName}] of {_configFile}");
        }

        return _profileEndpointUrl is { } fromProfile
            ? new ConfiguredEndpoint(fromProfile, $"endpoint_url of profile '{_profileName}' in {_configFile}")
            : null;
    }

    /// <summary><c>AWS_ENDPOINT_URL_</c> and the service id with spaces as underscores, upper case (<c>AWS_ENDPOINT_URL_ECR</c>).</summary>
    public static string EnvironmentVariableFor(string serviceId) => $"{GlobalVariable}_{serviceId.Replace(' ', '_').ToUpperInvariant()}";

    /// <summary>The service id with spaces as underscores, lower case: the key in a <c>[services]</c> section (<c>ecr</c>).</summary>
    public static string ConfigKeyFor(string serviceId) => serviceId.Replace(' ', '_').ToLowerInvariant();

    private static bool? ParseBoolean(string? value, string source)
        => NonEmpty(value) is { } text
            ? text.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
            : text.Equals("false", StringComparison.OrdinalIgnoreCase) ? false
            : throw new ToolkitException(ErrorCodes.AwsInvalidOption, $"{source} must be true or false, not '{text}'.")
            : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
