using Toolkit.Aws.Ecr.Repositories;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr.Repositories;

public class ReplicationSpecTests
{
    [Theory]
    [InlineData("eu-west-1", "eu-west-1", null)]
    [InlineData("eu-west-1:111122223333", "eu-west-1", "111122223333")]
    [InlineData(" us-gov-west-1 : 111122223333 ", "us-gov-west-1", "111122223333")]
    public void Destinations_are_a_region_and_an_optional_account(string text, string region, string? account)
    {
        Assert.Equal(new ReplicationTarget(region, account), ReplicationTarget.Parse(text));
    }

    [Theory]
    [InlineData("EU-WEST-1")]
    [InlineData("eu-west-1:1234")]
    [InlineData("")]
    public void Other_destinations_are_TK3077(string text)
    {
        var error = Assert.Throws<ToolkitException>(() => ReplicationTarget.Parse(text));

        Assert.Equal(ErrorCodes.InvalidReplicationSettings, error.ErrorCode);
    }

    [Fact]
    public void Prefixes_follow_the_model_pattern()
    {
        var spec = new ReplicationSpec { Rules = [new ReplicationRuleSpec { Destinations = [new("eu-west-1", null)], RepositoryPrefixes = ["Team/"] }] };

        var error = Assert.Throws<ToolkitException>(spec.Validate);

        Assert.Contains("'Team/' is not a repository name prefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_canonical_form_sorts_destinations_and_filters_and_fills_the_own_account()
    {
        var a = ReplicationSpec.Canonical([new ReplicationRuleSpec { Destinations = [new("us-west-2", null), new("eu-west-1", "111122223333")], RepositoryPrefixes = ["b", "a/"] }], "444455556666");
        var b = ReplicationSpec.Canonical([new ReplicationRuleSpec { Destinations = [new("eu-west-1", "111122223333"), new("us-west-2", "444455556666")], RepositoryPrefixes = ["a/", "b"] }], "444455556666");

        Assert.Equal(a, b);
        Assert.Contains("\"registryId\": \"444455556666\"", a, StringComparison.Ordinal);
        Assert.True(a.IndexOf("eu-west-1", StringComparison.Ordinal) < a.IndexOf("us-west-2", StringComparison.Ordinal));
    }
}
