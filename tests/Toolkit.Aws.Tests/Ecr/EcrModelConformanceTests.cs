using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Aws.Ecr;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// The client's model and marshalling against the official service model: for every operation the client implements,
/// what the marshaller writes uses only modelled members with modelled types and every required member, and what the
/// unmarshaller reads loses nothing of a fully populated response.
/// </summary>
public class EcrModelConformanceTests
{
    private static readonly EcrServiceModel s_model = EcrServiceModel.Instance;

    /// <summary>C# type names that differ from the model's shape names (System.Attribute is taken).</summary>
    private static readonly Dictionary<string, string> s_renamed = new(StringComparer.Ordinal) { ["ImageScanFindingAttribute"] = "Attribute" };

    public static TheoryData<string> OperationNames() => [.. EcrOperations.All.Select(o => o.Name)];

    private static IEcrOperation Operation(string name) => EcrOperations.All.Single(o => o.Name == name);

    [Fact]
    public void The_client_speaks_the_models_protocol_target_and_signing_name()
    {
        // Given the model's metadata
        var metadata = s_model.Metadata;

        // Then the client's constants are the model's
        Assert.Equal("json", metadata["protocol"]!.GetValue<string>());
        Assert.Equal("1.1", metadata["jsonVersion"]!.GetValue<string>());
        Assert.Equal(EcrOperations.TargetPrefix, metadata["targetPrefix"]!.GetValue<string>());
        Assert.Equal(EcrOperations.SigningName, metadata["signingName"]!.GetValue<string>());
        Assert.Equal(EcrOperations.EndpointPrefix, metadata["endpointPrefix"]!.GetValue<string>());
    }

    [Fact]
    public void Every_operation_is_in_the_model_and_has_a_method_on_the_client_interface()
    {
        var methods = typeof(IEcrClient).GetMethods().ToDictionary(m => m.Name, StringComparer.Ordinal);
        var required = new[]
        {
            "GetAuthorizationToken", "CreateRepository", "DescribeRepositories", "PutImageScanningConfiguration", "PutImageTagMutability",
            "PutLifecyclePolicy", "GetLifecyclePolicy", "SetRepositoryPolicy", "GetRepositoryPolicy", "TagResource", "UntagResource",
            "ListTagsForResource", "DescribeImages", "BatchGetImage", "PutImage", "BatchCheckLayerAvailability", "StartImageScan",
            "DescribeImageScanFindings", "GetRegistryScanningConfiguration", "PutRegistryScanningConfiguration", "PutReplicationConfiguration",
            "DescribeRegistry", "ListImageReferrers", "DeleteRepository",
        };

        Assert.Subset(EcrOperations.All.Select(o => o.Name).ToHashSet(), required.ToHashSet());
        Assert.Equal(EcrOperations.All.Count, methods.Count);
        foreach (var operation in EcrOperations.All)
        {
            Assert.Contains(operation.Name, s_model.Operations);
            Assert.Equal("AmazonEC2ContainerRegistry_V20150921." + operation.Name, operation.Target);
            var method = methods[operation.Name + "Async"];
            var parameters = method.GetParameters();
            Assert.Equal(2, parameters.Length);
            Assert.Equal(s_model.InputShape(operation.Name), parameters[0].ParameterType.Name);
            Assert.Equal(typeof(CancellationToken), parameters[1].ParameterType);
            Assert.Equal(s_model.OutputShape(operation.Name), method.ReturnType.GetGenericArguments()[0].Name);
            Assert.Equal(operation.RequestTypeInfo.Type, parameters[0].ParameterType);
            Assert.Equal(operation.ResponseTypeInfo.Type, method.ReturnType.GetGenericArguments()[0]);
        }
    }

