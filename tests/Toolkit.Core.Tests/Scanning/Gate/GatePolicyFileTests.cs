using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class GatePolicyFileTests
{
    private static readonly Lazy<JsonSchemaValidator> s_schema = new(() => new JsonSchemaValidator(Path.Combine(TestPaths.RepositoryRoot, "docs", "schemas", "gate-policy.schema.json")));

    private const string Json = """
        {
          "version": 1,
          "failOn": "HIGH",
          "maxCounts": {"CRITICAL": 0, "MEDIUM": 5},
          "ignoreUnfixed": true,
          "onScanUnavailable": "warn",
          "allowlist": "accepted/allowlist.yaml",
          "vex": ["app.vex.json", "/abs/base.vex.json"]
        }
        """;

    private const string Yaml = """
        version: 1
        failOn: HIGH
        maxCounts:
          CRITICAL: 0
          MEDIUM: 5
        ignoreUnfixed: true
        onScanUnavailable: warn   # the policy lets unavailable scans through with a warning
        allowlist: accepted/allowlist.yaml
        vex:
          - app.vex.json
          - /abs/base.vex.json
        """;

    [Theory]
    [InlineData(Json, "policy.json")]
    [InlineData(Yaml, "policy.yaml")]
    [InlineData(Yaml, "policy.yml")]
    public void Json_and_yaml_read_the_same_policy_with_paths_resolved_from_the_file_folder(string content, string name)
    {
        var fileName = Path.Combine("/work/ci", name);

        var policy = GatePolicyFileReader.Parse(content, fileName);

        Assert.Equal(fileName, policy.Source);
        Assert.Equal(Severity.High, policy.FailOn);
        Assert.Equal(new Dictionary<Severity, int> { [Severity.Critical] = 0, [Severity.Medium] = 5 }, policy.MaxCounts);
        Assert.True(policy.IgnoreUnfixed);
        Assert.Equal(ScanUnavailableAction.Warn, policy.OnScanUnavailable);
        Assert.Equal("/work/ci/accepted/allowlist.yaml", policy.Allowlist);
        Assert.Equal(["/work/ci/app.vex.json", "/abs/base.vex.json"], policy.Vex);
    }

    [Fact]
    public void Only_a_version_is_required_and_everything_else_stays_unset()
    {
        var policy = GatePolicyFileReader.Parse("version: 1\n", "p.yaml");

        Assert.Null(policy.FailOn);
        Assert.Empty(policy.MaxCounts);
        Assert.Null(policy.IgnoreUnfixed);
        Assert.Null(policy.OnScanUnavailable);
        Assert.Null(policy.Allowlist);
        Assert.Empty(policy.Vex);
    }

    [Theory]
    [InlineData("failOn: HIGH\n", "TK4016", "has no \"version\"")]
    [InlineData("version: 2\n", "TK4016", "has version 2; this toolkit reads version 1")]
    [InlineData("version: 1\nfailOn: UNDEFINED\n", "TK4017", "(line 2, column 9): failOn is 'UNDEFINED'; use CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL")]
    [InlineData("version: 1\nfailOn: severe\n", "TK4017", "failOn is 'severe'")]
    [InlineData("version: 1\nmaxCounts:\n  HIGH: -1\n", "TK4017", "(line 3, column 9): maxCounts.HIGH is '-1', not a count of 0 or more")]
    [InlineData("version: 1\nmaxCounts:\n  SEVERE: 1\n", "TK4017", "maxCounts has 'SEVERE', not a severity")]
    [InlineData("version: 1\nmaxCounts: 3\n", "TK4017", "maxCounts is not a mapping of severity to count")]
    [InlineData("version: 1\nignoreUnfixed: maybe\n", "TK4017", "ignoreUnfixed is 'maybe', not true or false")]
    [InlineData("version: 1\nonScanUnavailable: ignore\n", "TK4017", "onScanUnavailable is 'ignore'; use fail or warn")]
    [InlineData("version: 1\nfail-on: HIGH\n", "TK4017", "(line 2, column 10): \"fail-on\" is not a policy setting")]
    [InlineData("version: 1\nvex: {a: b}\n", "TK4017", "vex is not a list of OpenVEX document paths")]
    [InlineData("version: 1\nfailOn: [HIGH]\n", "TK4017", "failOn is not a single value")]
    [InlineData("version: 1\nfailOn: HIGH\n  bad: indentation\n", "TK4015", "is not well-formed YAML at line 3, column")]
    [InlineData("- version: 1\n", "TK4017", "the policy is not a mapping of settings")]
    public void Yaml_mistakes_are_coded_with_where_they_are(string content, string code, string message)
    {
        var error = Assert.Throws<ToolkitException>(() => GatePolicyFileReader.Parse(content, "gate.yaml"));

        Assert.Equal(code, error.Code);
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'gate.yaml'", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"version\": 1, \"maxCounts\": {\"HIGH\": 1.5}}", "TK4017", "($.maxCounts.HIGH): maxCounts.HIGH is '1.5'")]
    [InlineData("{\"version\": 1, \"vex\": [\"a.json\", 3]}", "TK4017", "($.vex[1]): an entry of vex is not the path of an OpenVEX document")]
    [InlineData("{\"version\": \"one\"}", "TK4016", "has version one")]
    [InlineData("{\"version\": 1, \"failOn\": 4}", "TK4017", "($.failOn): failOn is 4, not text")]
    [InlineData("{\"version\": 1, \"ignoreUnfixed\": \"true\"}", "TK4017", "ignoreUnfixed is 'true', not true or false")]
    [InlineData("{\"version\": 1,\n \"failOn\": }", "TK4015", "is not well-formed JSON at line 2, column")]
    public void Json_mistakes_are_coded_with_their_path(string content, string code, string message)
    {
        var error = Assert.Throws<ToolkitException>(() => GatePolicyFileReader.Parse(content, "gate.json"));

        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_TK4014()
    {
        var error = await Assert.ThrowsAsync<ToolkitException>(() => GatePolicyFileReader.ReadAsync("/nonexistent/gate.yaml", CancellationToken.None));

        Assert.Equal("TK4014", error.Code);
        Assert.Contains("--policy", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Json, "policy.json")]
    [InlineData(Yaml, "policy.yaml")]
    [InlineData("version: 1\nmaxCounts: {undefined: 0, low: 10}\nfailOn: critical\n", "policy.yaml")]
    public void Policies_the_reader_accepts_are_valid_against_the_published_schema(string content, string fileName)
    {
        GatePolicyFileReader.Parse(content, fileName);

        s_schema.Value.AssertValid(Encoding.UTF8.GetBytes(AsJson(content, fileName)), fileName);
    }

    [Theory]
    [InlineData("{\"failOn\": \"HIGH\"}")]
    [InlineData("{\"version\": 2}")]
    [InlineData("{\"version\": 1, \"failOn\": \"UNDEFINED\"}")]
    [InlineData("{\"version\": 1, \"maxCounts\": {\"HIGH\": -1}}")]
    [InlineData("{\"version\": 1, \"maxCounts\": {\"SEVERE\": 1}}")]
    [InlineData("{\"version\": 1, \"onScanUnavailable\": \"ignore\"}")]
    [InlineData("{\"version\": 1, \"fail-on\": \"HIGH\"}")]
    [InlineData("{\"version\": 1, \"ignoreUnfixed\": \"maybe\"}")]
    public void Policies_the_reader_rejects_are_invalid_against_the_schema_too(string content)
    {
        Assert.Throws<ToolkitException>(() => GatePolicyFileReader.Parse(content, "policy.json"));

        Assert.NotEmpty(s_schema.Value.Validate(Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>The JSON a YAML policy stands for (plain scalars that are numbers or booleans become such), for the schema.</summary>
    private static string AsJson(string content, string fileName)
    {
        if (!fileName.EndsWith(".yaml", StringComparison.Ordinal))
        {
            return content;
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(content));
        return Convert(stream.Documents[0].RootNode)!.ToJsonString();

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
            YamlSequenceNode s => new JsonArray([.. s.Children.Select(Convert)]),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } p when long.TryParse(p.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
            YamlScalarNode scalar => JsonValue.Create(scalar.Value),
            _ => null,
        };
    }
}
