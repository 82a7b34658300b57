using Microsoft.Build.Framework;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class GetEcrRegistry : ToolkitTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.AwsCredentialsFailed, "Check the AWS shared config and credentials files.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        using var client = new EcrClient(AwsConnection.Resolve(AwsSettings.Connection(AwsRegion, AwsProfile, AwsEndpointUrl, loggerFactory)));
        var login = await new EcrLogin(client, ProcessEnvironmentVariables.Instance, loggerFactory)
            .LoginAsync(new EcrLoginRequest(), cancellationToken)
            .ConfigureAwait(false);
        Registry = login.Registry;
        Log.LogMessage(MessageImportance.Normal, "The default Amazon ECR registry is {0}", Registry);
    }
}
