using System.Text.Json.Nodes;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Registry;
using Toolkit.Testing.Schemas;

namespace Toolkit.Cli.Tests;

/// <summary><c>image attach</c> and <c>image referrers</c>, on <c>oci:</c> layouts and registries.</summary>
public sealed class ReferrerCommandTests : IDisposable
{
    private const string SbomType = "application/spdx+json";
    private const string SignatureType = "application/vnd.cncf.notary.signature";

    private readonly TemporaryDirectory _temp = new("tk-cli-referrers");
    private readonly InMemoryRegistry _registry = new("registry.test");

    public void Dispose() => _temp.Dispose();

    private IRegistryClientFactory Registry(RegistryConnectionOptions options) => _registry;

    private async Task<string> BuiltLayoutAsync(string? tag = "1")
    {
        var app = _temp.Combine("app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.dll"), "not really a dll");
        var layout = _temp.Combine("image");
        var output = tag is null ? $"oci:{layout}" : $"oci:{layout}:{tag}";
        var build = await CliRunner.RunInProcessAsync("image", "build", "--layer", app, "-o", output, "--source-date-epoch", "0", "--json");
        Assert.True(build.ExitCode == 0, build.Error);
        return layout;
    }

    private async Task<(string Sbom, string Signature)> FilesAsync()
    {
        var sbom = _temp.Combine("sbom.spdx.json");
        var signature = _temp.Combine("signature.jws");
        await File.WriteAllTextAsync(sbom, """{"spdxVersion":"SPDX-2.3","name":"app"}""");
        await File.WriteAllTextAsync(signature, """{"payload":"e30","signature":"c2ln"}""");
        return (sbom, signature);
    }

    [Fact]
    public async Task Attach_and_list_on_an_oci_layout_as_a_table_and_as_json()
    {
        // Given a built image and two files
        var layout = await BuiltLayoutAsync();
        var image = $"oci:{layout}:1";
        var (sbom, signature) = await FilesAsync();

        // When the files are attached (one with --json) and the referrers listed
        var first = await CliRunner.RunInProcessAsync(
            "image", "attach", image, "--artifact-type", SbomType, "--file", $"{sbom}:{SbomType}", "--annotation", "org.opencontainers.image.created=2024-01-02T03:04:05Z");
        var second = await CliRunner.RunInProcessAsync("image", "attach", image, "--artifact-type", SignatureType, "--file", $"{signature}:application/jose+json", "--json");
        var table = await CliRunner.RunInProcessAsync("image", "referrers", image);
        var json = await CliRunner.RunInProcessAsync("image", "referrers", image, "--json");
        var filtered = await CliRunner.RunInProcessAsync("image", "referrers", image, "--artifact-type", SignatureType, "--json");

        // Then attach printed the digest, or with --json a valid descriptor with the artifact type
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        var sbomDigest = Digest.Parse(first.Output.Trim());
        var descriptor = JsonNode.Parse(second.Output)!;
        OciSchemas.AssertValidDescriptor(System.Text.Encoding.UTF8.GetBytes(second.Output));
        Assert.Equal(SignatureType, descriptor["artifactType"]!.GetValue<string>());
        Assert.Equal(MediaTypes.OciManifest, descriptor["mediaType"]!.GetValue<string>());

        // And the table lists both with their types, the list both descriptors, the filter only the signature
        Assert.True(table.ExitCode == 0, table.Error);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("DIGEST", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(sbomDigest.ToString(), StringComparison.Ordinal) && l.Contains(SbomType, StringComparison.Ordinal) && l.Contains("2024-01-02T03:04:05Z", StringComparison.Ordinal));
        var all = JsonNode.Parse(json.Output)!.AsArray();
        Assert.Equal([sbomDigest.ToString(), descriptor["digest"]!.GetValue<string>()], all.Select(d => d!["digest"]!.GetValue<string>()));
        Assert.Equal("2024-01-02T03:04:05Z", all[0]!["annotations"]!["org.opencontainers.image.created"]!.GetValue<string>());
        Assert.Equal(descriptor["digest"]!.GetValue<string>(), Assert.Single(JsonNode.Parse(filtered.Output)!.AsArray())!["digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_untagged_layout_with_referrers_is_still_inspected_and_pushed_without_a_tag()
    {
        // Given an untagged image with a referrer
        var layout = await BuiltLayoutAsync(tag: null);
        var (sbom, _) = await FilesAsync();
        var attach = await CliRunner.RunInProcessAsync("image", "attach", $"oci:{layout}", "--artifact-type", SbomType, "--file", sbom);
        Assert.True(attach.ExitCode == 0, attach.Error);

        // When it is inspected and pushed without naming a tag
        var inspect = await CliRunner.RunInProcessAsync("image", "inspect", $"oci:{layout}", "--json");
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", $"oci:{layout}", "registry.test/app:1", "--json");

        // Then both took the image, not the referrer
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        Assert.True(push.ExitCode == 0, push.Error);
        var digest = JsonNode.Parse(inspect.Output)!["digest"]!.GetValue<string>();
        Assert.NotEqual(attach.Output.Trim(), digest);
        Assert.Equal(digest, JsonNode.Parse(push.Output)!["digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Attach_and_list_in_a_registry_with_and_without_the_Referrers_API()
    {
        // Given an image pushed to a registry without the API
        var layout = await BuiltLayoutAsync();
        var push = await CliRunner.RunInProcessAsync(Registry, "image", "push", $"oci:{layout}:1", "registry.test/team/app:1", "--json");
        Assert.True(push.ExitCode == 0, push.Error);
        var subject = Digest.Parse(JsonNode.Parse(push.Output)!["digest"]!.GetValue<string>());
        var (sbom, signature) = await FilesAsync();

        // When an SBOM is attached there, then a signature once the registry has the API, and both are listed
        var withoutApi = await CliRunner.RunInProcessAsync(Registry, "image", "attach", "registry.test/team/app:1", "--artifact-type", SbomType, "--file", sbom);
        _registry.SupportsReferrersApi = true;
        var withApi = await CliRunner.RunInProcessAsync(Registry, "image", "attach", $"registry.test/team/app@{subject}", "--artifact-type", SignatureType, "--file", signature);
        var list = await CliRunner.RunInProcessAsync(Registry, "image", "referrers", "registry.test/team/app:1", "--json");

        // Then the first went to the referrers tag, the second only to the API, which lists both (it indexes every manifest with a subject)
        Assert.True(withoutApi.ExitCode == 0, withoutApi.Error);
        Assert.True(withApi.ExitCode == 0, withApi.Error);
        var tagIndex = OciJson.ParseIndex(_registry.Manifest("team/app", $"sha256-{subject.Encoded}")!);
        Assert.Equal(withoutApi.Output.Trim(), Assert.Single(tagIndex.Manifests).Digest.ToString());
        Assert.True(list.ExitCode == 0, list.Error);
        Assert.Equal(
            new[] { withoutApi.Output.Trim(), withApi.Output.Trim() }.Order(StringComparer.Ordinal),
            JsonNode.Parse(list.Output)!.AsArray().Select(d => d!["digest"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task No_referrers_is_said_in_words()
    {
        // Given
        var layout = await BuiltLayoutAsync();

        // When
        var list = await CliRunner.RunInProcessAsync("image", "referrers", $"oci:{layout}:1", "--artifact-type", SbomType);

        // Then
        Assert.Equal(0, list.ExitCode);
        Assert.StartsWith("No referrers of sha256:", list.Output, StringComparison.Ordinal);
        Assert.EndsWith($" at oci:{layout}:1 with artifact type {SbomType}.", list.Output.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--artifact-type", "sbom", "TK1100")]
    [InlineData("--artifact-type", "text/plain;charset=utf-8", "TK1100")]
    [InlineData("--file", "/no/such/file.json", "TK1101")]
    [InlineData("--file", "sbom.json:application/json;x=1", "TK1100")]
    [InlineData("--annotation", "no-equals-sign", "TK2019")]
    public async Task Bad_attach_input_is_a_usage_error_and_nothing_is_written(string option, string value, string code)
    {
        // Given
        var layout = await BuiltLayoutAsync();
        var index = await File.ReadAllBytesAsync(Path.Combine(layout, "index.json"));
        string[] args = option == "--artifact-type"
            ? ["image", "attach", $"oci:{layout}:1", option, value]
            : ["image", "attach", $"oci:{layout}:1", "--artifact-type", SbomType, option, value];

        // When
        var attach = await CliRunner.RunInProcessAsync(args);

        // Then
        Assert.Equal(2, attach.ExitCode);
        Assert.StartsWith($"error {code}: ", attach.Error, StringComparison.Ordinal);
        Assert.Equal(index, await File.ReadAllBytesAsync(Path.Combine(layout, "index.json")));
    }

    [Fact]
    public async Task Attach_without_an_artifact_type_is_a_usage_error()
    {
        var attach = await CliRunner.RunInProcessAsync("image", "attach", "oci:somewhere", "--file", "x.json");

        Assert.Equal(2, attach.ExitCode);
        Assert.StartsWith("error TK2000: ", attach.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tool_process_attaches_and_lists_against_a_real_registry_through_the_tag_schema()
    {
        // Given a real distribution registry (no Referrers API) with an image on it
        await using var registry = new DistributionRegistryFixture();
        await registry.InitializeAsync();
        var layout = await BuiltLayoutAsync();
        var image = $"{registry.HostPort}/team/app:1";
        var push = await CliRunner.RunProcessAsync(["image", "push", $"oci:{layout}:1", image, "--json"], _temp.Path);
        Assert.True(push.ExitCode == 0, push.StandardError);
        var subject = Digest.Parse(JsonNode.Parse(push.StandardOutput)!["digest"]!.GetValue<string>());
        var (sbom, _) = await FilesAsync();

        // When the tool attaches an SBOM and lists the referrers, each as its own process
        var attach = await CliRunner.RunProcessAsync(["image", "attach", image, "--artifact-type", SbomType, "--file", $"{sbom}:{SbomType}"], _temp.Path);
        var list = await CliRunner.RunProcessAsync(["image", "referrers", image, "--json"], _temp.Path);

        // Then skopeo finds the referrer under the subject's tag-schema tag, and the listing has it
        Assert.True(attach.ExitCode == 0, attach.StandardError);
        Assert.True(list.ExitCode == 0, list.StandardError);
        var index = await ExternalTool.RunCheckedAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.HostPort}/team/app:sha256-{subject.Encoded}"]);
        Assert.Equal(attach.StandardOutput.Trim(), Assert.Single(OciJson.ParseIndex(index.StandardOutputBytes).Manifests).Digest.ToString());
        Assert.Equal(attach.StandardOutput.Trim(), Assert.Single(JsonNode.Parse(list.StandardOutput)!.AsArray())!["digest"]!.GetValue<string>());
    }
}
