using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>Where a custom endpoint comes from, as AWSSDK.Core resolves it by the client's service id, and what the toolkit adds.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EndpointUrlPrecedenceTests
{
    private const string Config = """
        [profile vpc]
        region = us-east-1
        endpoint_url = https://profile-global.example.com
        services = vpc-endpoints

        [profile global]
        region = us-east-1
        endpoint_url = https://profile-global.example.com

        [profile ignoring]
        region = us-east-1
        endpoint_url = https://profile-global.example.com
        ignore_configured_endpoint_urls = true

        [services vpc-endpoints]
        ecr =
          endpoint_url = https://profile-ecr.example.com
        """;

    private static Uri EndpointOf(string? profile, string? option = null)
    {
        var connection = AwsConnection.Resolve(new AwsConnectionOptions
        {
            Profile = profile,
            Region = "us-east-1",
            EndpointUrl = option,
            Credentials = new Amazon.Runtime.BasicAWSCredentials("AKIDENDPOINTS", "secret"),
            Environment = ProcessEnvironmentVariables.Instance,
        });
        using var client = new TestJsonClient(connection);
        return client.Endpoint;
    }

    [Theory]
    [InlineData("https://env-ecr.example.com", "https://env-all.example.com", "vpc", null, "https://env-ecr.example.com/")]
    [InlineData(null, "https://env-all.example.com", "vpc", null, "https://env-all.example.com/")]
    [InlineData("https://env-ecr.example.com", null, "vpc", "https://option.example.com", "https://option.example.com/")]
    [InlineData(null, null, "ignoring", null, "https://api.ecr.us-east-1.amazonaws.com/")]
    public void The_first_configured_endpoint_wins(string? ecrVariable, string? globalVariable, string profile, string? option, string expected)
    {
        using var directory = new TemporaryDirectory();
        var config = Path.Combine(directory.Path, "config");
        File.WriteAllText(config, Config);
        using var environment = new ProcessEnvironment(
            new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_ECR"] = ecrVariable, ["AWS_ENDPOINT_URL"] = globalVariable },
            configFile: config);

        Assert.Equal(expected, EndpointOf(profile, option).ToString());
    }

    [Fact]
    public void Ignoring_configured_endpoints_keeps_the_option_but_not_the_variables()
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_ECR"] = "https://env-ecr.example.com",
            ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true",
        });

        Assert.Equal("https://api.ecr.us-east-1.amazonaws.com/", EndpointOf(null).ToString());
        Assert.Equal("https://option.example.com/", EndpointOf(null, "https://option.example.com").ToString());
    }

    [Theory]
    [InlineData("http://ecr.internal.example.com")]
    [InlineData("http://10.0.0.12:8080")]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("not a url")]
    public void Plain_http_to_a_host_that_is_not_loopback_or_a_bad_url_is_refused(string url)
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>());

        var exception = Assert.Throws<ToolkitException>(() => EndpointOf(null, url));

        Assert.Equal(ErrorCodes.AwsInvalidEndpointUrl, exception.ErrorCode);
    }

    [Fact]
    public void Plain_http_from_the_environment_to_a_remote_host_is_refused_too()
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_ECR"] = "http://ecr.internal.example.com" });

        var exception = Assert.Throws<ToolkitException>(() => EndpointOf(null));

        Assert.Equal(ErrorCodes.AwsInvalidEndpointUrl, exception.ErrorCode);
        Assert.Contains("AWS_ENDPOINT_URL_ECR", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fips_with_a_custom_endpoint_is_the_rule_sets_coded_error()
    {
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>());

        var exception = Assert.Throws<ToolkitException>(() => AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = "us-east-1",
            UseFips = true,
            EndpointUrl = "https://vpce-1.api.ecr.us-east-1.vpce.amazonaws.com",
            Credentials = new Amazon.Runtime.BasicAWSCredentials("AKIDENDPOINTS", "secret"),
            Environment = ProcessEnvironmentVariables.Instance,
        }) is { } connection ? new TestJsonClient(connection) : null);

        Assert.Equal(ErrorCodes.AwsEndpointUnresolvable, exception.ErrorCode);
        Assert.Equal("Invalid Configuration: FIPS and custom endpoint are not supported", exception.Message);
    }
}
