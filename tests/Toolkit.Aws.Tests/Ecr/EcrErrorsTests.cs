using System.Net;
using System.Text.Json;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>The table from the model's error shapes to error types, codes, exception classes and advice.</summary>
public class EcrErrorsTests
{
    public static TheoryData<string> ModelledErrors() => [.. EcrServiceModel.Instance.ErrorShapes];

    [Fact]
    public void Every_error_shape_of_the_model_is_a_named_error_type_and_nothing_else_is()
    {
        var modelled = EcrServiceModel.Instance.ErrorShapes.Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(47, modelled.Length);
        Assert.Equal(modelled, EcrErrorType.KnownValues.Select(t => t.Value).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ModelledErrors))]
    public void Every_modelled_error_has_its_own_entry_with_an_ecr_code_and_advice(string errorShape)
    {
        var type = new EcrErrorType(errorShape);
        var details = Details(type);

        var exception = EcrErrors.Create(details);

        Assert.True(EcrErrors.IsModelled(type));
        Assert.StartsWith("TK30", exception.Code, StringComparison.Ordinal);
        Assert.InRange(int.Parse(exception.Code[2..], System.Globalization.CultureInfo.InvariantCulture), 3030, 3049);
        Assert.Equal(type, exception.EcrErrorType);
        Assert.Equal(errorShape, exception.ErrorType);
        Assert.Equal("req-1234", exception.RequestId);
        Assert.Contains("(AWS request ID req-1234)", exception.Message, StringComparison.Ordinal);
        Assert.Contains(errorShape, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("The message above gives Amazon ECR's reason", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ModelledErrors))]
    public void An_error_with_a_subclass_named_after_it_is_thrown_as_that_subclass(string errorShape)
    {
        var subclass = typeof(EcrServiceException).Assembly.GetType("Toolkit.Aws.Ecr." + errorShape);

        var exception = EcrErrors.Create(Details(new EcrErrorType(errorShape)));

        Assert.Equal(subclass ?? typeof(EcrServiceException), exception.GetType());
    }

    [Fact]
    public void The_errors_callers_catch_have_their_own_exception_types_and_codes()
    {
        Assert.IsType<RepositoryNotFoundException>(EcrErrors.Create(Details(EcrErrorType.RepositoryNotFound)));
        Assert.Equal(ErrorCodes.EcrRepositoryNotFound, EcrErrors.Create(Details(EcrErrorType.RepositoryNotFound)).ErrorCode);
        Assert.Equal(ErrorCodes.EcrRepositoryAlreadyExists, Assert.IsType<RepositoryAlreadyExistsException>(EcrErrors.Create(Details(EcrErrorType.RepositoryAlreadyExists))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrImageTagImmutable, Assert.IsType<ImageTagAlreadyExistsException>(EcrErrors.Create(Details(EcrErrorType.ImageTagAlreadyExists))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrLifecyclePolicyNotFound, Assert.IsType<LifecyclePolicyNotFoundException>(EcrErrors.Create(Details(EcrErrorType.LifecyclePolicyNotFound))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrPolicyNotFound, Assert.IsType<RepositoryPolicyNotFoundException>(EcrErrors.Create(Details(EcrErrorType.RepositoryPolicyNotFound))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrScanNotFound, Assert.IsType<ScanNotFoundException>(EcrErrors.Create(Details(EcrErrorType.ScanNotFound))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrLimitExceeded, Assert.IsType<LimitExceededException>(EcrErrors.Create(Details(EcrErrorType.LimitExceeded))).ErrorCode);
        Assert.Equal(ErrorCodes.EcrServerError, Assert.IsType<ServerException>(EcrErrors.Create(Details(EcrErrorType.Server))).ErrorCode);
        Assert.Equal(ErrorKind.InvalidInput, Assert.IsType<ValidationException>(EcrErrors.Create(Details(EcrErrorType.Validation))).Kind);
        Assert.True(EcrErrors.Create(Details(EcrErrorType.Server)).IsServerFault);
        Assert.False(EcrErrors.Create(Details(EcrErrorType.RepositoryNotFound)).IsServerFault);
    }

    [Fact]
    public void KmsException_carries_kmsError_and_InvalidLayerPartException_lastValidByteReceived()
    {
        var kms = Assert.IsType<KmsException>(EcrErrors.Create(Details(EcrErrorType.Kms, """{"message":"no key","kmsError":"NotFoundException"}""")));
        var part = Assert.IsType<InvalidLayerPartException>(EcrErrors.Create(Details(
            EcrErrorType.InvalidLayerPart,
            """{"message":"bad part","registryId":"123456789012","repositoryName":"app","uploadId":"u-1","lastValidByteReceived":5242879}""")));

        Assert.Equal("NotFoundException", kms.KmsError);
        Assert.Equal(ErrorCodes.EcrKmsError, kms.ErrorCode);
        Assert.Equal(5_242_879L, part.LastValidByteReceived);
        Assert.Equal("u-1", part.UploadId);
        Assert.Equal("app", part.RepositoryName);
        Assert.Equal("123456789012", part.RegistryId);
    }

    [Theory]
    [InlineData("RepositoryNotFoundException", "RepositoryNotFoundException")]
    [InlineData("com.amazonaws.ecr#RepositoryNotFoundException", "RepositoryNotFoundException")]
    [InlineData("RepositoryNotFoundException:http://internal.amazon.com/coral/com.amazonaws.ecr/", "RepositoryNotFoundException")]
    [InlineData("com.amazonaws.ecr#RepositoryNotFoundException:http://internal.amazon.com/coral/com.amazonaws.ecr/", "RepositoryNotFoundException")]
    [InlineData(" aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/ ", "FooError")]
    public void Error_types_are_sanitised_as_the_AWS_JSON_protocol_says(string raw, string expected)
    {
        Assert.Equal(new EcrErrorType(expected), EcrErrorType.Parse(raw));
    }

    [Fact]
    public void An_unmodelled_error_type_is_not_claimed_by_the_ECR_table()
    {
        Assert.False(EcrErrors.IsModelled(new EcrErrorType("AccessDeniedException")));
        Assert.False(EcrErrors.IsModelled(new EcrErrorType("ThrottlingException")));
        Assert.Equal(ErrorCodes.EcrRequestFailed, EcrErrors.Create(Details(new EcrErrorType("SomethingNewException"))).ErrorCode);
    }

    [Fact]
    public void The_message_says_what_to_do_and_bounds_the_service_message()
    {
        var exception = EcrErrors.Create(Details(EcrErrorType.RepositoryNotFound) with { Message = "The repository with name 'app' does not exist in the registry with id '123456789012'" });
        var longOne = EcrErrors.Create(Details(EcrErrorType.Server) with { Message = new string('x', 5000) });

        Assert.Equal(
            "ECR DescribeRepositories failed with RepositoryNotFoundException (HTTP 400): The repository with name 'app' does not exist in the registry with id '123456789012' (AWS request ID req-1234). "
            + "Check the repository name, the region and the registry (account) id, or create the repository with `dotnet toolkit ecr ensure-repository <name>`.",
            exception.Message);
        Assert.InRange(longOne.Message.Length, 1024, 1300);
    }

    private static AwsServiceError Details(EcrErrorType type, string body = """{"message":"it failed"}""")
    {
        var root = JsonDocument.Parse(body).RootElement;
        return new AwsServiceError(
            "ECR",
            "DescribeRepositories",
            type.Value,
            root.GetProperty("message").GetString()!,
            type == EcrErrorType.Server ? HttpStatusCode.InternalServerError : HttpStatusCode.BadRequest,
            "req-1234",
            root.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal));
    }
}
