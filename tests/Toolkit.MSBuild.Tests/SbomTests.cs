using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Referrers;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Schemas;

namespace Toolkit.MSBuild.Tests;

/// <summary>
/// <c>ToolkitGenerateSbom</c> as a user runs it: after <c>dotnet publish -p:ToolkitImage=true</c> (the shared first publish),
/// on its own (<c>dotnet build -t:ToolkitGenerateSbom</c>), and on a base image with an rpm database, with the packed package.
/// </summary>
[Collection(PackedToolkitMSBuildCollection.Name)]
public sealed partial class SbomTests(PackedToolkitMSBuild package)
{
    private const string CycloneDxType = "application/vnd.cyclonedx+json";

    [Fact]
    public async Task Publish_with_ToolkitImage_writes_a_CycloneDX_SBOM_of_the_image_and_the_project_and_attaches_it_to_the_image()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var publish = published.FirstPublish;
        Assert.True(publish.ExitCode == 0, publish.StandardOutput + publish.StandardError);

        // When
        var bytes = published.FirstSbom;

        // Then the file is a valid CycloneDX 1.6 document about the image built
        Assert.NotNull(bytes);
        SbomSchemas.AssertValidCycloneDx("1.6", bytes);
        var document = JsonNode.Parse(bytes)!;
        var digest = ConsumerProject.LoggedDigest(publish);
        Assert.Equal($"pkg:oci/hello.image@{digest}?arch=amd64&tag={ConsumerProject.Tag}", document["metadata"]!["component"]!["purl"]!.GetValue<string>());
        Assert.Equal("2023-11-14T22:13:20Z", document["metadata"]!["timestamp"]!.GetValue<string>());

        // and lists what the image holds (the app's deps.json) together with what the project restored (its assets file)
        var components = document["components"]!.AsArray();
        var serilog = Assert.Single(components, c => c!["purl"]?.GetValue<string>() == $"pkg:nuget/Serilog@{ConsumerProject.SerilogVersion}")!;
        Assert.Equal("required", serilog["scope"]!.GetValue<string>());
        Assert.Equal("Apache-2.0", serilog["licenses"]![0]!["license"]!["id"]!.GetValue<string>());
        var evidence = serilog["evidence"]!["occurrences"]!.AsArray().Select(o => o!["location"]!.GetValue<string>()).ToArray();
        Assert.Contains($"/app/{ConsumerProject.Name}.deps.json", evidence);
        Assert.Contains(evidence, e => e.EndsWith("project.assets.json", StringComparison.Ordinal));
        var toolkit = Assert.Single(components, c => c!["purl"]?.GetValue<string>() == $"pkg:nuget/Toolkit.MSBuild@{package.Feed.Version}")!;
        Assert.Equal("excluded", toolkit["scope"]!.GetValue<string>());
        Assert.Contains(components, c => c!["type"]!.GetValue<string>() == "framework" && c["name"]!.GetValue<string>() == "Microsoft.NETCore.App");

