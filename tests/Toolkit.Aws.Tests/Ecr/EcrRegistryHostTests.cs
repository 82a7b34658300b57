using Toolkit.Aws.Ecr;

namespace Toolkit.Aws.Tests.Ecr;

public sealed class EcrRegistryHostTests
{
    public static TheoryData<string, string, string, string, bool, bool, string> Recognised => new()
    {
        // registry as written, host, account, region, FIPS, dual-stack, partition
        { "123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012", "us-east-1", false, false, "aws" },
        { "123456789012.dkr.ecr-fips.us-west-2.amazonaws.com", "123456789012.dkr.ecr-fips.us-west-2.amazonaws.com", "123456789012", "us-west-2", true, false, "aws" },
        { "123456789012.dkr-ecr.eu-central-1.on.aws", "123456789012.dkr-ecr.eu-central-1.on.aws", "123456789012", "eu-central-1", false, true, "aws" },
        { "123456789012.dkr-ecr-fips.us-east-2.on.aws", "123456789012.dkr-ecr-fips.us-east-2.on.aws", "123456789012", "us-east-2", true, true, "aws" },
        { "000000000000.dkr.ecr.cn-north-1.amazonaws.com.cn", "000000000000.dkr.ecr.cn-north-1.amazonaws.com.cn", "000000000000", "cn-north-1", false, false, "aws-cn" },
        { "210987654321.dkr.ecr.cn-northwest-1.amazonaws.com.cn", "210987654321.dkr.ecr.cn-northwest-1.amazonaws.com.cn", "210987654321", "cn-northwest-1", false, false, "aws-cn" },
        { "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", false, false, "aws-us-gov" },
        { "123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", "123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", "123456789012", "us-gov-east-1", true, false, "aws-us-gov" },
        { "123456789012.dkr.ecr.ap-southeast-5.amazonaws.com", "123456789012.dkr.ecr.ap-southeast-5.amazonaws.com", "123456789012", "ap-southeast-5", false, false, "aws" },
        { "123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012", "us-east-1", false, false, "aws" },
        { "123456789012.dkr.ecr.us-east-1.amazonaws.com:443", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012", "us-east-1", false, false, "aws" },
    };

    [Theory]
    [MemberData(nameof(Recognised))]
    public void An_ECR_registry_host_gives_its_account_region_and_variant(string registry, string host, string account, string region, bool fips, bool dualStack, string partition)
    {
        // When the registry is parsed
        var recognised = EcrRegistryHost.TryParse(registry, out var ecr);

        // Then it is ECR, with the account, region and endpoint variant in its name
        Assert.True(recognised);
        Assert.Equal(host, ecr!.Host);
        Assert.Equal(account, ecr.AccountId);
        Assert.Equal(region, ecr.Region);
        Assert.Equal(fips, ecr.Fips);
        Assert.Equal(dualStack, ecr.DualStack);
        Assert.Equal(partition, ecr.Partition);
        Assert.Equal(new Uri($"https://{host}"), ecr.Endpoint);
    }

    [Theory]
    [InlineData("dkr.ecr.us-east-1.amazonaws.com")] // no account
    [InlineData("12345678901.dkr.ecr.us-east-1.amazonaws.com")] // 11 digits
    [InlineData("1234567890123.dkr.ecr.us-east-1.amazonaws.com")] // 13 digits
    [InlineData("12345678901a.dkr.ecr.us-east-1.amazonaws.com")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example")] // lookalike: ECR's name inside another domain
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.")] // trailing dot
    [InlineData("evil.123456789012.dkr.ecr.us-east-1.amazonaws.com")] // a label before the account
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.cn")] // a commercial region under the China domain
    [InlineData("123456789012.dkr.ecr.cn-north-1.amazonaws.com")] // a China region under the commercial domain
    [InlineData("123456789012.dkr.ecr-fips.cn-north-1.amazonaws.com.cn")] // no FIPS endpoints in China
    [InlineData("123456789012.dkr-ecr.us-east-1.amazonaws.com")] // the dual-stack label under the IPv4 domain
    [InlineData("123456789012.dkr.ecr.us-east-1.on.aws")] // the IPv4 label under the dual-stack domain
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com:5000")] // another port: another server
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com:")]
    [InlineData("123456789012.dkr.ecr.moon-base-1.amazonaws.com")] // no such partition
    [InlineData("123456789012.dkr.ecr.useast1.amazonaws.com")]
    [InlineData("123456789012.dkr.ecr.us_east_1.amazonaws.com")]
    [InlineData("123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu")] // European Sovereign Cloud: not recognised
    [InlineData("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov")] // ISO partitions: not recognised
    [InlineData("public.ecr.aws")] // ECR Public authenticates another way
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com/app")]
    [InlineData("api.ecr.us-east-1.amazonaws.com")] // the API, not a registry
    [InlineData("127.0.0.1:5000")]
    [InlineData("ghcr.io")]
    [InlineData("")]
    [InlineData(null)]
    public void A_near_miss_is_not_an_ECR_registry(string? registry)
    {
        // When it is parsed
        var recognised = EcrRegistryHost.TryParse(registry, out var ecr);

        // Then it is not ECR
        Assert.False(recognised);
        Assert.Null(ecr);
    }
}
