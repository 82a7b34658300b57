using Amazon.Runtime.CredentialManagement;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// The shared config and credentials files as AWSSDK.Core reads them (its parser, its file locations: the
/// <c>AWS_SHARED_CREDENTIALS_FILE</c> and <c>AWS_CONFIG_FILE</c> of the process, else <c>~/.aws</c>).
/// </summary>
internal static class AwsProfiles
{
    public static string CredentialsFilePath => SharedCredentialsFile.DefaultFilePath;

    public static string ConfigFilePath => SharedCredentialsFile.DefaultConfigFilePath;

    /// <summary>The profile of that name from either file (the SDK merges them), or null.</summary>
    public static CredentialProfile? Find(string name)
        => new SharedCredentialsFile().TryGetProfile(name, out var profile) ? profile : null;

    public static string DescribeNames()
    {
        var names = new SharedCredentialsFile().ListProfileNames();
        return names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal));
    }
}
