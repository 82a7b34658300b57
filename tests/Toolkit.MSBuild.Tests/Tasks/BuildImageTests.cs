using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Toolkit.MSBuild.Tasks;
using Toolkit.Testing;

namespace Toolkit.MSBuild.Tests.Tasks;

/// <summary>How <see cref="BuildImage"/> maps MSBuild items and properties onto the image, run without an MSBuild engine.</summary>
public sealed class BuildImageTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-msbuild-task");
    private readonly RecordingBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Ports_take_their_protocol_from_the_Type_metadata_and_default_to_tcp()
    {
        // Given
        var task = NewTask();
        task.Ports = [Item("8080", ("Type", "tcp")), Item("5353", ("Type", "udp")), Item("9000")];

        // When
        var succeeded = task.Execute();

        // Then
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => e.Message)));
        var ports = Config().GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["5353/udp", "8080/tcp", "9000/tcp"], ports);
    }

    [Fact]
    public void Environment_variables_and_labels_take_their_value_from_the_Value_metadata_and_the_last_item_wins()
    {
        // Given
        var task = NewTask();
        task.EnvironmentVariables = [Item("A", ("Value", "1")), Item("B", ("Value", "two words")), Item("A", ("Value", "3"))];
        task.Labels = [Item("com.example.team", ("Value", "payments"))];

        // When
        var succeeded = task.Execute();

        // Then
        Assert.True(succeeded);
        var config = Config();
        Assert.Equal(["A=3", "B=two words"], config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("payments", config.GetProperty("Labels").GetProperty("com.example.team").GetString());
    }

    [Fact]
    public void The_entrypoint_is_the_app_host_in_the_working_directory_unless_UseAppHost_is_false()
    {
        // Given
        var withHost = NewTask();
        var withoutHost = NewTask("no-host");
        withoutHost.UseAppHost = false;

        // When
        Assert.True(withHost.Execute());
        var hostEntrypoint = Strings(Config().GetProperty("Entrypoint"));
        Assert.True(withoutHost.Execute());
        var dllEntrypoint = Strings(Config("no-host").GetProperty("Entrypoint"));

        // Then
        Assert.Equal(["/app/Hello"], hostEntrypoint);
        Assert.Equal(["dotnet", "/app/Hello.dll"], dllEntrypoint);
        Assert.Equal("/app/", Config().GetProperty("WorkingDir").GetString());
    }

    [Fact]
    public void The_image_digest_and_media_type_are_task_outputs()
    {
        // Given
        var task = NewTask();

        // When
        Assert.True(task.Execute());

        // Then
        var image = OciLayoutCheck.Verify(_temp.Combine("image"), "latest");
        Assert.Equal(image.ManifestDigest, task.ImageDigest);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", task.ImageMediaType);
    }

    [Fact]
    public void An_invalid_port_fails_the_task_with_a_TK_code_instead_of_throwing()
    {
        // Given
        var task = NewTask();
        task.Ports = [Item("http")];

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        var error = Assert.Single(_engine.Errors);
        Assert.Matches(@"^TK\d{4}$", error.Code);
        Assert.Contains("'http' is not a port", error.Message, StringComparison.Ordinal);
    }

    private BuildImage NewTask(string output = "image")
    {
        var publish = _temp.Combine("publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "Hello"), "app host");
        File.WriteAllText(Path.Combine(publish, "Hello.dll"), "assembly");
        return new BuildImage
        {
            BuildEngine = _engine,
            PublishDirectory = publish,
            AssemblyName = "Hello",
            Output = $"oci:{_temp.Combine(output)}",
            Tags = ["latest"],
            RuntimeIdentifier = "linux-x64",
            SourceDateEpoch = "1700000000",
        };
    }

    private JsonElement Config(string output = "image") => OciLayoutCheck.Verify(_temp.Combine(output), "latest").ContainerConfig;

    private static ITaskItem Item(string itemSpec, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(itemSpec);
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        return item;
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
