using Amazon.Runtime;
using Toolkit.Aws.Ecr;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Host;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// The production token source (<see cref="EcrClientTokenSource"/>: GetAuthorizationToken through our
/// <see cref="EcrClient"/> with the caller's AWS options) end to end: the ECR emulator issues the registry passwords,
/// the data-plane facade in front of the real distribution registry checks them (reached as
/// <c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c> through a loopback CONNECT proxy), the registry client pushes with
/// <see cref="EcrRegistryClientOptions.WithAmazonEcr"/>, and DescribeImages through our client shows what landed.
/// </summary>
public sealed class EcrPushAgainstEmulatorTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IAsyncLifetime
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private EmulatedEcr _ecr = null!;
    private EcrDataPlaneHarness _plane = null!;

    public async Task InitializeAsync()
    {
        _ecr = new EmulatedEcr(new EcrEmulatorOptions { BackingRegistry = registry.BaseUri });
        _plane = await EcrDataPlaneHarness.StartAsync(registry, _ecr.Emulator);
    }

    public async Task DisposeAsync()
    {
        await _plane.DisposeAsync();
        _ecr.Dispose();
    }

    /// <summary>The caller's AWS options as a front-end builds them: no region (the registry host names it), the emulator as the custom endpoint, static credentials.</summary>
    private AwsConnectionOptions CallerOptions() => new()
    {
        EndpointUrl = _ecr.Emulator.Endpoint.ToString(),
        Credentials = new BasicAWSCredentials(EmulatedEcr.Credentials.AccessKeyId, EmulatedEcr.Credentials.SecretAccessKey),
        Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
    };

    private Task<PushResult> PushAsync(RegistryClientFactory factory, string layout, string destination, PushOptions? options = null)
        => new RegistryPusher(factory).PushAsync(ImageLocation.Parse($"oci:{layout}:1"), ImageLocation.Parse($"{_plane.Registry}/{destination}"), options ?? new PushOptions(), CancellationToken.None);

    private async Task<ImageDetail> DescribeAsync(string repository, string tag)
        => Assert.Single((await _ecr.Client.DescribeImagesAsync(new DescribeImagesRequest { RepositoryName = repository, ImageIds = [new ImageIdentifier { ImageTag = tag }] }, CancellationToken.None)).ImageDetails!);

    [Fact]
    public async Task An_oci_image_pushed_with_the_real_token_source_is_what_DescribeImages_and_BatchGetImage_show()
    {
        // Given a repository, an OCI layout, and registry clients whose ECR passwords come from GetAuthorizationToken
        await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "push/app" }, CancellationToken.None);
        var (layout, manifest) = await _plane.WriteImageAsync("app", 11, 300_000, 40_000);
        using var tokens = new EcrClientTokenSource(CallerOptions());
        using var factory = _plane.Factory(tokens);

        // When it is pushed to <account>.dkr.ecr.us-east-1.amazonaws.com/push/app:1
        var result = await PushAsync(factory, layout, "push/app:1");

        // Then one password served the push, through the proxy and over TLS, and the control plane shows the image
        Assert.Equal(manifest.Digest, result.Root.Digest);
        Assert.Equal(1, _ecr.Count("GetAuthorizationToken"));
        Assert.Contains($"{_plane.Registry}:443", _plane.Proxy.Tunnelled);
        Assert.DoesNotContain(_plane.Plane.Requests, r => r.Note is "unknown password" or "expired token");
        Assert.Contains(_plane.Plane.Requests, r => r.Method == "PUT" && r.Path == $"/v2/push/app/manifests/1" && r.Status == 201);
        var detail = await DescribeAsync("push/app", "1");
        Assert.Equal(manifest.Digest.ToString(), detail.ImageDigest);
        Assert.Equal(["1"], detail.ImageTags);
        Assert.Equal(OciManifest, detail.ImageManifestMediaType);
        Assert.Equal(340_000, detail.ImageSizeInBytes);
        var image = Assert.Single((await _ecr.Client.BatchGetImageAsync(new BatchGetImageRequest { RepositoryName = "push/app", ImageIds = [new ImageIdentifier { ImageTag = "1" }] }, CancellationToken.None)).Images!);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(layout, "blobs", "sha256", manifest.Digest.Encoded)), image.ImageManifest);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task A_token_that_expires_in_the_middle_of_a_push_costs_exactly_one_more_GetAuthorizationToken()
    {
        // Given a three-layer image, and the emulator expiring every password it issued once the first blob is stored
        await _ecr.Client.CreateRepositoryAsync(new CreateRepositoryRequest { RepositoryName = "push/expiring" }, CancellationToken.None);
        var (layout, manifest) = await _plane.WriteImageAsync("expiring", 12, 200_000, 100_000, 50_000);
        var expired = 0;
        _plane.Plane.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/push/expiring/blobs/uploads/", StringComparison.Ordinal) && status == 201 && Interlocked.Exchange(ref expired, 1) == 0)
            {
                _ecr.Emulator.ExpireRegistryPasswords();
            }
        };
        using var tokens = new EcrClientTokenSource(CallerOptions());
        using var factory = _plane.Factory(tokens);

        // When it is pushed one blob at a time
        var result = await PushAsync(factory, layout, "push/expiring:1", new PushOptions { MaxParallelUploads = 1 });

        // Then the data plane refused the expired password, GetAuthorizationToken was called once more, and the push completed
        Assert.Equal(1, expired);
        Assert.Equal(manifest.Digest, result.Root.Digest);
        Assert.Equal(4, result.BlobsUploaded);
        Assert.Contains(_plane.Plane.Requests, r => r.Status == 403 && r.Note == "expired token");
        Assert.Equal(2, _ecr.Count("GetAuthorizationToken"));
        Assert.Equal(2, _ecr.Emulator.IssuedTokens);
        var detail = await DescribeAsync("push/expiring", "1");
        Assert.Equal(manifest.Digest.ToString(), detail.ImageDigest);
        Assert.Equal(350_000, detail.ImageSizeInBytes);
        _ecr.AssertHealthy();
    }

    [Fact]
    public async Task The_token_is_the_hosts_and_one_client_serves_every_call_for_a_region()
    {
        // Given the token source with a client factory that records the connection options it is asked for
        var asked = new List<AwsConnectionOptions>();
        var options = CallerOptions();
        using var tokens = new EcrClientTokenSource(options, o =>
        {
            asked.Add(o);
            return _ecr.NewClient();
        });
        Assert.True(EcrRegistryHost.TryParse(_plane.Registry, out var host));

        // When two tokens are asked for the same registry host
        var first = await tokens.GetAuthorizationTokenAsync(host, CancellationToken.None);
        var second = await tokens.GetAuthorizationTokenAsync(host, CancellationToken.None);

        // Then both are passwords of the host's registry from two GetAuthorizationToken calls, made by one client for the
        // host's region with the caller's credentials, profile and endpoint
        var backend = (IEcrRegistryBackend)_ecr.Emulator;
        Assert.All(new[] { first, second }, t => Assert.True(backend.IsValidRegistryPassword(t.Password)));
        Assert.NotEqual(first.Password, second.Password);
        Assert.Equal("AWS", first.Username);
        Assert.Equal(_plane.Registry, first.ProxyEndpoint?.Host);
        Assert.InRange(first.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(11.9), EcrEmulator.TokenLifetime);
        Assert.Equal(2, _ecr.Count("GetAuthorizationToken"));
        var connection = Assert.Single(asked);
        Assert.Equal("us-east-1", connection.Region);
        Assert.Same(options.Credentials, connection.Credentials);
        Assert.Equal(options.EndpointUrl, connection.EndpointUrl);
        Assert.Equal(options.Profile, connection.Profile);
        Assert.Same(options.Environment, connection.Environment);
        _ecr.AssertHealthy();
    }

    [Theory]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com", "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com")]
    [InlineData("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "us-east-1", true, false, "https://api.ecr-fips.us-east-1.amazonaws.com")]
    [InlineData("123456789012.dkr-ecr.eu-west-1.on.aws", "eu-west-1", false, true, "https://ecr.eu-west-1.api.aws")]
    [InlineData("123456789012.dkr-ecr-fips.us-gov-west-1.on.aws", "us-gov-west-1", true, true, "https://ecr-fips.us-gov-west-1.api.aws")]
    [InlineData("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1", false, false, "https://api.ecr.cn-north-1.amazonaws.com.cn")]
    public async Task Without_a_custom_endpoint_the_API_endpoint_follows_the_registry_hosts_region_and_variant(string registryHost, string region, bool fips, bool dualStack, string endpoint)
    {
        // Given the token source with no custom endpoint, whose client factory records the connection and answers from the emulator
        var asked = new List<AwsConnectionOptions>();
        var options = new AwsConnectionOptions
        {
            Credentials = new BasicAWSCredentials(EmulatedEcr.Credentials.AccessKeyId, EmulatedEcr.Credentials.SecretAccessKey),
            Environment = new DictionaryEnvironmentVariables(new Dictionary<string, string>()),
        };
        using var tokens = new EcrClientTokenSource(options, o =>
        {
            asked.Add(o);
            return _ecr.Client;
        });
        Assert.True(EcrRegistryHost.TryParse(registryHost, out var host));

        // When a token is asked for the host
        await tokens.GetAuthorizationTokenAsync(host, CancellationToken.None);

        // Then the client was made for the host's region and variant, which resolve to the official API endpoint (no request is sent there)
        var connection = Assert.Single(asked);
        Assert.Equal((region, fips, dualStack), (connection.Region, connection.UseFips ?? false, connection.UseDualStack ?? false));
        using var client = new EcrClient(AwsConnection.Resolve(connection));
        Assert.Equal(new Uri(endpoint), client.Endpoint);
        _ecr.AssertHealthy();
    }

    [Theory]
    [InlineData("option", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com/")]
    [InlineData("option", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com/")]
    [InlineData("option", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://api.ecr.eu-west-1.amazonaws.com/")]
    [InlineData("environment", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com/")]
    [InlineData("environment", "123456789012.dkr-ecr-fips.us-east-1.on.aws", "https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com/")]
    [InlineData("environment", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://api.ecr.eu-west-1.amazonaws.com/")]
    public async Task A_custom_endpoint_serves_the_configured_regions_hosts_and_other_regions_get_their_official_endpoint(string source, string registryHost, string endpoint)
    {
        // Given a VPC interface endpoint for ECR in us-east-1, the configured region, as an option or in AWS_ENDPOINT_URL_ECR
        const string vpce = "https://vpce-0a1b.api.ecr.us-east-1.vpce.amazonaws.com";
        var variables = new Dictionary<string, string> { ["AWS_REGION"] = "us-east-1" };
        if (source == "environment")
        {
            variables["AWS_ENDPOINT_URL_ECR"] = vpce;
        }

        var options = new AwsConnectionOptions
        {
            EndpointUrl = source == "option" ? vpce : null,
            Credentials = new BasicAWSCredentials(EmulatedEcr.Credentials.AccessKeyId, EmulatedEcr.Credentials.SecretAccessKey),
            Environment = new DictionaryEnvironmentVariables(variables),
        };
        var asked = new List<AwsConnectionOptions>();
        using var tokens = new EcrClientTokenSource(options, o =>
        {
            asked.Add(o);
            return _ecr.Client;
        });
        Assert.True(EcrRegistryHost.TryParse(registryHost, out var host));

        // When a token is asked for the host
        await tokens.GetAuthorizationTokenAsync(host, CancellationToken.None);

        // Then the client signs for the host's region and goes to the custom endpoint only in the endpoint's own region
        // (a FIPS host there does not ask for a FIPS variant of a custom endpoint, which the rule set refuses)
        var connection = Assert.Single(asked);
        Assert.Equal(host.Region, connection.Region);
        using var client = new EcrClient(AwsConnection.Resolve(connection));
        Assert.Equal(new Uri(endpoint), client.Endpoint);
        _ecr.AssertHealthy();
    }
}
