using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Cli.Progress;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Cli.Tests;

public sealed class PushCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new("tk-cli-push");
    private readonly InMemoryRegistry _registry = new("registry.test");
    private RegistryConnectionOptions? _connection;

    public void Dispose() => _temp.Dispose();

    private IRegistryClientFactory Registry(RegistryConnectionOptions options)
    {
        _connection = options;
        return _registry;
    }

    private async Task<string> BuiltLayoutAsync(params string[] platforms)
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = _temp.Combine("image");
        string[] args = ["image", "build", "--layer", app, "-o", $"oci:{layout}:1", "--source-date-epoch", "0", .. platforms.SelectMany(p => new[] { "--platform", p })];
        var build = await CliRunner.RunInProcessAsync(args);
        Assert.True(build.ExitCode == 0, build.Error);
        return $"oci:{layout}:1";
    }

    [Fact]
    public async Task Push_to_a_registry_reports_the_digest_and_counts_as_json()
    {
        // Given
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/team/app:1.0", "--json");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        var json = JsonNode.Parse(push.Output)!;
        var digest = json["digest"]!.GetValue<string>();
        Assert.Equal(Digest.Parse(digest), _registry.Tag("team/app", "1.0"));
        Assert.Equal(MediaTypes.OciIndex, json["mediaType"]!.GetValue<string>());
        Assert.True(json["size"]!.GetValue<long>() > 0);
        Assert.True(json["bytesUploaded"]!.GetValue<long>() > 0);
        Assert.Equal(0, json["blobsSkipped"]!.GetValue<int>());
        Assert.Equal(0, json["blobsMounted"]!.GetValue<int>());
        Assert.True(json["blobsUploaded"]!.GetValue<int>() >= 3);
        Assert.Equal(2, json["manifests"]!.AsArray().Count);
        Assert.Empty(_registry.DanglingReferences());
    }

    [Fact]
    public async Task A_second_push_prints_a_summary_with_nothing_uploaded()
    {
        // Given
        var source = await BuiltLayoutAsync();
        var first = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1");
        Assert.True(first.ExitCode == 0, first.Error);

        // When
        var again = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1");

        // Then: one line on standard output, nothing live on standard error (it is not a terminal)
        Assert.Equal(0, again.ExitCode);
        Assert.Matches(@"^Pushed sha256:[0-9a-f]{64} to registry\.test/app:1: 0 uploaded \(0 B\), [1-9][0-9]* skipped, 0 mounted in [0-9]+\.[0-9] s\n$", again.Output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("\u001b", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("already there", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_line_counts_what_the_push_did()
    {
        // Given
        var result = new PushResult
        {
            Source = "oci:/tmp/image:1",
            Destination = "registry.test/app:1",
            Root = new Descriptor(MediaTypes.OciIndex, Digest.Compute("index"u8), 700),
            BytesUploaded = (long)(12.3 * 1024 * 1024),
            BlobsUploaded = 3,
            BlobsSkipped = 2,
            BlobsMounted = 1,
        };

        // When
        var line = ResultWriter.PushSummary(result, TimeSpan.FromMilliseconds(1830));

        // Then
        Assert.Equal($"Pushed {Digest.Compute("index"u8)} to registry.test/app:1: 3 uploaded (12.3 MiB), 2 skipped, 1 mounted in 1.8 s", line);
    }

    [Fact]
    public async Task On_an_interactive_terminal_each_blob_gets_a_line_on_standard_error_and_the_live_area_is_cleared()
    {
        // Given
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");
        var terminal = new CliTerminal(isInteractive: true, () => 100);

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, terminal, "image", "push", source, "registry.test/app:1");

        // Then: a settled line per blob, manifest and index; the summary alone on standard output
        Assert.True(push.ExitCode == 0, push.Error);
        var settled = push.Error.Split('\n').Count(l => l.Contains(" pushed (", StringComparison.Ordinal));
        var blobs = _registry.Events.Count(e => e.Operation == "PutBlob");
        Assert.Equal(blobs + 3, settled);
        Assert.Contains("\u001b[", push.Error, StringComparison.Ordinal);
        Assert.EndsWith("\u001b[J", push.Error, StringComparison.Ordinal);
        Assert.StartsWith("Pushed sha256:", push.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", push.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--no-progress")]
    [InlineData("-v", "quiet")]
    public async Task On_an_interactive_terminal_progress_is_off_with(params string[] option)
    {
        // Given
        var source = await BuiltLayoutAsync();
        var terminal = new CliTerminal(isInteractive: true, () => 100);

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, terminal, ["image", "push", source, "registry.test/app:1", .. option]);

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.DoesNotContain("\u001b", push.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" pushed (", push.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Format_docker_pushes_a_Docker_manifest_list_with_new_digests_and_the_same_blobs()
    {
        // Given
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");
        var asIs = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:oci", "--json");

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:docker", "--format", "docker", "--json");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        var json = JsonNode.Parse(push.Output)!;
        Assert.Equal(MediaTypes.DockerManifestList, json["mediaType"]!.GetValue<string>());
        Assert.NotEqual(JsonNode.Parse(asIs.Output)!["digest"]!.GetValue<string>(), json["digest"]!.GetValue<string>());
        Assert.Equal(0, json["blobsUploaded"]!.GetValue<int>());
        Assert.Equal(Digest.Parse(json["digest"]!.GetValue<string>()), _registry.Tag("app", "docker"));
        Assert.Empty(_registry.DanglingReferences());
    }

    [Fact]
    public async Task An_unknown_format_is_a_usage_error()
    {
        var source = await BuiltLayoutAsync();

        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1", "--format", "v2s2");

        Assert.Equal(2, push.ExitCode);
        Assert.StartsWith("error TK2000: ", push.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Events);
    }

    [Fact]
    public async Task Format_docker_of_a_zstd_image_is_TK2100_and_sends_nothing()
    {
        // Given
        var app = _temp.Combine("zstd-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "zstd");
        var layout = _temp.Combine("zstd");
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", app, "-o", $"oci:{layout}:1", "--compression", "zstd", "--source-date-epoch", "0");
        Assert.True(build.ExitCode == 0, build.Error);

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", $"oci:{layout}:1", "registry.test/app:1", "--format", "docker");

        // Then
        Assert.Equal(2, push.ExitCode);
        Assert.StartsWith("error TK2100: ", push.Error, StringComparison.Ordinal);
        Assert.Contains("gzip", push.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Events);
    }

    [Fact]
    public async Task Registry_options_parallelism_and_chunk_size_reach_the_engine()
    {
        // Given
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");
        _registry.UploadDelay = TimeSpan.FromMilliseconds(30);

        // When
        var push = await CliRunner.RunInProcessAsync(
            Registry, "image", "push", source, "registry.test/app:1", "--parallel", "1", "--chunk-size", "5M",
            "--insecure-registry", "registry.test", "--insecure-registry", "localhost:5000", "--ca-file", "/etc/ca.pem", "--tag", "a", "-t", "b");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Equal(1, _registry.MaxConcurrentUploads);
        Assert.Equal(5 * 1024 * 1024, _registry.LastUploadOptions!.ChunkSize);
        Assert.Equal(["registry.test", "localhost:5000"], _connection!.InsecureRegistries);
        Assert.Equal("/etc/ca.pem", _connection.CaFile);
        Assert.NotNull(_registry.Tag("app", "a"));
        Assert.NotNull(_registry.Tag("app", "b"));
        Assert.Null(_registry.Tag("app", "1"));
    }

    [Fact]
    public async Task Push_between_local_locations_needs_no_registry()
    {
        // Given
        var source = await BuiltLayoutAsync();

        // When
        var push = await CliRunner.RunInProcessAsync("image", "push", source, $"oci-archive:{_temp.Combine("copy.tar")}:1", "--json");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"oci-archive:{_temp.Combine("copy.tar")}:1", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Equal(JsonNode.Parse(push.Output)!["digest"]!.GetValue<string>(), JsonNode.Parse(inspect.Output)!["digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Push_to_a_real_distribution_registry_is_read_back_by_skopeo_and_a_second_push_uploads_nothing()
    {
        // Given a real CNCF distribution registry on loopback, and a two-platform image
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");
        var destination = $"{registry.HostPort}/team/app:1.0";

        // When
        var first = await CliRunner.RunInProcessAsync("image", "push", source, destination, "--json");
        var second = await CliRunner.RunInProcessAsync("image", "push", source, destination, "--json");

        // Then skopeo sees the same index digest, and nothing was uploaded the second time
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        var pushed = JsonNode.Parse(first.Output)!;
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{destination}"]);
        Assert.Equal(pushed["digest"]!.GetValue<string>(), Digest.Compute(raw.StandardOutputBytes).ToString());
        Assert.Equal(0, JsonNode.Parse(second.Output)!["bytesUploaded"]!.GetValue<long>());

        // And the image comes back from the registry as a base and through inspect
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", destination, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Equal(2, JsonNode.Parse(inspect.Output)!["platforms"]!.AsArray().Count);
        var build = await CliRunner.RunInProcessAsync(
            "image", "build", "--from", destination, "--platform", "linux/arm64", "--layer", _temp.Combine("app"), "-o", $"oci:{_temp.Combine("on-registry-base")}", "--json");
        Assert.True(build.ExitCode == 0, build.Error);
        var onBase = await CliRunner.RunInProcessAsync("image", "inspect", $"oci:{_temp.Combine("on-registry-base")}", "--json");
        Assert.Equal($"{registry.HostPort}/team/app:1.0", JsonNode.Parse(onBase.Output)!["annotations"]!["org.opencontainers.image.base.name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Format_docker_to_a_real_distribution_registry_is_Docker_schema_2_for_skopeo_which_copies_it_to_an_OCI_layout()
    {
        // Given a real CNCF distribution registry on loopback, and a two-platform OCI image
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var source = await BuiltLayoutAsync("linux/amd64", "linux/arm64");
        var destination = $"{registry.HostPort}/team/app:docker";

        // When
        var push = await CliRunner.RunInProcessAsync("image", "push", source, destination, "--format", "docker", "--json");

        // Then skopeo reads a Docker manifest list, whose digest is the one reported, naming Docker manifests
        Assert.True(push.ExitCode == 0, push.Error);
        var pushed = JsonNode.Parse(push.Output)!;
        var raw = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{destination}"]);
        Assert.Equal(pushed["digest"]!.GetValue<string>(), Digest.Compute(raw.StandardOutputBytes).ToString());
        var list = JsonNode.Parse(raw.StandardOutput)!;
        Assert.Equal(MediaTypes.DockerManifestList, list["mediaType"]!.GetValue<string>());
        Assert.Equal(["amd64", "arm64"], list["manifests"]!.AsArray().Select(m => m!["platform"]!["architecture"]!.GetValue<string>()));
        var child = list["manifests"]![1]!["digest"]!.GetValue<string>();
        var manifest = JsonNode.Parse((await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/team/app@{child}"])).StandardOutput)!;
        Assert.Equal(MediaTypes.DockerManifest, manifest["mediaType"]!.GetValue<string>());
        Assert.Equal(MediaTypes.DockerConfig, manifest["config"]!["mediaType"]!.GetValue<string>());
        Assert.All(manifest["layers"]!.AsArray(), l => Assert.Equal(MediaTypes.DockerLayerGzip, l!["mediaType"]!.GetValue<string>()));

        // And skopeo copies it (the arm64 image) into an OCI layout, which our reader opens with the same layers
        var copied = _temp.Combine("skopeo-oci");
        await ExternalTool.RunCheckedAsync(
            "skopeo", ["copy", "--src-tls-verify=false", "--override-arch", "arm64", $"docker://{destination}", $"oci:{copied}:copied"]);
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"oci:{copied}:copied", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Equal(
            manifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()),
            JsonNode.Parse(inspect.Output)!["platforms"]![0]!["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()));

        // And the build's annotations, which Docker schema 2 cannot hold, were reported as left out
        Assert.Contains("warning TK2103: ", push.Error, StringComparison.Ordinal);
        Assert.Contains(AnnotationKeys.Created, push.Error, StringComparison.Ordinal);

        // And it comes back as OCI on request, naming the same blobs
        var back = await CliRunner.RunInProcessAsync("image", "push", destination, $"oci:{_temp.Combine("back")}:1", "--format", "oci", "--json");
        Assert.True(back.ExitCode == 0, back.Error);
        Assert.Equal(MediaTypes.OciIndex, JsonNode.Parse(back.Output)!["mediaType"]!.GetValue<string>());
        Assert.Equal(0, JsonNode.Parse(back.Output)!["blobsSkipped"]!.GetValue<int>());
        var index = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", $"oci:{_temp.Combine("back")}:1"]);
        Toolkit.Testing.Schemas.OciSchemas.AssertValidIndex(index.StandardOutputBytes);
        var arm64 = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--override-arch", "arm64", $"oci:{_temp.Combine("back")}:1"]);
        Assert.Equal("arm64", JsonNode.Parse(arm64.StandardOutput)!["Architecture"]!.GetValue<string>());
    }

    [Fact]
    public async Task Format_docker_to_a_docker_archive_stores_a_Docker_manifest_that_skopeo_reads()
    {
        // Given
        var source = await BuiltLayoutAsync();
        var archive = _temp.Combine("image.tar");

        // When
        var push = await CliRunner.RunInProcessAsync("image", "push", source, $"docker-archive:{archive}:app:1", "--format", "docker", "--json");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Equal(MediaTypes.DockerManifest, JsonNode.Parse(push.Output)!["mediaType"]!.GetValue<string>());
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"docker-archive:{archive}", "--json");
        Assert.Equal(JsonNode.Parse(push.Output)!["digest"]!.GetValue<string>(), JsonNode.Parse(inspect.Output)!["digest"]!.GetValue<string>());
        var skopeo = JsonNode.Parse((await ExternalTool.RunCheckedAsync("skopeo", ["inspect", $"docker-archive:{archive}"])).StandardOutput)!;
        Assert.Equal("amd64", skopeo["Architecture"]!.GetValue<string>());
        var copied = _temp.Combine("from-archive");
        await ExternalTool.RunCheckedAsync("skopeo", ["copy", $"docker-archive:{archive}", $"oci:{copied}:1"]);
        Assert.True(File.Exists(Path.Combine(copied, "index.json")));
    }

    [Fact]
    public async Task A_registry_that_does_not_answer_is_a_coded_error()
    {
        var source = await BuiltLayoutAsync();

        var push = await CliRunner.RunInProcessAsync("image", "push", source, "127.0.0.1:1/app:1");

        Assert.Equal(1, push.ExitCode);
        Assert.StartsWith("error TK1001: ", push.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--parallel", "0", "TK1052")]
    [InlineData("--parallel", "100", "TK1052")]
    [InlineData("--chunk-size", "12", "TK1052")]
    [InlineData("--chunk-size", "lots", "TK1052")]
    [InlineData("--parallel", "four", "TK2000")]
    [InlineData("--tag", "not a tag", "TK2001")]
    public async Task Bad_push_options_are_usage_errors(string option, string value, string code)
    {
        // Given
        var source = await BuiltLayoutAsync();

        // When
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1", option, value);

        // Then
        Assert.Equal(2, push.ExitCode);
        Assert.StartsWith($"error {code}: ", push.Error, StringComparison.Ordinal);
        Assert.Empty(_registry.Events);
    }

    [Fact]
    public async Task A_push_without_a_destination_is_a_usage_error()
    {
        // When
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", "oci:somewhere");

        // Then
        Assert.Equal(2, push.ExitCode);
        Assert.StartsWith("error TK2000: ", push.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pulling_a_tampered_image_fails_with_TK2008_and_exit_code_1()
    {
        // Given
        var source = await BuiltLayoutAsync();
        var first = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1", "--json");
        var digest = Digest.Parse(JsonNode.Parse(first.Output)!["digest"]!.GetValue<string>());
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(_registry.Manifest("app", "1")!) + " ");
        _registry.Tamper("app", digest.ToString(), new Descriptor(MediaTypes.OciManifest, digest, forged.Length), forged);

        // When
        var pull = await CliRunner.RunInProcessAsync(Registry, "image", "push", $"registry.test/app@{digest}", $"oci:{_temp.Combine("pulled")}");

        // Then
        Assert.Equal(1, pull.ExitCode);
        Assert.StartsWith("error TK2008: ", pull.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_reads_an_image_from_the_registry()
    {
        // Given
        var source = await BuiltLayoutAsync("linux/arm64");
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", source, "registry.test/app:1", "--json");

        // When
        var inspect = await CliRunner.RunInProcessAsync(Registry, "image", "inspect", "registry.test/app:1", "--json");

        // Then
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.Equal(JsonNode.Parse(push.Output)!["digest"]!.GetValue<string>(), JsonNode.Parse(inspect.Output)!["digest"]!.GetValue<string>());
        Assert.Equal("linux/arm64/v8", JsonNode.Parse(inspect.Output)!["platforms"]![0]!["platform"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_registry_client_factory_is_made_once_per_command_and_disposed_after_it()
    {
        // Given
        var source = await BuiltLayoutAsync();
        var made = 0;
        var factory = new OwningFactory(_registry);

        // When
        var push = await CliRunner.RunInProcessAsync(
            _ =>
            {
                made++;
                return factory;
            },
            "image", "push", source, "registry.test/app:1");

        // Then
        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Equal(1, made);
        Assert.True(factory.Disposed);
    }

    private sealed class OwningFactory(InMemoryRegistry registry) : IRegistryClientFactory, IDisposable
    {
        public bool Disposed { get; private set; }

        public IRegistryClient Create(string name) => registry.Create(name);

        public void Dispose() => Disposed = true;
    }
}