    [Fact]
    public void Every_public_async_member_of_the_ECR_client_and_its_paginators_takes_a_cancellation_token_last()
    {
        var missing = new[] { typeof(EcrClient), typeof(IEcrClient), typeof(EcrPaginators) }
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal))
            .Where(m => m.GetParameters() is var p && (p.Length == 0 || p[^1].ParameterType != typeof(CancellationToken)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToArray();

        Assert.Empty(missing);
        Assert.Equal(24, typeof(EcrClient).GetMethods().Count(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && m.DeclaringType == typeof(EcrClient)));
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public void The_types_of_an_operation_have_every_modelled_member_with_its_type_and_requiredness(string operation)
    {
        var problems = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        CompareStructure(s_model.InputShape(operation), Operation(operation).RequestTypeInfo.Type, visited, problems);
        CompareStructure(s_model.OutputShape(operation), Operation(operation).ResponseTypeInfo.Type, visited, problems);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_enum_lists_exactly_the_models_values()
    {
        var enumTypes = typeof(IEcrClient).Assembly.GetExportedTypes()
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEcrEnum<>)))
            .ToArray();

        Assert.Equal(17, enumTypes.Length);
        foreach (var type in enumTypes)
        {
            var modelled = s_model.Shape(type.Name)["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
            var known = ((IEnumerable)type.GetProperty("KnownValues")!.GetValue(null)!).Cast<object>().Select(v => v.ToString()!).ToArray();
            Assert.Equal(modelled, known);
        }
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public void A_request_with_every_property_set_is_written_with_only_modelled_members_of_modelled_types(string operation)
    {
        // Given a request whose every property (and every nested property) is set
        var op = Operation(operation);
        var request = ObjectFiller.Fill(op.RequestTypeInfo.Type, requiredOnly: false);

        // When the marshaller writes it
        var json = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(request, op.RequestTypeInfo))!;

        // Then it is a valid instance of the input shape and names every member of it
        var problems = s_model.Validate(json, s_model.InputShape(operation), checkConstraints: false);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine + json.ToJsonString());
        Assert.Equal(s_model.Members(s_model.InputShape(operation)).Order(), json.AsObject().Select(p => p.Key).Order());
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public void A_request_with_only_its_required_members_set_omits_every_other_member(string operation)
    {
        var op = Operation(operation);
        var request = ObjectFiller.Fill(op.RequestTypeInfo.Type, requiredOnly: true);

        var json = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(request, op.RequestTypeInfo))!;

        var problems = s_model.Validate(json, s_model.InputShape(operation), checkConstraints: false);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine + json.ToJsonString());
        Assert.Equal(s_model.RequiredMembers(s_model.InputShape(operation)).Order(), json.AsObject().Select(p => p.Key).Order());
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public void A_fully_populated_modelled_request_reads_into_the_request_type_and_is_written_back_unchanged(string operation)
    {
        // Given JSON generated from the model with every member of the input shape
        var op = Operation(operation);
        var generated = s_model.Generate(s_model.InputShape(operation));
        Assert.Empty(s_model.Validate(generated, s_model.InputShape(operation)));

        // When it goes through the request type
        var request = JsonSerializer.Deserialize(generated.ToJsonString(), op.RequestTypeInfo);
        var written = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(request, op.RequestTypeInfo));

        // Then nothing is lost or renamed
        JsonAssert.Equal(generated, written);
    }

    [Theory]
    [MemberData(nameof(OperationNames))]
    public void A_fully_populated_modelled_response_is_read_completely(string operation)
    {
        // Given a response generated from the model with every member of the output shape
        var op = Operation(operation);
        var generated = s_model.Generate(s_model.OutputShape(operation));

        // When the unmarshaller reads it
        var response = JsonSerializer.Deserialize(generated.ToJsonString(), op.ResponseTypeInfo);

        // Then every member arrived: written back, it is the same document
        var written = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(response, op.ResponseTypeInfo));
        JsonAssert.Equal(generated, written);
    }

    [Fact]
    public void Scan_findings_read_every_basic_and_enhanced_member_with_its_type()
    {
        // Given a modelled DescribeImageScanFindings response
        var generated = s_model.Generate("DescribeImageScanFindingsResponse");

        // When it is read
        var response = JsonSerializer.Deserialize(generated.ToJsonString(), EcrOperations.DescribeImageScanFindings.ResponseType)!;

        // Then the typed values are there
        var findings = response.ImageScanFindings!;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), findings.ImageScanCompletedAt);
        Assert.Equal(6, findings.FindingSeverityCounts!.Count);
        Assert.Equal(7, findings.FindingSeverityCounts[FindingSeverity.Critical]);
        var basic = Assert.Single(findings.Findings!);
        Assert.Equal(FindingSeverity.Informational, basic.Severity);
        Assert.Equal("AttributeKey", Assert.Single(basic.Attributes!).Key);
        var enhanced = Assert.Single(findings.EnhancedFindings!);
        Assert.Equal("123456789012", enhanced.AwsAccountId);
        Assert.Equal(7.5, enhanced.Score);
        Assert.Equal("FixAvailable", enhanced.FixAvailable);
        Assert.Equal("ExploitAvailable", enhanced.ExploitAvailable);
        var details = enhanced.PackageVulnerabilityDetails!;
        Assert.Equal(7.5, Assert.Single(details.Cvss!).BaseScore);
        var package = Assert.Single(details.VulnerablePackages!);
        Assert.Equal(7, package.Epoch);
        Assert.Equal("FixedInVersion", package.FixedInVersion);
        Assert.Equal("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", enhanced.Remediation!.Recommendation!.Url);
        Assert.Equal(7.5, enhanced.ScoreDetails!.Cvss!.Score);
        Assert.Equal("Metric", Assert.Single(enhanced.ScoreDetails.Cvss.Adjustments!).Metric);
        var resource = Assert.Single(enhanced.Resources!);
        Assert.Equal("key-1", Assert.Single(resource.Tags!).Key);
        Assert.Equal(5_000_000_000L, resource.Details!.AwsEcrContainerImage!.InUseCount);
    }

    [Fact]
    public void Enum_values_the_model_does_not_list_are_kept_not_refused()
    {
        var json = """{"imageScanStatus":{"status":"SOMETHING_NEW"},"imageScanFindings":{"findingSeverityCounts":{"CATASTROPHIC":2,"HIGH":1},"findings":[{"severity":"CATASTROPHIC"}]}}"""u8;

        var response = JsonSerializer.Deserialize(json, EcrOperations.DescribeImageScanFindings.ResponseType)!;

        Assert.Equal("SOMETHING_NEW", response.ImageScanStatus!.Status!.Value.Value);
        Assert.False(response.ImageScanStatus.Status.Value.IsKnown);
        Assert.Equal(2, response.ImageScanFindings!.FindingSeverityCounts![new FindingSeverity("CATASTROPHIC")]);
        Assert.Equal(1, response.ImageScanFindings.FindingSeverityCounts[FindingSeverity.High]);
        Assert.Equal("CATASTROPHIC", response.ImageScanFindings.Findings![0].Severity.ToString());
        var written = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(response, EcrOperations.DescribeImageScanFindings.ResponseType));
        JsonAssert.Equal(JsonNode.Parse(json), written);
    }

    [Theory]
    [InlineData("1700000000", 1_700_000_000_000L)]
    [InlineData("1700000000.123", 1_700_000_000_123L)]
    [InlineData("1.7000000001E9", 1_700_000_000_100L)]
    [InlineData("\"1700000000.5\"", 1_700_000_000_500L)]
    [InlineData("\"2023-11-14T22:13:20.250Z\"", 1_700_000_000_250L)]
    public void Timestamps_are_read_from_epoch_seconds_whole_fractional_or_in_a_string(string value, long expectedMilliseconds)
    {
        var json = System.Text.Encoding.UTF8.GetBytes($$"""{"authorizationData":[{"expiresAt":{{value}}}]}""");

        var response = JsonSerializer.Deserialize(json, EcrOperations.GetAuthorizationToken.ResponseType)!;

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedMilliseconds), response.AuthorizationData![0].ExpiresAt);
    }

    [Theory]
    [InlineData(1_700_000_000_000L, "1700000000")]
    [InlineData(1_700_000_000_250L, "1700000000.25")]
    public void Timestamps_are_written_as_epoch_seconds(long milliseconds, string expected)
    {
        var response = new GetLifecyclePolicyResponse { LastEvaluatedAt = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) };

        var json = System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, EcrOperations.GetLifecyclePolicy.ResponseType));

        Assert.Equal($$"""{"lastEvaluatedAt":{{expected}}}""", json);
    }

    [Fact]
    public void Tags_are_written_with_the_capitalised_Key_and_Value_of_the_model()
    {
        var request = new TagResourceRequest { ResourceArn = "arn:aws:ecr:us-east-1:123456789012:repository/app", Tags = [new Tag { Key = "team", Value = "payments" }] };

        var json = System.Text.Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(request, EcrOperations.TagResource.RequestType));

        Assert.Equal("""{"resourceArn":"arn:aws:ecr:us-east-1:123456789012:repository/app","tags":[{"Key":"team","Value":"payments"}]}""", json);
    }

    [Fact]
    public void An_empty_input_is_written_as_an_empty_object()
    {
        Assert.Equal("{}"u8.ToArray(), JsonSerializer.SerializeToUtf8Bytes(new GetAuthorizationTokenRequest(), EcrOperations.GetAuthorizationToken.RequestType));
        Assert.Equal("{}"u8.ToArray(), JsonSerializer.SerializeToUtf8Bytes(new GetRegistryScanningConfigurationRequest(), EcrOperations.GetRegistryScanningConfiguration.RequestType));
    }

    [Fact]
    public void A_policy_document_keeps_its_text_exactly()
    {
        var policy = """{"Version":"2012-10-17","Statement":[{"Sid":"a<b>&'c","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}""";
        var request = new SetRepositoryPolicyRequest { RepositoryName = "app", PolicyText = policy };

        var json = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(request, EcrOperations.SetRepositoryPolicy.RequestType))!;

        Assert.Equal(policy, json["policyText"]!.GetValue<string>());
    }

    [Fact]
    public void An_authorization_token_never_appears_in_ToString()
    {
        const string token = "QVdTOmNhbmFyeS1zZWNyZXQtdmFsdWU=";
        var response = new GetAuthorizationTokenResponse
        {
            AuthorizationData = [new AuthorizationData { AuthorizationToken = token, ExpiresAt = DateTimeOffset.UnixEpoch, ProxyEndpoint = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com" }],
        };

        Assert.DoesNotContain(token, response.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, response.AuthorizationData[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("redacted", response.ToString(), StringComparison.Ordinal);
        Assert.Contains("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_missing_a_required_member_is_not_valid_JSON_for_the_shape()
    {
        var json = """{"referrers":[{"digest":"sha256:abc","size":1}]}"""u8.ToArray();

        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, EcrOperations.ListImageReferrers.ResponseType));
    }

    private static void CompareStructure(string shape, Type type, HashSet<string> visited, List<string> problems)
    {
        if (!visited.Add(shape))
        {
            return;
        }

        var expectedName = s_renamed.FirstOrDefault(r => r.Value == shape).Key ?? shape;
        if (type.Name != expectedName)
        {
            problems.Add($"shape '{shape}' is the C# type {type.Name}, expected {expectedName}");
        }

        var definition = s_model.Shape(shape);
        var members = definition["members"]!.AsObject();
        var required = s_model.RequiredMembers(shape).ToHashSet(StringComparer.Ordinal);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var (member, memberDefinition) in members)
        {
            var propertyName = char.ToUpperInvariant(member[0]) + member[1..];
            if (!properties.Remove(propertyName, out var property))
            {
                problems.Add($"{type.Name}: no property {propertyName} for member '{member}'");
                continue;
            }

            var isRequired = property.GetCustomAttributes().Any(a => a.GetType().Name == "RequiredMemberAttribute");
            if (isRequired != required.Contains(member))
            {
                problems.Add($"{type.Name}.{propertyName}: required in C# is {isRequired}, in the model {required.Contains(member)}");
            }

            var nullability = new NullabilityInfoContext().Create(property);
            if (!isRequired && nullability.WriteState != NullabilityState.Nullable)
            {
                problems.Add($"{type.Name}.{propertyName}: optional members must be nullable (omitted when null)");
            }

            CompareType(memberDefinition!["shape"]!.GetValue<string>(), property.PropertyType, $"{type.Name}.{propertyName}", visited, problems);
        }

        foreach (var extra in properties.Keys)
        {
            problems.Add($"{type.Name}.{extra}: not a member of '{shape}'");
        }
    }

    private static void CompareType(string shape, Type type, string where, HashSet<string> visited, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var definition = s_model.Shape(shape);
        var kind = definition["type"]!.GetValue<string>();
        switch (kind)
        {
            case "structure":
                CompareStructure(shape, type, visited, problems);
                return;
            case "list":
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IReadOnlyList<>))
                {
                    problems.Add($"{where}: list '{shape}' should be IReadOnlyList<>, is {type.Name}");
                    return;
                }

                CompareType(definition["member"]!["shape"]!.GetValue<string>(), type.GetGenericArguments()[0], where + "[]", visited, problems);
                return;
            case "map":
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IReadOnlyDictionary<,>))
                {
                    problems.Add($"{where}: map '{shape}' should be IReadOnlyDictionary<,>, is {type.Name}");
                    return;
                }

                CompareType(definition["key"]!["shape"]!.GetValue<string>(), type.GetGenericArguments()[0], where + "<key>", visited, problems);
                CompareType(definition["value"]!["shape"]!.GetValue<string>(), type.GetGenericArguments()[1], where + "<value>", visited, problems);
                return;
        }

        var expected = kind switch
        {
            "string" when definition["enum"] is not null => shape,
            "string" => nameof(String),
            "integer" => nameof(Int32),
            "long" => nameof(Int64),
            "double" => nameof(Double),
            "boolean" => nameof(Boolean),
            "timestamp" => nameof(DateTimeOffset),
            _ => "?" + kind,
        };
        if (type.Name != expected)
        {
            problems.Add($"{where}: {kind} '{shape}' should be {expected}, is {type.Name}");
        }
    }
}
