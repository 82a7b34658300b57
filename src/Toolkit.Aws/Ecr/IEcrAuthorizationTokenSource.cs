namespace Toolkit.Aws.Ecr;

/// <summary>Where registry passwords for Amazon ECR come from: GetAuthorizationToken for the registry's account and region.</summary>
public interface IEcrAuthorizationTokenSource
{
    /// <summary>A new token for <paramref name="registry"/> (its account and region); errors are coded <c>ToolkitException</c>s.</summary>
    Task<EcrAuthorizationToken> GetAuthorizationTokenAsync(EcrRegistryHost registry, CancellationToken cancellationToken);
}
