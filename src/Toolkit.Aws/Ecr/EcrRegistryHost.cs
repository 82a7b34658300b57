using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Toolkit.Aws.Ecr;

/// <summary>
/// An Amazon ECR private registry host, recognised from the name alone, with the account and region it belongs to:
/// <list type="bullet">
/// <item><c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c> (commercial and GovCloud regions);</item>
/// <item><c>&lt;account&gt;.dkr.ecr-fips.&lt;region&gt;.amazonaws.com</c> (FIPS);</item>
/// <item><c>&lt;account&gt;.dkr-ecr.&lt;region&gt;.on.aws</c> and <c>&lt;account&gt;.dkr-ecr-fips.&lt;region&gt;.on.aws</c> (dual-stack);</item>
/// <item><c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com.cn</c> (China).</item>
/// </list>
/// The account is 12 digits; the region must belong to the partition the domain serves (a <c>cn-</c> region only under
/// <c>amazonaws.com.cn</c>); the name is compared without regard to case, and a port other than 443 means another server.
/// Not recognised: ECR Public (<c>public.ecr.aws</c>, which authenticates differently), the ISO and European Sovereign
/// Cloud partitions, and any name with something before the account or after the domain (<c>...amazonaws.com.evil.example</c>):
/// such registries get the ordinary credentials (docker config) instead.
/// </summary>
public sealed partial record EcrRegistryHost
{
    private EcrRegistryHost(string host, string accountId, string region, string partition, bool fips, bool dualStack)
    {
        Host = host;
        AccountId = accountId;
        Region = region;
        Partition = partition;
        Fips = fips;
        DualStack = dualStack;
    }

    /// <summary>The host name, lower case, without a port: the key credentials are kept under.</summary>
    public string Host { get; }

    /// <summary>The 12-digit AWS account (the ECR registry ID).</summary>
    public string AccountId { get; }

    /// <summary>The region, e.g. <c>us-east-1</c>.</summary>
    public string Region { get; }

    /// <summary>The AWS partition: <c>aws</c>, <c>aws-us-gov</c> or <c>aws-cn</c>.</summary>
    public string Partition { get; }

    /// <summary>A FIPS endpoint (<c>dkr.ecr-fips</c>, <c>dkr-ecr-fips</c>).</summary>
    public bool Fips { get; }

    /// <summary>A dual-stack (IPv4 and IPv6) endpoint (<c>.on.aws</c>).</summary>
    public bool DualStack { get; }

    /// <summary>The registry's base URL, as GetAuthorizationToken's <c>proxyEndpoint</c> names it.</summary>
    public Uri Endpoint => new($"https://{Host}");

    /// <summary>
    /// Whether <paramref name="registry"/> (a registry as written in image references: <c>host</c> or <c>host:port</c>) is
    /// an Amazon ECR private registry, and which.
    /// </summary>
    public static bool TryParse(string? registry, [NotNullWhen(true)] out EcrRegistryHost? host)
    {
        host = null;
        if (string.IsNullOrEmpty(registry) || registry.Length > 253)
        {
            return false;
        }

        var name = registry.ToLowerInvariant();
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (name[(colon + 1)..] != "443")
            {
                return false;
            }

            name = name[..colon];
        }

        var match = HostPattern().Match(name);
        if (!match.Success)
        {
            return false;
        }

        var service = match.Groups["service"].Value;
        var region = match.Groups["region"].Value;
        var domain = match.Groups["domain"].Value;
        var dualStack = domain == "on.aws";
        var fips = service.EndsWith("-fips", StringComparison.Ordinal);
        if (dualStack != service.StartsWith("dkr-", StringComparison.Ordinal))
        {
            return false; // dkr.ecr.<region>.on.aws and dkr-ecr.<region>.amazonaws.com do not exist
        }

        var partition = PartitionOf(region);
        var allowed = domain switch
        {
            "amazonaws.com.cn" => partition == "aws-cn" && !fips,
            "amazonaws.com" or "on.aws" => partition is "aws" or "aws-us-gov",
            _ => false,
        };
        if (!allowed)
        {
            return false;
        }

        host = new EcrRegistryHost(name, match.Groups["account"].Value, region, partition!, fips, dualStack);
        return true;
    }

    public override string ToString() => Host;

    private static string? PartitionOf(string region)
        => GovCloudRegion().IsMatch(region) ? "aws-us-gov"
            : ChinaRegion().IsMatch(region) ? "aws-cn"
            : CommercialRegion().IsMatch(region) ? "aws"
            : null;

    // The account and the labels between it and the domain, exactly: nothing before the account, nothing after the domain.
    [GeneratedRegex(@"^(?<account>[0-9]{12})\.(?<service>dkr\.ecr|dkr\.ecr-fips|dkr-ecr|dkr-ecr-fips)\.(?<region>[a-z0-9-]{1,40})\.(?<domain>amazonaws\.com|amazonaws\.com\.cn|on\.aws)$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    // The partitions' region patterns (../shared/spec/aws/partitions.json), with letters for \w: region names have no '_'.
    [GeneratedRegex(@"^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex CommercialRegion();

    [GeneratedRegex(@"^us-gov-[a-z]+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GovCloudRegion();

    [GeneratedRegex(@"^cn-[a-z]+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ChinaRegion();
}
