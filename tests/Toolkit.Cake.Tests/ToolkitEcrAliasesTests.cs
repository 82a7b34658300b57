using Cake.Core;
using Toolkit.Testing;

namespace Toolkit.Cake.Tests;

/// <summary>The ECR aliases' checks that come before any AWS request (the aliases against the ECR emulator run in <see cref="CakeAddinTests"/>).</summary>
public sealed class ToolkitEcrAliasesTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-cake-ecr");

    public void Dispose() => _temp.Dispose();

    private FakeCakeContext Context() => new(_temp.Path, new Dictionary<string, string>());

    [Fact]
    public void ToolkitEcrEnsureRepository_with_null_settings_fails_with_TK3070_for_the_missing_name()
    {
        var error = Assert.Throws<CakeException>(() => Context().ToolkitEcrEnsureRepository(null));

        Assert.StartsWith("TK3070: '' is not an ECR repository name", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void A_malformed_lifecycle_policy_fails_with_TK3072_and_its_position_relative_to_the_working_directory()
    {
        File.WriteAllText(_temp.Combine("lifecycle.json"), "{\n  \"rules\": [}\n");

        var error = Assert.Throws<CakeException>(() => Context().ToolkitEcrEnsureRepository(new ToolkitEcrRepositorySettings { Name = "app", LifecyclePolicy = "lifecycle.json", Region = "us-east-1" }));

        Assert.StartsWith($"TK3072: {_temp.Combine("lifecycle.json")} is not well-formed JSON at line 2, column 13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contradictory_tag_mutability_fails_with_TK3070()
    {
        var settings = new ToolkitEcrRepositorySettings { Name = "app", ImmutableTags = false };
        settings.ImmutableTagExclusions.Add("latest");

        var error = Assert.Throws<CakeException>(() => Context().ToolkitEcrEnsureRepository(settings));

        Assert.StartsWith("TK3070: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolkitEcrLogin_to_a_host_that_is_not_ECR_fails_with_TK3078()
    {
        var error = Assert.Throws<CakeException>(() => Context().ToolkitEcrLogin(new ToolkitEcrLoginSettings { Registry = "ghcr.io" }));

        Assert.StartsWith("TK3078: ", error.Message, StringComparison.Ordinal);
    }
}