        // and the build said what it wrote
        var wrote = WroteLine().Match(publish.StandardOutput);
        Assert.True(wrote.Success, "No 'Wrote SBOM' line:" + Environment.NewLine + publish.StandardOutput);
        Assert.Equal(published.Project.SbomFile, wrote.Groups["file"].Value);
        Assert.Equal("cyclonedx-json@1.6", wrote.Groups["format"].Value);
        Assert.Equal(components.Count, int.Parse(wrote.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(document["serialNumber"]!.GetValue<string>(), wrote.Groups["serial"].Value);

        // and it is the image manifest's referrer in the oci: layout, holding exactly the file's bytes
        var attached = AttachedLine().Match(publish.StandardOutput);
        Assert.True(attached.Success, "No 'Attached SBOM' line:" + Environment.NewLine + publish.StandardOutput);
        Assert.Equal(digest, attached.Groups["subject"].Value);
        var layout = $"oci:{published.Project.ImageDirectory}:{ConsumerProject.Tag}";
        var referrers = await new ImageReferrers().ListAsync(ImageLocation.Parse(layout), CycloneDxType, CancellationToken.None);
        var referrer = Assert.Single(referrers.Referrers);
        Assert.Equal(attached.Groups["referrer"].Value, referrer.Digest.ToString());
        using var manifest = JsonDocument.Parse(Blob(published.Project.ImageDirectory, referrer.Digest.ToString()));
        Assert.Equal(digest, manifest.RootElement.GetProperty("subject").GetProperty("digest").GetString());
        var layer = Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray().ToArray());
        Assert.Equal(CycloneDxType, layer.GetProperty("mediaType").GetString());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), layer.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task ToolkitGenerateSbom_on_its_own_describes_the_project_in_SPDX_with_the_packages_own_NuGet_assemblies()
    {
        // Given a project that builds no image
        var published = await package.GetPublishedAsync();
        var output = Path.Combine(package.Feed.Root, "project-sbom", ConsumerProject.Name + ".spdx.json");

        // When the target runs alone (diagnostic verbosity: MSBuild then logs where each task's assemblies come from)
        var build = await published.Project.BuildAsync("-t:ToolkitGenerateSbom", "-p:ToolkitSbomFormat=spdx-json", $"-p:ToolkitSbomOutput={output}", "-v:diag");

        // Then it wrote a valid SPDX 2.3 document of the project and its packages, and no image
        Assert.True(build.ExitCode == 0, build.StandardOutput + build.StandardError);
        var bytes = await File.ReadAllBytesAsync(output);
        SbomSchemas.AssertValidSpdx(bytes);
        var packages = JsonNode.Parse(bytes)!["packages"]!.AsArray();
        var purls = packages.SelectMany(p => p!["externalRefs"]?.AsArray() ?? []).Select(r => r!["referenceLocator"]!.GetValue<string>()).ToArray();
        Assert.Contains($"pkg:nuget/Serilog@{ConsumerProject.SerilogVersion}", purls);
        Assert.DoesNotContain(purls, p => p.StartsWith("pkg:oci/", StringComparison.Ordinal));
        Assert.Contains(packages, p => p!["name"]!.GetValue<string>() == ConsumerProject.Name);

        // and the NuGet assemblies the task used are its own, in its own load context, next to those the SDK's restore loaded
        var loads = NuGetLoadLine().Matches(build.StandardOutput).Where(m => m.Groups["task"].Value == "Toolkit.MSBuild.Tasks.GenerateSbom").ToArray();
        Assert.True(loads.Length > 0, "MSBuild logged no NuGet.ProjectModel load by GenerateSbom.");
        Assert.All(loads, m =>
        {
            Assert.Equal(Path.Combine(published.Project.TaskDirectory, "NuGet.ProjectModel.dll"), m.Groups["location"].Value);
            Assert.Equal("MSBuild plugin " + Path.Combine(published.Project.TaskDirectory, "Toolkit.MSBuild.dll"), m.Groups["context"].Value);
        });
    }

    [Fact]
    public async Task An_unknown_ToolkitSbomFormat_fails_the_publish_with_TK5000()
    {
        // Given
        var published = await package.GetPublishedAsync();
        var output = Path.Combine(package.Feed.Root, "bad-format");

        // When
        var publish = await published.Project.PublishAsync(
            "-p:ToolkitSbomFormat=cyclonedx-xml", $"-p:ToolkitImageOutput=oci:{Path.Combine(output, "image")}", $"-p:ToolkitSbomOutput={Path.Combine(output, "sbom.xml")}");

        // Then
        Assert.NotEqual(0, publish.ExitCode);
        Assert.Matches(@"error TK5000: 'cyclonedx-xml' is not an SBOM format", publish.StandardOutput);
        Assert.False(File.Exists(Path.Combine(output, "sbom.xml")));
    }

