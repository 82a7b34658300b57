using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>GetAuthorizationToken as the control plane answers it, over a <see cref="StaticEcrRegistryBackend"/>: one new password per call.</summary>
internal sealed class BackendTokenSource(StaticEcrRegistryBackend backend) : IEcrAuthorizationTokenSource
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The last password handed out.</summary>
    public string? LastPassword { get; private set; }

    public Task<EcrAuthorizationToken> GetAuthorizationTokenAsync(EcrRegistryHost registry, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        var password = backend.IssuePassword();
        LastPassword = password;
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"AWS:{password}"));
        return Task.FromResult(EcrAuthorizationToken.FromAuthorizationData(encoded, DateTimeOffset.UtcNow.AddHours(12), $"https://{registry.AccountId}.dkr.ecr.{registry.Region}.amazonaws.com"));
    }
}

/// <summary>
/// The ECR data plane (TLS, certificate for the ECR host name) in front of a real registry, and a loopback CONNECT proxy
/// that reaches it as <c>123456789012.dkr.ecr.us-east-1.amazonaws.com</c>; registry clients through it; test images.
/// </summary>
internal sealed class EcrDataPlaneHarness : IAsyncDisposable
{
    private EcrDataPlaneHarness(IEcrRegistryBackend backend, EcrDataPlane plane, LoopbackConnectProxy proxy, TemporaryDirectory temp)
    {
        Backend = backend;
        Plane = plane;
        Proxy = proxy;
        Temp = temp;
    }

    /// <summary>What the data plane asks: a <see cref="StaticEcrRegistryBackend"/>, or the control-plane emulator itself.</summary>
    public IEcrRegistryBackend Backend { get; }

    public EcrDataPlane Plane { get; }

    public LoopbackConnectProxy Proxy { get; }

    public TemporaryDirectory Temp { get; }

    /// <summary>The registry as users write it: the ECR host name.</summary>
    public string Registry => Plane.RegistryHost;

    public static async Task<EcrDataPlaneHarness> StartAsync(DistributionRegistryFixture registry, IEcrRegistryBackend backend)
    {
        var plane = await EcrDataPlane.StartAsync(backend, registry.BaseUri, new EcrDataPlaneOptions { Tls = true });
        var proxy = new LoopbackConnectProxy(plane.Port, plane.RegistryHost);
        return new EcrDataPlaneHarness(backend, plane, proxy, new TemporaryDirectory("ecr-data-plane"));
    }

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        await Plane.DisposeAsync();
        Temp.Dispose();
    }

    /// <summary>
    /// What the factory's own transport would do with <c>HTTPS_PROXY</c> and <c>--ca-file</c>: go through the proxy and
    /// trust the data plane's CA (the name must match either way).
    /// </summary>
    public SocketsHttpHandler Transport()
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(Plane.CaFile!);
        return new SocketsHttpHandler
        {
            Proxy = new WebProxy(Proxy.Uri),
            UseProxy = true,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = new X509Certificate2(certificate);
                    return chain.Build(leaf);
                },
            },
        };
    }

    /// <summary>A registry client factory with ECR support (or, with <paramref name="quirks"/> false, ECR credentials only).</summary>
    public RegistryClientFactory Factory(IEcrAuthorizationTokenSource tokens, bool quirks = true)
    {
        var options = new RegistryClientOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryAttempts = 2 }.WithAmazonEcr(tokens);
        if (!quirks)
        {
            options = options with { MessageHandlers = [] };
        }

        return new RegistryClientFactory(options, Transport());
    }

    /// <summary>
    /// Writes an image with layers of random bytes of the given sizes to an OCI layout under tag 1, and returns the layout's
    /// directory and the manifest's descriptor.
    /// </summary>
    public async Task<(string Directory, Descriptor Manifest)> WriteImageAsync(string name, int seed, params int[] layerSizes)
    {
        var directory = Temp.Combine(name);
        var random = new Random(seed);
        await using var layout = new OciLayoutDestination(directory, "1");
        var layers = new List<Descriptor>();
        foreach (var size in layerSizes)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            var layer = Descriptor.For(MediaTypes.OciLayerGzip, bytes);
            await layout.PutBlobAsync(layer, new MemoryStream(bytes), CancellationToken.None);
            layers.Add(layer);
        }

        var config = OciJson.Serialize(new ImageConfig { RootFs = new RootFs { DiffIds = [.. layers.Select(l => l.Digest)] } });
        var configDescriptor = Descriptor.For(MediaTypes.OciConfig, config);
        await layout.PutContentAsync(configDescriptor, config, CancellationToken.None);
        var manifest = OciJson.Serialize(new ImageManifest { Config = configDescriptor, Layers = layers });
        var manifestDescriptor = Descriptor.For(MediaTypes.OciManifest, manifest);
        await layout.PutContentAsync(manifestDescriptor, manifest, CancellationToken.None);
        await layout.CommitAsync(manifestDescriptor, ["1"], CancellationToken.None);
        return (directory, manifestDescriptor);
    }
}
