using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.Cli.Tests;

/// <summary><c>sbom generate</c> and <c>sbom attach</c> on an <c>oci:</c> layout holding a .NET app.</summary>
public sealed class SbomCommandTests : IDisposable
{
    private const string CycloneDxType = "application/vnd.cyclonedx+json";

    // The shape of a framework-dependent app's deps.json, as dotnet publish writes it (one package, one project).
    private const string DepsJson = """
        {
          "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0/linux-x64", "signature": "" },
          "targets": {
            ".NETCoreApp,Version=v10.0/linux-x64": {
              "App/1.0.0": { "dependencies": { "Newtonsoft.Json": "13.0.3" }, "runtime": { "App.dll": {} } },
              "Newtonsoft.Json/13.0.3": { "runtime": { "lib/net6.0/Newtonsoft.Json.dll": { "assemblyVersion": "13.0.0.0", "fileVersion": "13.0.3.27908" } } }
            }
          },
          "libraries": {
            "App/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
            "Newtonsoft.Json/13.0.3": { "type": "package", "serviceable": true, "sha512": "sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==", "path": "newtonsoft.json/13.0.3", "hashPath": "newtonsoft.json.13.0.3.nupkg.sha512" }
          }
        }
        """;

    private readonly TemporaryDirectory _temp = new("tk-cli-sbom");

    public void Dispose() => _temp.Dispose();

    private async Task<string> AppImageAsync()
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "App.deps.json"), DepsJson);
        await File.WriteAllTextAsync(Path.Combine(app, "App.dll"), "not really a dll");
        var layout = _temp.Combine("image");
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", app, "-o", $"oci:{layout}:1", "--source-date-epoch", "1700000000");
        Assert.True(build.ExitCode == 0, build.Error);
        return $"oci:{layout}:1";
    }

    [Fact]
    public async Task Generate_writes_a_schema_valid_CycloneDX_document_that_is_the_same_on_every_run()
    {
        // Given an image with a .NET app in it
        var image = await AppImageAsync();
        var first = _temp.Combine("first.cdx.json");
        var second = _temp.Combine("second.cdx.json");

        // When its SBOM is generated twice
        var one = await CliRunner.RunInProcessAsync("sbom", "generate", "--image", image, "-o", first);
        await Task.Delay(1100);
        var two = await CliRunner.RunInProcessAsync("sbom", "generate", "--image", image, "-o", second, "--json");

        // Then both runs wrote the same valid document describing the image and the package
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(two.ExitCode == 0, two.Error);
        var bytes = await File.ReadAllBytesAsync(first);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(second));
        SbomSchemas.AssertValidCycloneDx("1.6", bytes);
        var document = JsonNode.Parse(bytes)!;
        Assert.Equal("container", document["metadata"]!["component"]!["type"]!.GetValue<string>());
        Assert.StartsWith("pkg:oci/", document["metadata"]!["component"]!["purl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("2023-11-14T22:13:20Z", document["metadata"]!["timestamp"]!.GetValue<string>());
        Assert.Contains(document["components"]!.AsArray(), c => c!["purl"]?.GetValue<string>() == "pkg:nuget/Newtonsoft.Json@13.0.3");
        Assert.StartsWith("Wrote the SBOM of", one.Output, StringComparison.Ordinal);
        var result = JsonNode.Parse(two.Output)!;
        Assert.Equal(CycloneDxType, result["mediaType"]!.GetValue<string>());
        Assert.Equal(document["serialNumber"]!.GetValue<string>(), result["serialNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generate_with_attach_makes_a_referrer_of_the_image_and_SPDX_validates()
    {
        // Given an image
        var image = await AppImageAsync();
        var spdx = _temp.Combine("sbom.spdx.json");

        // When a CycloneDX SBOM is generated and attached, and an SPDX one written and attached with sbom attach
        var generated = await CliRunner.RunInProcessAsync("sbom", "generate", "--image", image, "--attach", "--json");
        var written = await CliRunner.RunInProcessAsync("sbom", "generate", "--image", image, "--format", "spdx-json", "-o", spdx);
        var attached = await CliRunner.RunInProcessAsync("sbom", "attach", "--image", image, spdx);
        var listed = await CliRunner.RunInProcessAsync("image", "referrers", image, "--json");

        // Then both are referrers of the image manifest with their artifact types
        Assert.True(generated.ExitCode == 0, generated.Error);
        Assert.True(written.ExitCode == 0, written.Error);
        Assert.True(attached.ExitCode == 0, attached.Error);
        SbomSchemas.AssertValidSpdx(await File.ReadAllBytesAsync(spdx));
        var referrers = JsonNode.Parse(listed.Output)!.AsArray();
        Assert.Equal(2, referrers.Count);
        Assert.Contains(referrers, r => r!["digest"]!.GetValue<string>() == JsonNode.Parse(generated.Output)!["referrer"]!.GetValue<string>() && r["artifactType"]!.GetValue<string>() == CycloneDxType);
        Assert.Contains(referrers, r => r!["digest"]!.GetValue<string>() == attached.Output.Trim() && r["artifactType"]!.GetValue<string>() == "application/spdx+json");
    }

    [Fact]
    public async Task Bad_input_gives_coded_errors_and_exit_code_2()
    {
        // Given an image and a file that is not an SBOM
        var image = await AppImageAsync();
        var notSbom = _temp.Combine("notes.json");
        await File.WriteAllTextAsync(notSbom, """{"hello":"world"}""");

        // When
        var nothing = await CliRunner.RunInProcessAsync("sbom", "generate");
        var badFormat = await CliRunner.RunInProcessAsync("sbom", "generate", "--image", image, "--format", "cyclonedx-xml");
        var notAnSbom = await CliRunner.RunInProcessAsync("sbom", "attach", "--image", image, notSbom);
        var attachWithoutImage = await CliRunner.RunInProcessAsync("sbom", "generate", "--project", _temp.Path, "--attach");

        // Then
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("TK5070", nothing.Error, StringComparison.Ordinal);
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains("TK5000", badFormat.Error, StringComparison.Ordinal);
        Assert.Equal(2, notAnSbom.ExitCode);
        Assert.Contains("TK5072", notAnSbom.Error, StringComparison.Ordinal);
        Assert.Equal(2, attachWithoutImage.ExitCode);
        Assert.Contains("TK2019", attachWithoutImage.Error, StringComparison.Ordinal);
    }
}
