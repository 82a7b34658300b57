using Toolkit.MSBuild.Tasks;
using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests.Tasks;

/// <summary>How <see cref="PushImage"/> reports what it cannot push, run without an MSBuild engine (the push itself: see the publish test).</summary>
public sealed class PushImageTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-msbuild-push");
    private readonly RecordingBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_registry_reference_as_the_source_fails_with_TK2015()
    {
        // Given
        var task = NewTask("127.0.0.1:1/somewhere/else:1");

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        Assert.Equal("TK2015", Assert.Single(_engine.Errors).Code);
    }

    [Fact]
    public void No_tag_fails_with_TK2019_and_pushes_nothing()
    {
        // Given
        var task = NewTask($"oci:{_temp.Combine("image")}");
        task.Tags = [" "];

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        Assert.Equal("TK2019", Assert.Single(_engine.Errors).Code);
        Assert.Empty(task.PushedDigest);
    }

    [Fact]
    public void A_layout_that_does_not_exist_fails_with_a_TK_code_that_names_it()
    {
        // Given
        var missing = _temp.Combine("missing");
        var task = NewTask($"oci:{missing}");

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        var error = Assert.Single(_engine.Errors);
        Assert.Matches(@"^TK2\d{3}$", error.Code);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    private PushImage NewTask(string source) => new()
    {
        BuildEngine = _engine,
        Source = source,
        Registry = "127.0.0.1:1",
        Repository = "app",
        Tags = ["1"],
        InsecureRegistries = ["127.0.0.1:1"],
    };
}
