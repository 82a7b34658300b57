using System.Text;
using System.Text.Json;
using Amazon.Runtime.Internal.Endpoints.StandardLibrary;
using Toolkit.Aws.Endpoints;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

public sealed class EndpointRuleSetTests
{
    private static readonly string s_ruleSetPath = TestPaths.Spec("aws", "ecr", "2015-09-21", "endpoint-rule-set-1.json");

    // botocore's own evaluator of the endpoint rules language, given the same rule set and the shared partitions.json.
    // It only resolves: no client is made and nothing is sent.
    private const string BotocoreOracle = """
        import json, sys
        from botocore.endpoint_provider import EndpointProvider
        rules = json.load(open(sys.argv[1]))
        partitions = json.load(open(sys.argv[2]))
        provider = EndpointProvider(rules, partitions)
        out = []
        for case in json.load(sys.stdin):
            params = {k: v for k, v in case.items() if v is not None}
            try:
                out.append({"url": provider.resolve_endpoint(**params).url})
            except Exception as e:
                out.append({"error": str(e)})
        print(json.dumps(out))
        """;

    public static TheoryData<string, bool, bool, string> Variants => new()
    {
        { "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com" },
        { "us-east-1", true, false, "https://api.ecr-fips.us-east-1.amazonaws.com" },
        { "us-east-1", false, true, "https://ecr.us-east-1.api.aws" },
        { "us-east-1", true, true, "https://ecr-fips.us-east-1.api.aws" },
        { "cn-northwest-1", false, false, "https://api.ecr.cn-northwest-1.amazonaws.com.cn" },
        { "cn-north-1", false, true, "https://ecr.cn-north-1.api.amazonwebservices.com.cn" },
        { "us-gov-west-1", false, false, "https://api.ecr.us-gov-west-1.amazonaws.com" },
        { "us-gov-east-1", true, false, "https://api.ecr-fips.us-gov-east-1.amazonaws.com" },
        { "us-gov-west-1", true, true, "https://ecr-fips.us-gov-west-1.api.aws" },
    };

    [Fact]
    public void The_embedded_rule_set_is_byte_identical_to_the_official_model()
    {
        var embedded = EndpointRuleSet.ReadEmbeddedResource(AwsServices.EcrEndpointRuleSetResource);

        Assert.Equal(File.ReadAllBytes(s_ruleSetPath), embedded);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Standard_fips_dual_stack_china_and_govcloud_endpoints_are_the_official_ones(string region, bool fips, bool dualStack, string expected)
    {
        var endpoint = AwsServices.Ecr.EndpointRules.Resolve(Parameters(region, fips, dualStack, null));

        Assert.Equal(expected, endpoint.Url);
    }

    [Fact]
    public void A_custom_endpoint_is_used_as_given()
    {
        var endpoint = AwsServices.Ecr.EndpointRules.Resolve(Parameters("eu-west-1", false, false, "https://vpce-0a1b2c3d-4e5f.api.ecr.eu-west-1.vpce.amazonaws.com"));

        Assert.Equal("https://vpce-0a1b2c3d-4e5f.api.ecr.eu-west-1.vpce.amazonaws.com", endpoint.Url);
    }

    [Fact]
    public void A_missing_region_is_the_rule_sets_coded_error()
    {
        var exception = Assert.Throws<ToolkitException>(() => AwsServices.Ecr.EndpointRules.Resolve(Parameters(null, false, false, null)));

        Assert.Equal(ErrorCodes.AwsEndpointUnresolvable, exception.ErrorCode);
        Assert.Equal("Invalid Configuration: Missing Region", exception.Message);
    }

    [Fact]
    public void An_invalid_region_name_is_a_coded_error_before_any_request()
    {
        var exception = Assert.Throws<ToolkitException>(() => AwsConnection.Resolve(new AwsConnectionOptions
        {
            Region = "us east 1",
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
        }));

        Assert.Equal(ErrorCodes.AwsEndpointUnresolvable, exception.ErrorCode);
        Assert.Contains("us east 1", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Awssdk_core_partitions_agree_with_the_official_partitions_file()
    {
        // Given
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Spec("aws", "partitions.json")));

        // When, Then: every region listed, and a made-up region of each partition's pattern, lands in the same partition
        foreach (var partition in document.RootElement.GetProperty("partitions").EnumerateArray())
        {
            var outputs = partition.GetProperty("outputs");
            var regions = partition.GetProperty("regions").EnumerateObject().Select(r => r.Name).ToList();
            foreach (var region in regions)
            {
                var sdk = Fn.Partition(region);
                Assert.Equal(outputs.GetProperty("name").GetString(), sdk.name);
                Assert.Equal(outputs.GetProperty("dnsSuffix").GetString(), sdk.dnsSuffix);
                Assert.Equal(outputs.GetProperty("dualStackDnsSuffix").GetString(), sdk.dualStackDnsSuffix);
                Assert.Equal(outputs.GetProperty("supportsFIPS").GetBoolean(), sdk.supportsFIPS);
                Assert.Equal(outputs.GetProperty("supportsDualStack").GetBoolean(), sdk.supportsDualStack);
            }
        }
    }

    [Fact]
    public async Task Every_region_and_variant_resolves_as_botocore_resolves_it()
    {
        // Given: every region of the official partitions file, each variant, plus custom endpoints and unknown regions
        using var document = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Spec("aws", "partitions.json")));
        var regions = document.RootElement.GetProperty("partitions").EnumerateArray()
            .SelectMany(p => p.GetProperty("regions").EnumerateObject().Select(r => r.Name))
            .Concat(["us-east-9", "cn-south-7", "us-gov-north-3", "xx-mars-1"])
            .ToList();
        var cases = new List<Dictionary<string, object?>>();
        foreach (var region in regions)
        {
            foreach (var (fips, dualStack) in new[] { (false, false), (true, false), (false, true), (true, true) })
            {
                cases.Add(Parameters(region, fips, dualStack, null));
            }
        }

