using System.Text.Json.Nodes;
using Toolkit.Core.Oci;
using Toolkit.Testing;

namespace Toolkit.Cli.Tests;

/// <summary>The tool as <c>dotnet tool install</c> puts it on a linux-x64 machine: the Native AOT build.</summary>
[Collection(InstalledToolCollection.Name)]
public sealed class InstalledToolTests(InstalledTool tool)
{
    [Fact]
    public async Task Dotnet_tool_install_picks_the_native_build_on_linux_x64()
    {
        // Given the installed command
        var target = new FileInfo(tool.Command).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? tool.Command;

        // When it is read and run
        var header = new byte[4];
        await using (var file = File.OpenRead(target))
        {
            await file.ReadExactlyAsync(header);
        }

        var help = await tool.RunAsync("--help");

        // Then it is an ELF executable from the linux-x64 package, not a managed assembly behind a shim, and it works
        Assert.Equal([0x7F, (byte)'E', (byte)'L', (byte)'F'], header);
        Assert.Contains($"toolkit.cli.linux-x64{Path.DirectorySeparatorChar}", target, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(target)!, "dotnet-toolkit.dll")));
        Assert.True(help.ExitCode == 0, help.StandardError);
        Assert.Contains("image", help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_native_build_builds_inspects_and_pushes_an_image_to_a_real_registry()
    {
        // Given a folder, and a real distribution registry on loopback
        var app = Path.Combine(tool.Scratch, "native-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = $"oci:{Path.Combine(tool.Scratch, "native-image")}:1";
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var destination = $"{registry.HostPort}/native/app:1";

        // When the native build builds, inspects and pushes it twice (JSON output, System.CommandLine, HTTP, logging)
        var build = await tool.RunAsync("image", "build", "--layer", app, "-o", layout, "--platform", "linux/amd64", "--platform", "linux/arm64", "--source-date-epoch", "0", "--json");
        var inspect = await tool.RunAsync("image", "inspect", layout, "--json");
        var push = await tool.RunAsync("image", "push", layout, destination, "--json", "-v", "detailed");
        var again = await tool.RunAsync("image", "push", layout, destination, "--json");

        // Then every step agrees on the digest, skopeo reads the image back, and the second push sends nothing
        Assert.True(build.ExitCode == 0, build.StandardError);
        Assert.True(inspect.ExitCode == 0, inspect.StandardError);
        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.True(again.ExitCode == 0, again.StandardError);
        var digest = JsonNode.Parse(build.StandardOutput)!["digest"]!.GetValue<string>();
        Assert.Equal(digest, JsonNode.Parse(inspect.StandardOutput)!["digest"]!.GetValue<string>());
        Assert.Equal(2, JsonNode.Parse(inspect.StandardOutput)!["platforms"]!.AsArray().Count);
        Assert.Equal(digest, JsonNode.Parse(push.StandardOutput)!["digest"]!.GetValue<string>());
        Assert.Contains("debug: ", push.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, JsonNode.Parse(again.StandardOutput)!["bytesUploaded"]!.GetValue<long>());
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{destination}"]);
        Assert.Equal(digest, Digest.Compute(raw.StandardOutputBytes).ToString());
    }

    [Fact]
    public async Task The_native_build_writes_the_SBOM_of_an_image_and_a_restored_project()
    {
        // Given an image with a file, and the repository's sample app (restored by the solution build)
        var app = Path.Combine(tool.Scratch, "sbom-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = $"oci:{Path.Combine(tool.Scratch, "sbom-image")}:1";
        var sample = Path.Combine(TestPaths.RepositoryRoot, "samples", "Sample.Api", "Sample.Api.csproj");
        var output = Path.Combine(tool.Scratch, "sbom.cdx.json");

        // When the native build writes the SBOM of both (the NuGet cataloger's libraries run compiled ahead of time)
        var build = await tool.RunAsync("image", "build", "--layer", app, "-o", layout, "--source-date-epoch", "0");
        var sbom = await tool.RunAsync("sbom", "generate", "--image", layout, "--project", sample, "-o", output, "--attach", "--json");

        // Then it is valid CycloneDX with the sample's packages and their licences, and attached to the image
        Assert.True(build.ExitCode == 0, build.StandardError);
        Assert.True(sbom.ExitCode == 0, sbom.StandardError);
        var bytes = await File.ReadAllBytesAsync(output);
        Toolkit.Testing.Schemas.SbomSchemas.AssertValidCycloneDx("1.6", bytes);
        var components = JsonNode.Parse(bytes)!["components"]!.AsArray();
        var serilog = Assert.Single(components, c => c!["name"]!.GetValue<string>() == "Serilog");
        Assert.StartsWith("pkg:nuget/Serilog@", serilog!["purl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(serilog["licenses"]);
        Assert.NotNull(JsonNode.Parse(sbom.StandardOutput)!["referrer"]);
    }

    [Fact]
    public async Task The_native_build_reports_coded_errors_with_their_exit_codes()
    {
        // When a location is missing, and an option is malformed
        var missing = await tool.RunAsync("image", "inspect", $"oci:{Path.Combine(tool.Scratch, "nothing-here")}");
        var usage = await tool.RunAsync("image", "push", "oci:x", "oci:y", "--parallel", "0");

        // Then each is one coded line on standard error, with the exit code of its kind
        Assert.NotEqual(0, missing.ExitCode);
        Assert.StartsWith("error TK", missing.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        Assert.StartsWith("error TK1052: ", usage.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_native_build_gates_a_report_with_a_yaml_policy_and_allowlist()
    {
        // Given a YAML policy naming a YAML allowlist (read through YamlDotNet's node tree, which must work without reflection)
        var folder = Path.Combine(tool.Scratch, "gate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "allowlist.yaml"), """
            version: 1
            ignore:
              - id: CVE-2023-45853
                reason: MiniZip is not built into Debian's zlib1g
                expires: 2099-01-31
            """);
        var policy = Path.Combine(folder, "gate.yaml");
        await File.WriteAllTextAsync(policy, "version: 1\nfailOn: CRITICAL\nmaxCounts: {HIGH: 2}\nallowlist: allowlist.yaml\n");
        var report = Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", "trivy-debian12-dotnet.json");
        var sarif = Path.Combine(folder, "gate.sarif");

        // When the native tool gates the Trivy report with it, then with a stricter command-line maximum
        var pass = await tool.RunAsync("scan", "gate", "--report", report, "--policy", policy, "--json", "--sarif", sarif);
        var fail = await tool.RunAsync("scan", "gate", "--report", report, "--policy", policy, "--max", "HIGH=1");

        // Then the allowlist suppressed the critical (exit 0, JSON and SARIF written), and the stricter gate exits 3
        Assert.True(pass.ExitCode == 0, pass.StandardError);
        var json = JsonNode.Parse(pass.StandardOutput)!;
        Assert.Equal("pass", json["decision"]!.GetValue<string>());
        Assert.Equal("CVE-2023-45853", json["suppressed"]![0]!["finding"]!["id"]!.GetValue<string>());
        Assert.Equal("2.1.0", JsonNode.Parse(await File.ReadAllTextAsync(sarif))!["version"]!.GetValue<string>());
        Assert.Equal(3, fail.ExitCode);
        Assert.Contains("error TK4000: ", fail.StandardError, StringComparison.Ordinal);
    }
}
