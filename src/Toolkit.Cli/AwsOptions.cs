using System.CommandLine;
using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Core.Host;

namespace Toolkit.Cli;

/// <summary>
/// The AWS options, accepted by every command (any command may reach an Amazon ECR registry, and the <c>ecr</c> commands
/// call the ECR API), mapped onto <see cref="AwsConnectionOptions"/>. What is not given is resolved as the AWS CLI
/// resolves it (environment, shared config and credentials files); see docs/aws.md.
/// </summary>
internal sealed class AwsOptions
{
    public Option<string?> Region { get; } = new("--region")
    {
        Description = "The AWS region (e.g. eu-west-1); default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.",
        Recursive = true,
    };

    public Option<string?> Profile { get; } = new("--profile")
    {
        Description = "A profile of the AWS shared config and credentials files; default: AWS_PROFILE, then 'default'.",
        Recursive = true,
    };

    public Option<string?> EndpointUrl { get; } = new("--endpoint-url")
    {
        Description = "Send AWS requests to this URL, e.g. a VPC interface endpoint; default: AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, the profile's endpoint_url, then the regional endpoint.",
        Recursive = true,
    };

    public Option<bool> Fips { get; } = new("--fips")
    {
        Description = "Use FIPS 140 endpoints; default: AWS_USE_FIPS_ENDPOINT or the profile's use_fips_endpoint.",
        Recursive = true,
    };

    public Option<bool> DualStack { get; } = new("--dual-stack")
    {
        Description = "Use dual-stack (IPv4 and IPv6) endpoints; default: AWS_USE_DUALSTACK_ENDPOINT or the profile's use_dualstack_endpoint.",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Add(Region);
        root.Add(Profile);
        root.Add(EndpointUrl);
        root.Add(Fips);
        root.Add(DualStack);
    }

    /// <summary>
    /// The connection options the command line asks for; <c>--fips</c>/<c>--dual-stack</c> left out mean "as configured".
    /// The global <c>--ca-file</c> is trusted for AWS endpoints too (e.g. a TLS-inspecting proxy in front of a VPC endpoint).
    /// </summary>
    public AwsConnectionOptions Connection(ParseResult parseResult, GlobalOptions globals, ILoggerFactory loggerFactory, AwsRequestLog requests) => new()
    {
        Region = parseResult.GetValue(Region),
        Profile = parseResult.GetValue(Profile),
        EndpointUrl = parseResult.GetValue(EndpointUrl),
        UseFips = parseResult.GetResult(Fips) is null ? null : parseResult.GetValue(Fips),
        UseDualStack = parseResult.GetResult(DualStack) is null ? null : parseResult.GetValue(DualStack),
        CaFile = globals.RegistryConnection(parseResult).CaFile,
        Environment = ProcessEnvironmentVariables.Instance,
        LoggerFactory = loggerFactory,
        RequestLog = requests,
    };
}
