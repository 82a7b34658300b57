using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Core.Referrers;
using Toolkit.Core.Storage;
using Toolkit.MSBuild.Tasks;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.MSBuild.Tests.Tasks;

/// <summary>How <see cref="GenerateSbom"/> and <see cref="AttachSbom"/> map their parameters onto the SBOM stage, run without an MSBuild engine.</summary>
public sealed class GenerateSbomTests : IDisposable
{
    private const string CycloneDxType = "application/vnd.cyclonedx+json";

    // The shape of a framework-dependent app's deps.json as dotnet publish writes it: one package, one project.
    private const string DepsJson = """
        {
          "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0/linux-x64", "signature": "" },
          "targets": {
            ".NETCoreApp,Version=v10.0/linux-x64": {
              "Hello/1.0.0": { "dependencies": { "Newtonsoft.Json": "13.0.3" }, "runtime": { "Hello.dll": {} } },
              "Newtonsoft.Json/13.0.3": { "runtime": { "lib/net6.0/Newtonsoft.Json.dll": { "assemblyVersion": "13.0.0.0", "fileVersion": "13.0.3.27908" } } }
            }
          },
          "libraries": {
            "Hello/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
            "Newtonsoft.Json/13.0.3": { "type": "package", "serviceable": true, "sha512": "sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==", "path": "newtonsoft.json/13.0.3", "hashPath": "newtonsoft.json.13.0.3.nupkg.sha512" }
          }
        }
        """;

