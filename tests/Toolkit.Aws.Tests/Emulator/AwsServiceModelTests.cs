using System.Text.Json;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>The model validator on the official ECR model: each rule it checks, with the path and rule it reports.</summary>
public sealed class AwsServiceModelTests
{
    private static AwsServiceModel Ecr => AwsServiceModel.Ecr;

    [Fact]
    public void The_ECR_model_is_AWS_JSON_1_1_signed_as_ecr_and_every_pattern_compiles()
    {
        Assert.Equal("json", Ecr.Protocol);
        Assert.Equal("1.1", Ecr.JsonVersion);
        Assert.Equal("AmazonEC2ContainerRegistry_V20150921", Ecr.TargetPrefix);
        Assert.Equal("ecr", Ecr.SigningName);
        Assert.Equal("CreateRepositoryRequest", Ecr.Operations["CreateRepository"].InputShape);
        Assert.Contains("KmsException", Ecr.Operations["CreateRepository"].Errors);
        Assert.Empty(Ecr.UncheckedPatterns);
        Assert.True(Ecr.Shape("ServerException").IsFault);
        Assert.False(Ecr.Shape("RepositoryNotFoundException").IsFault);
    }

    [Fact]
    public void A_valid_request_has_no_violation()
    {
        var violations = Validate("CreateRepositoryRequest", """
            {"repositoryName":"team/app","imageTagMutability":"IMMUTABLE_WITH_EXCLUSION",
             "imageTagMutabilityExclusionFilters":[{"filterType":"WILDCARD","filter":"dev-*"}],
             "imageScanningConfiguration":{"scanOnPush":true},"encryptionConfiguration":{"encryptionType":"KMS","kmsKey":"alias/app"},
             "tags":[{"Key":"team","Value":"platform"}]}
            """);

        Assert.Empty(violations);
    }

    [Theory]
    [InlineData("CreateRepositoryRequest", """{}""", "repositoryName", ModelViolationKind.Required, "must not be null")]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":null}""", "repositoryName", ModelViolationKind.Required, "must not be null")]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"app","extra":1}""", "extra", ModelViolationKind.UnknownMember, null)]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"a"}""", "repositoryName", ModelViolationKind.Length, "must have length greater than or equal to 2")]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"Team/app"}""", "repositoryName", ModelViolationKind.Pattern, null)]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"app","imageTagMutability":"mutable"}""", "imageTagMutability", ModelViolationKind.Enum, null)]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"app","tags":[{"Key":"a"}]}""", "tags[0].Value", ModelViolationKind.Required, "must not be null")]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"app","imageScanningConfiguration":{"scanOnPush":"true"}}""", "imageScanningConfiguration.scanOnPush", ModelViolationKind.Type, null)]
    [InlineData("CreateRepositoryRequest", """{"repositoryName":"app","imageTagMutabilityExclusionFilters":[]}""", "imageTagMutabilityExclusionFilters", ModelViolationKind.Length, "must have length greater than or equal to 1")]
    [InlineData("DescribeRepositoriesRequest", """{"maxResults":0}""", "maxResults", ModelViolationKind.Range, "must have value greater than or equal to 1")]
    [InlineData("DescribeRepositoriesRequest", """{"maxResults":1.5}""", "maxResults", ModelViolationKind.Type, null)]
    [InlineData("DescribeRepositoriesRequest", """{"repositoryNames":"app"}""", "repositoryNames", ModelViolationKind.Type, null)]
    [InlineData("GetAuthorizationTokenRequest", """{"registryIds":["12345678901"]}""", "registryIds[0]", ModelViolationKind.Pattern, "must satisfy regular expression '[0-9]{12}'")]
    [InlineData("GetAuthorizationTokenResponse", """{"authorizationData":[{"expiresAt":"2025-01-01T00:00:00Z"}]}""", "authorizationData[0].expiresAt", ModelViolationKind.Type, null)]
    [InlineData("DescribeImagesResponse", """{"imageDetails":[{"imageScanFindingsSummary":{"findingSeverityCounts":{"SEVERE":1}}}]}""", "imageDetails[0].imageScanFindingsSummary.findingSeverityCounts[\"SEVERE\"] (key)", ModelViolationKind.Enum, null)]
    [InlineData("DescribeImagesResponse", """{"imageDetails":[{"imageScanFindingsSummary":{"findingSeverityCounts":{"HIGH":-1}}}]}""", "imageDetails[0].imageScanFindingsSummary.findingSeverityCounts[\"HIGH\"]", ModelViolationKind.Range, null)]
    [InlineData("UploadLayerPartRequest", """{"repositoryName":"app","uploadId":"0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f","partFirstByte":0,"partLastByte":1,"layerPartBlob":"not base64!"}""", "layerPartBlob", ModelViolationKind.Type, "must be base64 (shape LayerPartBlob is a blob)")]
    public void Each_broken_rule_is_reported_with_its_path(string shape, string json, string path, ModelViolationKind kind, string? rule)
    {
        var violation = Assert.Single(Validate(shape, json));

        Assert.Equal(path, violation.Path);
        Assert.Equal(kind, violation.Kind);
        if (rule is not null)
        {
            Assert.Equal(rule, violation.Rule);
        }
    }

    [Fact]
    public void String_lengths_count_characters_not_UTF_16_units()
    {
        // Two emoji are two characters but four UTF-16 code units: the two-character minimum is met, the pattern is not
        var violations = Validate("CreateRepositoryRequest", """{"repositoryName":"\ud83d\ude00\ud83d\ude00"}""");

        Assert.Equal(ModelViolationKind.Pattern, Assert.Single(violations).Kind);
    }

    [Fact]
    public void An_error_body_may_carry_the_protocols_type_member()
    {
        Assert.Empty(Validate("KmsException", """{"__type":"KmsException","message":"m","kmsError":"NotFoundException"}""", "__type"));
        Assert.Equal("__type", Assert.Single(Validate("KmsException", """{"__type":"KmsException","message":"m"}""")).Path);
    }

    [Fact]
    public void The_Signer_model_loads_too()
    {
        var signer = AwsServiceModel.Load(TestPaths.Spec("aws", "signer", "2017-08-25", "service-2.json"));

        Assert.Equal("rest-json", signer.Protocol);
        Assert.Equal("signer", signer.SigningName);
        Assert.Contains("SignPayload", signer.Operations.Keys);
    }

    private static IReadOnlyList<ModelViolation> Validate(string shape, string json, params string[] ignored)
    {
        using var document = JsonDocument.Parse(json);
        return Ecr.Validate(shape, document.RootElement, ignored);
    }
}
