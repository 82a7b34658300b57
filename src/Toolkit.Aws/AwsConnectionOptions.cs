using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Host;

namespace Toolkit.Aws;

/// <summary>
/// How to reach AWS: the one options model every front-end maps its flags, MSBuild properties or Cake settings onto.
/// Everything left unset is resolved the way the AWS CLI and SDKs resolve it (environment, shared config and
/// credentials files, then defaults); see <see cref="AwsConnection.Resolve"/>.
/// </summary>
public sealed class AwsConnectionOptions
{
    /// <summary>A profile of the shared config/credentials files (<c>--profile</c>); else <c>AWS_PROFILE</c>, else <c>default</c>.</summary>
    public string? Profile { get; init; }

    /// <summary>The region (<c>--region</c>); else <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, the profile's <c>region</c>.</summary>
    public string? Region { get; init; }

    /// <summary>
    /// A custom endpoint (<c>--endpoint-url</c>), e.g. a VPC interface endpoint
    /// (<c>https://vpce-0123-abcd.api.ecr.us-east-1.vpce.amazonaws.com</c>). It wins over <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>,
    /// <c>AWS_ENDPOINT_URL</c> and the shared config file's <c>endpoint_url</c>. Plain <c>http://</c> only for loopback hosts.
    /// </summary>
    public string? EndpointUrl { get; init; }

    /// <summary>FIPS endpoints (<c>--use-fips</c>); else <c>AWS_USE_FIPS_ENDPOINT</c>, the profile's <c>use_fips_endpoint</c>, false.</summary>
    public bool? UseFips { get; init; }

    /// <summary>Dual-stack (IPv4 and IPv6) endpoints; else <c>AWS_USE_DUALSTACK_ENDPOINT</c>, the profile's <c>use_dualstack_endpoint</c>, false.</summary>
    public bool? UseDualStack { get; init; }

    /// <summary>A PEM file of extra trusted root certificates (e.g. a TLS-inspecting proxy's CA), added to the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>Attempts per request, the first included (1–20); else <c>AWS_MAX_ATTEMPTS</c>, the profile's <c>max_attempts</c>, 3.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>
    /// Credentials to use instead of the default chain (hosts that hold their own, tests). Credentials given on a
    /// command line should not end up here: use the environment or a profile.
    /// </summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>Where AWS request IDs are kept for the run's report; a new log when not given.</summary>
    public AwsRequestLog? RequestLog { get; init; }

    public IEnvironmentVariables Environment { get; init; } = ProcessEnvironmentVariables.Instance;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
