using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace Toolkit.Aws.Runtime;

/// <summary>
/// The shared config and credentials files as AWSSDK.Core reads them (its parser, its file locations).
/// </summary>
/// <remarks>
/// AWSSDK.Core fixes the locations once per process, when it first touches the files: <c>AWS_SHARED_CREDENTIALS_FILE</c>
/// and <c>AWS_CONFIG_FILE</c> if they name existing files, else <c>~/.aws/credentials</c> and <c>~/.aws/config</c>. It
/// then reads profiles from the fixed config file only while <c>AWS_CONFIG_FILE</c> is set; otherwise from the file
/// named <c>config</c> beside the credentials file. <see cref="ConfigFilePath"/> follows the same rule, so the
/// settings the toolkit reads itself (configured endpoints) come from the same file as the profile AWSSDK.Core finds.
/// </remarks>
internal static class AwsProfiles
{
    public static string CredentialsFilePath
        => string.IsNullOrEmpty(AWSConfigs.AWSProfilesLocation) ? SharedCredentialsFile.DefaultFilePath : AWSConfigs.AWSProfilesLocation;

    /// <summary>The config file AWSSDK.Core reads profiles from at this moment.</summary>
    public static string ConfigFilePath
        => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_CONFIG_FILE"))
            ? SharedCredentialsFile.DefaultConfigFilePath
            : Path.Combine(Path.GetDirectoryName(CredentialsFilePath) ?? string.Empty, "config");

    /// <summary>The profile of that name from either file (the SDK merges them), or null.</summary>
    public static CredentialProfile? Find(string name)
        => new SharedCredentialsFile().TryGetProfile(name, out var profile) ? profile : null;

    public static string DescribeNames()
    {
        var names = new SharedCredentialsFile().ListProfileNames();
        return names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal));
    }
}