    [Fact]
    public async Task An_rpm_database_in_the_base_is_read_in_the_MSBuild_host_and_without_native_SQLite_the_publish_warns_TK5050()
    {
        // Given a base image with a real rpm database (one package, registered with rpm --justdb)
        var published = await package.GetPublishedAsync();
        var root = Path.Combine(package.Feed.Root, "rpm");
        var baseImage = await RpmBaseImageAsync(root);
        var sqlite = Path.Combine(published.Project.TaskDirectory, "libe_sqlite3.so");
        Assert.True(File.Exists(sqlite), "The package does not ship libe_sqlite3.so.");
        string[] properties = [$"-p:ContainerBaseImage={baseImage}", $"-p:ToolkitImageOutput=oci:{Path.Combine(root, "image")}"];

        // When it is published on that base, with the package's SQLite and without it
        var withSqlite = await published.Project.PublishAsync([.. properties, $"-p:ToolkitSbomOutput={Path.Combine(root, "with.cdx.json")}"]);
        var aside = sqlite + ".aside";
        File.Move(sqlite, aside);
        ExternalToolResult withoutSqlite;
        try
        {
            withoutSqlite = await published.Project.PublishAsync([.. properties, $"-p:ToolkitSbomOutput={Path.Combine(root, "without.cdx.json")}"]);
        }
        finally
        {
            File.Move(aside, sqlite);
        }

        // Then the first lists the rpm package, and the second still succeeds, says why it could not, and lists the rest
        const string Rpm = "pkg:rpm/fedora/toolkit-hello@1.2.3-4?arch=noarch&distro=fedora-40";
        Assert.True(withSqlite.ExitCode == 0, withSqlite.StandardOutput + withSqlite.StandardError);
        Assert.DoesNotContain("TK5050", withSqlite.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(Purls(await File.ReadAllBytesAsync(Path.Combine(root, "with.cdx.json"))), p => p == Rpm);
        Assert.True(withoutSqlite.ExitCode == 0, withoutSqlite.StandardOutput + withoutSqlite.StandardError);
        Assert.Matches(@"warning TK5050: /var/lib/rpm/rpmdb\.sqlite \(layer sha256:[a-f0-9]{64}\) was not read: the native SQLite library cannot be loaded here", withoutSqlite.StandardOutput);
        var without = Purls(await File.ReadAllBytesAsync(Path.Combine(root, "without.cdx.json")));
        Assert.DoesNotContain(Rpm, without);
        Assert.Contains($"pkg:nuget/Serilog@{ConsumerProject.SerilogVersion}", without);
    }

    /// <summary><c>oci:&lt;root&gt;/base:1</c>: os-release of Fedora 40 and an rpmdb.sqlite made by rpm itself, in one layer.</summary>
    private static async Task<string> RpmBaseImageAsync(string root)
    {
        var top = Path.Combine(root, "rpmbuild");
        Directory.CreateDirectory(root);
        var spec = Path.Combine(root, "toolkit-hello.spec");
        await File.WriteAllTextAsync(spec, """
            Name: toolkit-hello
            Version: 1.2.3
            Release: 4
            Summary: A test package
            License: MIT
            BuildArch: noarch

            %description
            Hello.

            %install
            mkdir -p %{buildroot}/usr/share/toolkit-hello
            echo hello > %{buildroot}/usr/share/toolkit-hello/hello.txt

            %files
            /usr/share/toolkit-hello/hello.txt
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        (await ExternalTool.RunAsync("rpmbuild", ["--define", $"_topdir {top}", "-bb", spec])).EnsureSuccess();
        var filesystem = Path.Combine(root, "filesystem");
        string[] database = ["--root", filesystem, "--dbpath", "/var/lib/rpm"];
        (await ExternalTool.RunAsync("rpm", [.. database, "--initdb"])).EnsureSuccess();
        (await ExternalTool.RunAsync("rpm", [.. database, "-i", "--justdb", "--nodeps", "--ignorearch", .. Directory.GetFiles(Path.Combine(top, "RPMS", "noarch"), "*.rpm")])).EnsureSuccess();
        foreach (var scratch in Directory.GetFiles(Path.Combine(filesystem, "var", "lib", "rpm")).Where(f => !f.EndsWith("rpmdb.sqlite", StringComparison.Ordinal)))
        {
            File.Delete(scratch);
        }

        Directory.CreateDirectory(Path.Combine(filesystem, "etc"));
        await File.WriteAllTextAsync(Path.Combine(filesystem, "etc", "os-release"), "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=40\n");
        var location = $"oci:{Path.Combine(root, "base")}:1";
        await new ImageBuilder().BuildAsync(
            new ImageBuildRequest
            {
                BaseImage = ImageLocation.Parse("scratch"),
                Output = ImageLocation.Parse(location),
                Layers = [new LayerSpec(filesystem, "/")],
                Platforms = [new PlatformLayers(Platform.LinuxAmd64, [])],
                Timestamp = new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(1700000000), TimestampSource.Explicit),
            },
            CancellationToken.None);
        return location;
    }

    private static string[] Purls(byte[] cycloneDx)
        => [.. JsonNode.Parse(cycloneDx)!["components"]!.AsArray().Select(c => c!["purl"]?.GetValue<string>()).OfType<string>()];

    private static byte[] Blob(string layout, string digest) => File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));

    [GeneratedRegex(@"Wrote SBOM (?<file>\S+) \((?<format>[^,]+), (?<count>\d+) components, (?<serial>urn:uuid:[0-9a-f-]{36})\)")]
    private static partial Regex WroteLine();

    [GeneratedRegex(@"Attached SBOM (?<referrer>sha256:[a-f0-9]{64}) to (?<subject>sha256:[a-f0-9]{64}) at ")]
    private static partial Regex AttachedLine();

    [GeneratedRegex(@"Assembly loaded during TaskRun \((?<task>[^)]+)\): NuGet\.ProjectModel, Version=[^ ]+ Culture=neutral, PublicKeyToken=[0-9a-f]+ \(location: (?<location>[^,]+), MVID: [0-9a-f-]+, AssemblyLoadContext: (?<context>[^)]+)\)")]
    private static partial Regex NuGetLoadLine();
}
