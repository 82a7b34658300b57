using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Core.Host;

namespace Toolkit.MSBuild.Tasks;

/// <summary>The AWS properties of the targets (ToolkitAwsRegion, ToolkitAwsProfile, ToolkitAwsEndpointUrl) as connection options; the rest as the AWS CLI resolves it.</summary>
internal static class AwsSettings
{
    public static AwsConnectionOptions Connection(string? region, string? profile, string? endpointUrl, ILoggerFactory loggerFactory) => new()
    {
        Region = string.IsNullOrWhiteSpace(region) ? null : region.Trim(),
        Profile = string.IsNullOrWhiteSpace(profile) ? null : profile.Trim(),
        EndpointUrl = string.IsNullOrWhiteSpace(endpointUrl) ? null : endpointUrl.Trim(),
        Environment = ProcessEnvironmentVariables.Instance,
        LoggerFactory = loggerFactory,
    };
}
