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

    [Fact]
    public void An_unknown_Format_fails_with_TK2019_naming_ToolkitPushFormat_and_pushes_nothing()
    {
        // Given
        var task = NewTask($"oci:{_temp.Combine("image")}");
        task.Format = "v2s2";

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("TK2019", error.Code);
        Assert.Contains("ToolkitPushFormat 'v2s2'", error.Message, StringComparison.Ordinal);
        Assert.Empty(task.PushedDigest);
    }

    [Fact]
    public async Task Format_Docker_as_the_SDK_spells_it_pushes_a_Docker_manifest_to_a_real_registry()
    {
        // Given a built layout and a real distribution registry
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var publish = _temp.Combine("publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "Hello"), "app host");
        var build = new BuildImage
        {
            BuildEngine = _engine,
            PublishDirectory = publish,
            AssemblyName = "Hello",
            Output = $"oci:{_temp.Combine("image")}",
            Tags = ["1"],
            RuntimeIdentifier = "linux-x64",
            SourceDateEpoch = "1700000000",
        };
        Assert.True(build.Execute(), string.Join(Environment.NewLine, _engine.Errors.Select(e => e.Message)));
        var push = NewTask($"oci:{_temp.Combine("image")}");
        push.Registry = registry.HostPort;
        push.InsecureRegistries = [registry.HostPort];
        push.Format = "Docker";

        // When
        var succeeded = push.Execute();

        // Then
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => e.Message)));
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/app:1"]);
        Assert.Equal(push.PushedDigest, Toolkit.Core.Oci.Digest.Compute(raw.StandardOutputBytes).ToString());
        Assert.Contains("\"application/vnd.docker.distribution.manifest.v2+json\"", raw.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(build.ImageDigest, push.PushedDigest);
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