    private readonly TemporaryDirectory _temp = new("tk-msbuild-sbom");
    private readonly RecordingBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task An_image_tagged_twice_in_a_layout_is_described_under_its_name_and_first_tag_written_and_attached()
    {
        // Given an image the build tagged 1.0 and stable in an oci: layout
        var layout = _temp.Combine("image");
        var digest = BuildImage($"oci:{layout}", "1.0", "stable");
        var output = _temp.Combine("sbom", "hello.cdx.json");
        var task = new GenerateSbom
        {
            BuildEngine = _engine,
            Image = $"oci:{layout}",
            ImageTags = ["1.0", "stable"],
            ImageName = "registry.example.com/team/hello",
            Output = output,
            Attach = true,
            SourceDateEpoch = "1700000000",
        };

        // When
        var succeeded = task.Execute();

        // Then the document describes the image as it will be known in its registry, and is its referrer
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => $"{e.Code}: {e.Message}")));
        Assert.Equal(output, task.OutputFile);
        var bytes = await File.ReadAllBytesAsync(output);
        SbomSchemas.AssertValidCycloneDx("1.6", bytes);
        var document = JsonNode.Parse(bytes)!;
        Assert.Equal(
            $"pkg:oci/hello@{digest}?arch=amd64&repository_url=registry.example.com%2Fteam%2Fhello&tag=1.0",
            document["metadata"]!["component"]!["purl"]!.GetValue<string>());
        Assert.Equal("2023-11-14T22:13:20Z", document["metadata"]!["timestamp"]!.GetValue<string>());
        Assert.Contains(document["components"]!.AsArray(), c => c!["purl"]?.GetValue<string>() == "pkg:nuget/Newtonsoft.Json@13.0.3");
        Assert.Equal(document["components"]!.AsArray().Count, task.ComponentCount);
        Assert.Equal(document["serialNumber"]!.GetValue<string>(), task.SerialNumber);
        Assert.Equal("cyclonedx-json@1.6", task.WrittenFormat);
        Assert.Equal(digest, task.ImageManifestDigest);
        var referrers = await new ImageReferrers().ListAsync(ImageLocation.Parse($"oci:{layout}:stable"), CycloneDxType, CancellationToken.None);
        Assert.Equal(task.ReferrerDigest, Assert.Single(referrers.Referrers).Digest.ToString());
    }

    [Fact]
    public async Task AttachSbom_attaches_a_written_file_with_the_artifact_type_of_its_format()
    {
        // Given an SPDX document of an image, written but not attached
        var layout = _temp.Combine("image");
        BuildImage($"oci:{layout}", "1.0");
        var output = _temp.Combine("hello.spdx.json");
        Assert.True(new GenerateSbom { BuildEngine = _engine, Image = $"oci:{layout}:1.0", Format = "spdx-json", Output = output }.Execute());
        var attach = new AttachSbom { BuildEngine = _engine, File = output, Image = $"oci:{layout}:1.0", Format = "SPDX-JSON" };

        // When
        var succeeded = attach.Execute();

        // Then
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => $"{e.Code}: {e.Message}")));
        SbomSchemas.AssertValidSpdx(await File.ReadAllBytesAsync(output));
        var referrers = await new ImageReferrers().ListAsync(ImageLocation.Parse($"oci:{layout}:1.0"), "application/spdx+json", CancellationToken.None);
        Assert.Equal(attach.ReferrerDigest, Assert.Single(referrers.Referrers).Digest.ToString());
    }

    [Fact]
    public async Task An_index_is_described_and_attached_for_the_platform_of_the_runtime_identifier_given()
    {
        // Given a multi-platform image (what ContainerRuntimeIdentifiers=linux-x64;linux-arm64 builds)
        var publish = PublishFolder();
        var layout = _temp.Combine("index");
        var build = new BuildImage
        {
            BuildEngine = new RecordingBuildEngine(),
            PublishDirectory = publish,
            PlatformPublishDirectories = [Item(publish, "linux-x64"), Item(publish, "linux-arm64")],
            AssemblyName = "Hello",
            Output = $"oci:{layout}",
            Tags = ["1.0"],
            SourceDateEpoch = "1700000000",
        };
        Assert.True(build.Execute());
        var task = new GenerateSbom { BuildEngine = _engine, Image = $"oci:{layout}", ImageTags = ["1.0"], PlatformRuntimeIdentifier = "linux-arm64", Output = _temp.Combine("arm64.cdx.json"), Attach = true };

        // When
        var succeeded = task.Execute();

        // Then the arm64 manifest is described, and the SBOM is its referrer
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => $"{e.Code}: {e.Message}")));
        var document = JsonNode.Parse(await File.ReadAllBytesAsync(task.OutputFile))!;
        Assert.Contains("arch=arm64", document["metadata"]!["component"]!["purl"]!.GetValue<string>(), StringComparison.Ordinal);
        using var index = JsonDocument.Parse(Blob(layout, build.ImageDigest));
        var arm64 = index.RootElement.GetProperty("manifests").EnumerateArray()
            .Single(m => m.GetProperty("platform").GetProperty("architecture").GetString() == "arm64");
        Assert.Equal(arm64.GetProperty("digest").GetString(), task.ImageManifestDigest);
        using var referrer = JsonDocument.Parse(Blob(layout, task.ReferrerDigest));
        Assert.Equal(task.ImageManifestDigest, referrer.RootElement.GetProperty("subject").GetProperty("digest").GetString());
    }

    [Fact]
    public void An_image_in_an_archive_is_described_and_the_log_says_why_it_is_not_attached()
    {
        // Given
        var archive = _temp.Combine("image.tar");
        BuildImage($"docker-archive:{archive}", "1.0");
        var task = new GenerateSbom { BuildEngine = _engine, Image = $"docker-archive:{archive}", Output = _temp.Combine("sbom.cdx.json"), Attach = true };

        // When
        var succeeded = task.Execute();

        // Then
        Assert.True(succeeded, string.Join(Environment.NewLine, _engine.Errors.Select(e => $"{e.Code}: {e.Message}")));
        Assert.True(File.Exists(task.OutputFile));
        Assert.Empty(task.ReferrerDigest);
        Assert.Contains(_engine.Messages, m => m.Message!.Contains("an archive holds no referrers", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_format_fails_with_TK5000_and_writes_nothing()
    {
        // Given
        var layout = _temp.Combine("image");
        BuildImage($"oci:{layout}", "1.0");
        var output = _temp.Combine("sbom.xml");
        var task = new GenerateSbom { BuildEngine = _engine, Image = $"oci:{layout}", Format = "cyclonedx-xml", Output = output, Attach = true };

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        Assert.Equal("TK5000", Assert.Single(_engine.Errors).Code);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_project_that_was_never_restored_fails_with_TK5020()
    {
        // Given
        var project = _temp.Combine("App", "App.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.WriteAllText(project, """<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>""");
        var task = new GenerateSbom { BuildEngine = _engine, Project = project, Output = _temp.Combine("sbom.cdx.json") };

        // When
        var succeeded = task.Execute();

        // Then
        Assert.False(succeeded);
        Assert.Equal("TK5020", Assert.Single(_engine.Errors).Code);
        Assert.Empty(task.OutputFile);
    }

    private static byte[] Blob(string layout, string digest) => File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));

    private static Microsoft.Build.Framework.ITaskItem Item(string itemSpec, string runtimeIdentifier)
    {
        var item = new Microsoft.Build.Utilities.TaskItem(itemSpec);
        item.SetMetadata("RuntimeIdentifier", runtimeIdentifier);
        return item;
    }

    /// <summary>A small "publish folder": an app host, a dll and a deps.json.</summary>
    private string PublishFolder()
    {
        var publish = _temp.Combine("publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "Hello"), "app host");
        File.WriteAllText(Path.Combine(publish, "Hello.dll"), "assembly");
        File.WriteAllText(Path.Combine(publish, "Hello.deps.json"), DepsJson);
        return publish;
    }

    /// <summary>An image of <see cref="PublishFolder"/>, built by the BuildImage task.</summary>
    private string BuildImage(string output, params string[] tags)
    {
        var build = new BuildImage
        {
            BuildEngine = new RecordingBuildEngine(),
            PublishDirectory = PublishFolder(),
            AssemblyName = "Hello",
            Output = output,
            Tags = tags,
            RuntimeIdentifier = "linux-x64",
            SourceDateEpoch = "1700000000",
        };
        Assert.True(build.Execute());
        return build.ImageDigest;
    }
}