        cases.Add(Parameters("us-east-1", false, false, "https://vpce-0123.api.ecr.us-east-1.vpce.amazonaws.com"));
        cases.Add(Parameters("us-east-1", true, false, "https://vpce-0123.api.ecr.us-east-1.vpce.amazonaws.com"));
        cases.Add(Parameters("us-east-1", false, true, "https://vpce-0123.api.ecr.us-east-1.vpce.amazonaws.com"));
        cases.Add(Parameters(null, false, false, "http://127.0.0.1:5000"));
        cases.Add(Parameters(null, false, false, null));

        // When
        var expected = await BotocoreResolveAsync(cases);
        var actual = cases.Select(Resolve).ToList();

        // Then
        Assert.Equal(cases.Count, expected.Count);
        var differences = Enumerable.Range(0, cases.Count)
            .Where(i => expected[i] != actual[i])
            .Select(i => $"{JsonSerializer.Serialize(cases[i])}: botocore {expected[i]}, toolkit {actual[i]}")
            .ToList();
        Assert.True(differences.Count == 0, string.Join('\n', differences));
        Assert.Contains(expected, e => e.StartsWith("error ", StringComparison.Ordinal));
    }

    private static string Resolve(Dictionary<string, object?> parameters)
    {
        try
        {
            return "url " + AwsServices.Ecr.EndpointRules.Resolve(parameters).Url;
        }
        catch (ToolkitException exception)
        {
            return "error " + exception.Message;
        }
    }

    private static async Task<List<string>> BotocoreResolveAsync(List<Dictionary<string, object?>> cases)
    {
        var python = ExternalTool.Find("python3") ?? "/usr/bin/python3";
        var script = Path.Combine(Path.GetTempPath(), $"toolkit-endpoints-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, BotocoreOracle);
        try
        {
            var result = await ExternalTool.RunAsync(
                python,
                [script, s_ruleSetPath, TestPaths.Spec("aws", "partitions.json")],
                standardInput: Encoding.UTF8.GetBytes(JsonSerializer.Serialize(cases)),
                timeout: TimeSpan.FromMinutes(2));
            Assert.True(
                result.ExitCode == 0,
                $"botocore (the AWS CLI's Python library) is needed as the oracle; install the AWS CLI (sudo apt-get install -y awscli). {result.StandardError}");
            using var output = JsonDocument.Parse(result.StandardOutput);
            return [.. output.RootElement.EnumerateArray().Select(e => e.TryGetProperty("url", out var url) ? "url " + url.GetString() : "error " + e.GetProperty("error").GetString())];
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static Dictionary<string, object?> Parameters(string? region, bool fips, bool dualStack, string? endpoint) => new(StringComparer.Ordinal)
    {
        ["Region"] = region,
        ["UseFIPS"] = fips,
        ["UseDualStack"] = dualStack,
        ["Endpoint"] = endpoint,
    };
}
