using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>Where a custom endpoint comes from, as AWSSDK.Core resolves it by the client's service id, and what the toolkit adds.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EndpointUrlPrecedenceTests
{
    private const string Config = """
        [default]
        region = us-east-1
        endpoint_url = https://default-profile.example.com

        [profile vpc]
        region = us-east-1
        endpoint_url = https://profile-global.example.com
        services = vpc-endpoints

        [profile global]
        region = us-east-1
        endpoint_url = https://profile-global.example.com

        [profile sts-only]
        region = us-east-1
        endpoint_url = https://profile-fallback.example.com
        services = sts-endpoints

        [profile ignoring]
        region = us-east-1
        endpoint_url = https://profile-global.example.com
        services = vpc-endpoints
        ignore_configured_endpoint_urls = true

        [services vpc-endpoints]
        ecr =
          endpoint_url = https://profile-ecr.example.com
        sts =
          endpoint_url = https://profile-sts.example.com

        [services sts-endpoints]
        sts =
          endpoint_url = https://profile-sts.example.com
        """;

    private static Uri EndpointOf(string? profile, string? option = null, IEnvironmentVariables? environment = null)
    {
        var connection = AwsConnection.Resolve(new AwsConnectionOptions
        {
            Profile = profile,
            Region = "us-east-1",
            EndpointUrl = option,
            Credentials = new Amazon.Runtime.BasicAWSCredentials("AKIDENDPOINTS", "secret"),
            Environment = environment ?? ProcessEnvironmentVariables.Instance,
        });
        using var client = new TestJsonClient(connection);
        return client.Endpoint;
    }

    private static ProcessEnvironment WithConfig(TemporaryDirectory directory, IReadOnlyDictionary<string, string?>? variables = null)
    {
        var config = Path.Combine(directory.Path, "config");
        File.WriteAllText(config, Config);
        return new ProcessEnvironment(variables ?? new Dictionary<string, string?>(), configFile: config);
    }

    [Theory]
    [InlineData("https://env-ecr.example.com", "https://env-all.example.com", "vpc", null, "https://env-ecr.example.com/")]
    [InlineData(null, "https://env-all.example.com", "vpc", null, "https://env-all.example.com/")]
    [InlineData("https://env-ecr.example.com", null, "vpc", "https://option.example.com", "https://option.example.com/")]
    [InlineData(null, null, "vpc", null, "https://profile-ecr.example.com/")]
    [InlineData(null, null, "global", null, "https://profile-global.example.com/")]
    [InlineData(null, null, "sts-only", null, "https://profile-fallback.example.com/")]
    [InlineData(null, null, null, null, "https://default-profile.example.com/")]
    [InlineData(null, null, "ignoring", null, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("https://env-ecr.example.com", "https://env-all.example.com", "ignoring", null, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("https://env-ecr.example.com", null, "ignoring", "https://option.example.com", "https://option.example.com/")]
    public void The_first_configured_endpoint_wins(string? ecrVariable, string? globalVariable, string? profile, string? option, string expected)
    {
        using var directory = new TemporaryDirectory();
        using var environment = WithConfig(directory, new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_ECR"] = ecrVariable, ["AWS_ENDPOINT_URL"] = globalVariable });

        Assert.Equal(expected, EndpointOf(profile, option).ToString());
    }

    [Fact]
    public void The_profile_named_by_aws_profile_gives_its_services_section()
    {
        using var directory = new TemporaryDirectory();
        using var environment = WithConfig(directory, new Dictionary<string, string?> { ["AWS_PROFILE"] = "vpc" });

        Assert.Equal("https://profile-ecr.example.com/", EndpointOf(profile: null).ToString());
    }

    [Fact]
    public void The_variable_turns_off_a_profiles_ignore_switch_and_the_reverse()
    {
        using var directory = new TemporaryDirectory();
        using var environment = WithConfig(directory, new Dictionary<string, string?> { ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false" });

        Assert.Equal("https://profile-ecr.example.com/", EndpointOf("ignoring").ToString());
        environment.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        Assert.Equal("https://api.ecr.us-east-1.amazonaws.com/", EndpointOf("vpc").ToString());
    }

    [Fact]
    public void The_variables_come_from_the_environment_the_front_end_hands_over()
    {
        using var directory = new TemporaryDirectory();
        using var environment = WithConfig(directory);
        var handedOver = new DictionaryEnvironmentVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL_ECR"] = "https://handed-over.example.com" });

        Assert.Equal("https://handed-over.example.com/", EndpointOf("vpc", environment: handedOver).ToString());
        Assert.Equal("https://profile-ecr.example.com/", EndpointOf("vpc").ToString());
    }

    [Fact]
    public void An_unusable_endpoint_in_the_config_file_is_refused_naming_where_it_is()
    {
        using var directory = new TemporaryDirectory();
        var config = Path.Combine(directory.Path, "config");
        File.WriteAllText(config, "[profile p]\nregion = us-east-1\nservices = s\n\n[services s]\necr =\n  endpoint_url = http://ecr.internal.example.com\n");
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>(), configFile: config);

        var exception = Assert.Throws<ToolkitException>(() => EndpointOf("p"));

        Assert.Equal(ErrorCodes.AwsInvalidEndpointUrl, exception.ErrorCode);
        Assert.Contains("endpoint_url of 'ecr' in [services s]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sts_calls_go_to_the_sts_endpoint_of_the_profiles_services_section()
    {
        // Given
        using var sts = new CredentialsStandIn("ASIAFROMSERVICES", "services-secret", "services-session");
        using var directory = new TemporaryDirectory();
        var credentials = Path.Combine(directory.Path, "credentials");
        var config = Path.Combine(directory.Path, "config");
        await File.WriteAllTextAsync(credentials, "[base]\naws_access_key_id = AKIDSOURCEPROFILE\naws_secret_access_key = source-secret\n");
        await File.WriteAllTextAsync(config, $$"""
            [profile deploy]
            role_arn = arn:aws:iam::123456789012:role/deploy
            source_profile = base
            region = eu-west-1
            services = local

            [services local]
            sts =
              endpoint_url = {{sts.Url}}
            """);
        using var environment = new ProcessEnvironment(new Dictionary<string, string?>(), credentials, config);
        using var stub = new AwsJsonStub(StubAnswer.Ok("{}", "req-services"));
        var connection = AwsConnection.Resolve(new AwsConnectionOptions { Profile = "deploy", EndpointUrl = stub.Url, Environment = ProcessEnvironmentVariables.Instance });
        using var client = new TestJsonClient(connection);

        // When
        await client.CallEmptyAsync("DescribeRegistry");

        // Then
        Assert.Equal("AssumeRole", Assert.Single(sts.Requests).Form["Action"]);
        Assert.Contains("Credential=ASIAFROMSERVICES/", Assert.Single(stub.Requests).Headers["Authorization"], StringComparison.Ordinal);
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
