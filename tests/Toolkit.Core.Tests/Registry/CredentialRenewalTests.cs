using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing;
using Toolkit.Testing.Registry;

namespace Toolkit.Core.Tests.Registry;

/// <summary>
/// A short-lived credential that stops working in the middle of a push, against the real distribution registry behind a
/// <see cref="BasicAuthGate"/>: a refreshable provider is told, gives a new credential, and the push completes with one
/// renewal, whether the refused request could be sent again (a HEAD) or not (a streamed PATCH).
/// </summary>
public sealed class CredentialRenewalTests(DistributionRegistryFixture registry) : IClassFixture<DistributionRegistryFixture>, IDisposable
{
    private readonly BasicAuthGate _gate = new(registry.BaseUri);

    public void Dispose() => _gate.Dispose();

    /// <summary>Passwords "p1", "p2"... for user; each refusal of the current one moves to the next.</summary>
    private sealed class RotatingPasswords : IRefreshableRegistryCredentialProvider
    {
        private int _generation = 1;
        private int _invalidations;
        private int _fetches;

        public int Invalidations => Volatile.Read(ref _invalidations);

        public int Fetches => Volatile.Read(ref _fetches);

        public string Current => $"p{Volatile.Read(ref _generation)}";

        public Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            return Task.FromResult<RegistryCredential?>(new RegistryCredential("user", Current, source: "rotating test passwords"));
        }

        public void Invalidate(string registry, RegistryCredential rejected)
        {
            var generation = Volatile.Read(ref _generation);
            if (rejected.Password == $"p{generation}" && Interlocked.CompareExchange(ref _generation, generation + 1, generation) == generation)
            {
                Interlocked.Increment(ref _invalidations);
            }
        }
    }

    private async Task<PushResult> PushAsync(IRegistryCredentialProvider credentials, MemoryImage image, string repository, BlobUploadOptions upload)
    {
        using var factory = new RegistryClientFactory(new RegistryClientOptions
        {
            CredentialProvider = credentials,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryAttempts = 2,
        });
        await using var target = new RegistryImageDestination(factory.Create(_gate.HostPort), ImageReference.Parse($"{_gate.HostPort}/{repository}:1"), new RegistryDestinationOptions { Upload = upload });
        return await new RegistryPusher(factory).CopyAsync(image, target, new PushOptions { MaxParallelUploads = 1 }, CancellationToken.None);
    }

    private int Refused(string method, string pathContains)
        => _gate.Requests.Count(r => r.Refused && r.HadCredentials && r.Method == method && r.Path.Contains(pathContains, StringComparison.Ordinal));

    [Fact]
    public async Task A_credential_that_expires_after_the_first_blob_is_renewed_once_and_the_push_completes()
    {
        // Given a gate that accepts only the provider's first password until the first blob is stored, then only its second
        var passwords = new RotatingPasswords();
        _gate.Accepts = (user, password) => user == "user" && password == "p1";
        _gate.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && status == 201)
            {
                _gate.Accepts = (user, password) => user == "user" && password == "p2";
            }
        };
        var image = MemoryImage.Create(layers: 3, seed: "renew-head");

        // When the image (four blobs: three layers and the config) is pushed one blob at a time
        var result = await PushAsync(passwords, image, "renew/head", new BlobUploadOptions());

        // Then the refused credential was renewed once, the refused request went again, and the image is complete
        Assert.Equal(1, passwords.Invalidations);
        Assert.Equal(4, result.BlobsUploaded);
        Assert.Single(_gate.Requests, r => r.Refused && r.HadCredentials);
        var direct = new RegistryClientFactory(new RegistryClientOptions());
        using (direct)
        {
            var stored = await direct.Create(registry.HostPort).HeadManifestAsync("renew/head", "1", RegistryMediaTypes.ManifestAccept, CancellationToken.None);
            Assert.Equal(image.Root.Digest, stored?.Digest);
        }
    }

    [Fact]
    public async Task A_credential_refused_to_a_streamed_upload_is_renewed_and_the_blob_goes_in_a_new_session()
    {
        // Given blobs streamed in one PATCH each, and a gate that stops accepting the first password once the second
        // upload session is open (so the refused request is the streamed PATCH, which cannot be sent again)
        var passwords = new RotatingPasswords();
        var sessions = 0;
        _gate.Accepts = (user, password) => user == "user" && password == "p1";
        _gate.Relayed = (method, path, status) =>
        {
            if (method == "POST" && path.EndsWith("/blobs/uploads/", StringComparison.Ordinal) && status == 202 && Interlocked.Increment(ref sessions) == 2)
            {
                _gate.Accepts = (user, password) => user == "user" && password == "p2";
            }
        };
        var image = MemoryImage.Create(layers: 2, layerSize: 64 * 1024, seed: "renew-patch");

        // When it is pushed
        var result = await PushAsync(passwords, image, "renew/patch", new BlobUploadOptions { MonolithicThreshold = 1024 });

        // Then the PATCH was refused once, the credential renewed once, and that blob went again in a new session
        Assert.Equal(1, Refused("PATCH", "/blobs/uploads/"));
        Assert.Single(_gate.Requests, r => r.Refused && r.HadCredentials);
        Assert.Equal(1, passwords.Invalidations);
        Assert.Equal(3, result.BlobsUploaded);
        Assert.Equal(4, _gate.Requests.Count(r => !r.Refused && r.Method == "POST" && r.Path.EndsWith("/blobs/uploads/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_a_refreshable_provider_an_expired_credential_is_a_coded_unauthorized_error()
    {
        // Given the same expiry after the first blob, and a provider that cannot renew
        var fixedPassword = new StaticCredentialProvider(new Dictionary<string, RegistryCredential>
        {
            [_gate.HostPort] = new("user", "fixed-secret", source: "fixed test password"),
        });
        _gate.Accepts = (user, password) => password == "fixed-secret";
        _gate.Relayed = (method, path, status) =>
        {
            if (method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && status == 201)
            {
                _gate.Accepts = (_, _) => false;
            }
        };

        // When an image is pushed
        var error = await Assert.ThrowsAsync<ToolkitException>(() => PushAsync(fixedPassword, MemoryImage.Create(layers: 3, seed: "renew-fixed"), "renew/fixed", new BlobUploadOptions()));

        // Then it is TK1002, naming where the credential came from and not the password
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("fixed test password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fixed-secret", error.ToString(), StringComparison.Ordinal);
    }
}
