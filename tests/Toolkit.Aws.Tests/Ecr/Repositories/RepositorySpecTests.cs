using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr.Repositories;

public class RepositorySpecTests
{
    private static ToolkitException Refused(RepositorySpec spec)
    {
        var error = Assert.Throws<ToolkitException>(spec.Validate);
        Assert.Equal(ErrorCodes.InvalidRepositorySettings, error.ErrorCode);
        return error;
    }

    [Theory]
    [InlineData("app")]
    [InlineData("team/app")]
    [InlineData("team-a/app_1.web")]
    [InlineData("a__b/c--d")]
    public void ECR_repository_names_are_accepted(string name)
    {
        new RepositorySpec { Name = name }.Validate();
    }

    [Theory]
    [InlineData("App")]
    [InlineData("a")]
    [InlineData("team//app")]
    [InlineData("-app")]
    [InlineData("app/")]
    [InlineData("app:1")]
    public void Names_ECR_refuses_are_TK3070(string name)
    {
        var error = Refused(new RepositorySpec { Name = name });

        Assert.Contains($"'{name}' is not an ECR repository name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tag_mutability_values_follow_immutability_and_exclusions()
    {
        Assert.Equal("MUTABLE", TagMutabilitySpec.Mutable.Value);
        Assert.Equal("IMMUTABLE", TagMutabilitySpec.ImmutableTags.Value);
        Assert.Equal("IMMUTABLE_WITH_EXCLUSION", new TagMutabilitySpec(true, ["latest"]).Value);
        Assert.Equal("MUTABLE_WITH_EXCLUSION", new TagMutabilitySpec(false, ["v*"]).Value);
    }

    [Fact]
    public void Exclusion_filters_compare_as_a_set()
    {
        Assert.Equal(new TagMutabilitySpec(true, ["a", "b*"]), new TagMutabilitySpec(true, ["b*", "a"]));
        Assert.NotEqual(new TagMutabilitySpec(true, ["a"]), new TagMutabilitySpec(false, ["a"]));
    }

    [Theory]
    [InlineData("dev/*")]
    [InlineData("")]
    [InlineData("a b")]
    public void Exclusion_filters_outside_the_model_pattern_are_TK3070(string filter)
    {
        Refused(new RepositorySpec { Name = "app", TagMutability = new TagMutabilitySpec(true, [filter]) });
    }

    [Fact]
    public void More_than_five_exclusion_filters_are_TK3070()
    {
        var error = Refused(new RepositorySpec { Name = "app", TagMutability = new TagMutabilitySpec(true, ["a", "b", "c", "d", "e", "f"]) });

        Assert.Contains("at most 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_are_checked_against_AWS_limits()
    {
        Refused(new RepositorySpec { Name = "app", Tags = new Dictionary<string, string> { ["aws:owner"] = "x" } });
        Refused(new RepositorySpec { Name = "app", Tags = new Dictionary<string, string> { [new string('k', 129)] = "x" } });
        Refused(new RepositorySpec { Name = "app", Tags = new Dictionary<string, string> { ["k"] = new string('v', 257) } });
        Refused(new RepositorySpec { Name = "app", Tags = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v") });
    }

    [Theory]
    [InlineData(null, null, "AES256", null)]
    [InlineData(null, "alias/ecr", "KMS", "alias/ecr")]
    [InlineData("kms-dsse", "arn:aws:kms:us-east-1:111122223333:key/1234", "KMS_DSSE", "arn:aws:kms:us-east-1:111122223333:key/1234")]
    [InlineData("aes256", " ", "AES256", null)]
    public void Encryption_is_parsed_from_a_type_and_a_key(string? type, string? key, string expectedType, string? expectedKey)
    {
        var encryption = RepositoryEncryption.Parse(type, key);

        Assert.Equal(new RepositoryEncryption(expectedType, expectedKey), encryption);
    }

    [Fact]
    public void A_key_with_AES256_or_an_unknown_type_is_TK3070()
    {
        Refused(new RepositorySpec { Name = "app", Encryption = RepositoryEncryption.Parse("AES256", "alias/x") });
        Refused(new RepositorySpec { Name = "app", Encryption = RepositoryEncryption.Parse("SM4", null) });
    }
}

public class TagMutabilitySpecTests
{
    [Fact]
    public void Nothing_asked_leaves_mutability_unmanaged()
    {
        Assert.Null(TagMutabilitySpec.From(null, [], []));
    }

    [Fact]
    public void Exceptions_imply_the_mode_they_are_exceptions_to()
    {
        Assert.Equal(new TagMutabilitySpec(true, ["latest"]), TagMutabilitySpec.From(null, ["latest"], null));
        Assert.Equal(new TagMutabilitySpec(false, ["v*"]), TagMutabilitySpec.From(null, null, ["v*"]));
        Assert.Equal(TagMutabilitySpec.Mutable, TagMutabilitySpec.From(false, null, null));
    }

    [Theory]
    [InlineData(null, "a", "b")]
    [InlineData(false, "a", null)]
    [InlineData(true, null, "b")]
    public void Contradictions_are_TK3070(bool? immutable, string? immutableExclusion, string? mutableExclusion)
    {
        var error = Assert.Throws<ToolkitException>(() => TagMutabilitySpec.From(immutable, immutableExclusion is null ? [] : [immutableExclusion], mutableExclusion is null ? [] : [mutableExclusion]));

        Assert.Equal(ErrorCodes.InvalidRepositorySettings, error.ErrorCode);
    }
}
