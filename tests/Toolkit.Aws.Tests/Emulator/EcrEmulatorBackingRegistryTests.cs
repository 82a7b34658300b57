using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>
/// The emulator in front of a real CNCF distribution registry (the registry the data-plane facade fronts): PutImage checks
/// the layers there and puts the manifest there, and what the facade pushed is read back from there.
/// </summary>
public sealed class EcrEmulatorBackingRegistryTests : IAsyncLifetime
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly DistributionRegistryFixture _registry = new();
    private readonly HttpClient _http = new();
    private EcrEmulator _emulator = null!;
    private SignedEcrClient _client = null!;

    public async Task InitializeAsync()
    {
        await _registry.InitializeAsync();
        _http.BaseAddress = _registry.BaseUri;
        _emulator = new EcrEmulator(new EcrEmulatorOptions { BackingRegistry = _registry.BaseUri });
        _client = new SignedEcrClient(_emulator, TimeProvider.System);
        var created = await _client.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = "app" });
        Assert.Equal(200, created.StatusCode);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _emulator.Dispose();
        _http.Dispose();
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task PutImage_refuses_a_manifest_whose_layers_the_registry_lacks_and_puts_the_others_there()
    {
        // Given a config and a layer uploaded to the registry, and a third layer that never was
        var config = await UploadAsync("app", """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var layer = await UploadAsync("app", "layer content");
        var missing = Descriptor("never uploaded");
        var incomplete = Manifest(config, layer, missing);
        var complete = Manifest(config, layer);

        // When both manifests are put
        var refused = await PutImageAsync(incomplete, "1.0");
        var accepted = await PutImageAsync(complete, "1.0");

        // Then the first is LayersNotFoundException naming the missing layer, and the second is in the registry under its tag
        Assert.Equal("LayersNotFoundException", refused.ErrorCode);
        Assert.Contains((string)missing["digest"]!, refused.Message, StringComparison.Ordinal);
        Assert.Equal(200, accepted.StatusCode);
        using var stored = new HttpRequestMessage(HttpMethod.Get, "v2/app/manifests/1.0");
        stored.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(OciManifest));
        using var response = await _http.SendAsync(stored);
        Assert.Equal(complete, await response.Content.ReadAsStringAsync());

        // And BatchCheckLayerAvailability asks the registry
        var layers = await _client.CallAsync("BatchCheckLayerAvailability", new JsonObject
        {
            ["repositoryName"] = "app",
            ["layerDigests"] = new JsonArray((string)layer["digest"]!, (string)missing["digest"]!),
        });
        var available = layers.Body.GetProperty("layers")[0];
        Assert.Equal("AVAILABLE", available.GetProperty("layerAvailability").GetString());
        Assert.Equal("layer content".Length, available.GetProperty("layerSize").GetInt64());
        Assert.Equal("MissingLayerDigest", layers.Body.GetProperty("failures")[0].GetProperty("failureCode").GetString());
        _emulator.AssertNoModelViolations();
    }

    [Fact]
    public async Task What_the_data_plane_pushed_is_read_back_from_the_registry_by_BatchGetImage_and_ListImageReferrers()
    {
        // Given an image and a referrer pushed straight into the registry, as the facade does, and reported to the emulator
        var config = await UploadAsync("app", """{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var layer = await UploadAsync("app", "another layer");
        var image = Manifest(config, layer);
        var imageDigest = await PutManifestAsync("app", image, "2.0");
        IEcrRegistryBackend backend = _emulator;
        backend.ImagePushed(new EcrPushedManifest("app", imageDigest, OciManifest, Encoding.UTF8.GetByteCount(image), "2.0", "application/vnd.oci.image.config.v1+json", null, [(string)layer["digest"]!], 13));
        await UploadAsync("app", "{}");
        var sbomLayer = await UploadAsync("app", """{"spdxVersion":"SPDX-2.3"}""");
        var (referrer, _) = EmulatorChecks.ReferrerManifest(imageDigest, Encoding.UTF8.GetByteCount(image), "application/spdx+json");
        referrer = referrer.Replace(EmulatorChecks.Sha256("sbom " + imageDigest), (string)sbomLayer["digest"]!, StringComparison.Ordinal)
            .Replace("\"size\":321", $"\"size\":{(int)sbomLayer["size"]!}", StringComparison.Ordinal);
        var referrerDigest = await PutManifestAsync("app", referrer, null);
        backend.ImagePushed(new EcrPushedManifest("app", referrerDigest, OciManifest, Encoding.UTF8.GetByteCount(referrer), null, "application/spdx+json", imageDigest, [(string)sbomLayer["digest"]!], 26));

        // When clients get the image and list its referrers
        var batch = await _client.CallAsync("BatchGetImage", new JsonObject
        {
            ["repositoryName"] = "app",
            ["imageIds"] = new JsonArray(new JsonObject { ["imageTag"] = "2.0" }),
        });
        var referrers = await _client.CallAsync("ListImageReferrers", new JsonObject
        {
            ["repositoryName"] = "app",
            ["subjectId"] = new JsonObject { ["imageDigest"] = imageDigest },
        });

        // Then the manifest text and the referrer's annotations come from the registry
        var got = batch.Body.GetProperty("images")[0];
        Assert.Equal(image, got.GetProperty("imageManifest").GetString());
        Assert.Equal(imageDigest, got.GetProperty("imageId").GetProperty("imageDigest").GetString());
        Assert.Equal("2.0", got.GetProperty("imageId").GetProperty("imageTag").GetString());
        var listed = referrers.Body.GetProperty("referrers")[0];
        Assert.Equal(referrerDigest, listed.GetProperty("digest").GetString());
        Assert.Equal("2025-01-02T03:04:05Z", listed.GetProperty("annotations").GetProperty("org.opencontainers.image.created").GetString());
        _emulator.AssertNoModelViolations();
    }

    private Task<EcrAnswer> PutImageAsync(string manifest, string tag)
        => _client.CallAsync("PutImage", new JsonObject { ["repositoryName"] = "app", ["imageTag"] = tag, ["imageManifest"] = manifest });

    /// <summary>Uploads a blob (a session, then one PUT with the content and digest) and returns its descriptor.</summary>
    private async Task<JsonObject> UploadAsync(string repository, string content)
    {
        var descriptor = Descriptor(content);
        using var start = await _http.PostAsync($"v2/{repository}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!;
        var url = new Uri(_registry.BaseUri, location);
        var separator = url.Query.Length > 0 ? "&" : "?";
        using var body = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.PutAsync(new Uri(url + separator + "digest=" + Uri.EscapeDataString((string)descriptor["digest"]!)), body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return descriptor;
    }

    private async Task<string> PutManifestAsync(string repository, string manifest, string? tag)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest)));
        using var body = new StringContent(manifest, Encoding.UTF8);
        body.Headers.ContentType = new MediaTypeHeaderValue(OciManifest);
        using var response = await _http.PutAsync($"v2/{repository}/manifests/{tag ?? digest}", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    private static JsonObject Descriptor(string content) => new()
    {
        ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip",
        ["digest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))),
        ["size"] = Encoding.UTF8.GetByteCount(content),
    };

    private static string Manifest(JsonObject config, params JsonObject[] layers)
    {
        var configDescriptor = config.DeepClone().AsObject();
        configDescriptor["mediaType"] = "application/vnd.oci.image.config.v1+json";
        return new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = configDescriptor,
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.DeepClone())]),
        }.ToJsonString();
    }
}
