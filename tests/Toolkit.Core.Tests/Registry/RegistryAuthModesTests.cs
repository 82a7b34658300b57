using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Registry;

internal static class RegistryFixtures
{
    public const string Username = "tester";
    public const string Password = "Corr3ct-Horse-Battery";

    public static RegistryClientFactory Factory(DistributionRegistryFixture registry, string? username, string? password, string? caFile = null)
        => new(new RegistryClientOptions
        {
            CaFile = caFile,
            MaxRetryAttempts = 2,
            CredentialProvider = username is null
                ? AnonymousCredentialProvider.Instance
                : new StaticCredentialProvider(new Dictionary<string, RegistryCredential>
                {
                    [registry.HostPort] = new(username, password, source: "the test's credentials"),
                }),
        });
}

public sealed class BasicAuthFixture() : IAsyncLifetime
{
    public DistributionRegistryFixture Registry { get; } = new() { Options = new DistributionRegistryOptions { BasicAuth = (RegistryFixtures.Username, RegistryFixtures.Password) } };

    public Task InitializeAsync() => Registry.InitializeAsync();

    public Task DisposeAsync() => Registry.DisposeAsync();
}

public sealed class TokenAuthFixture() : IAsyncLifetime
{
    public DistributionRegistryFixture Registry { get; } = new() { Options = new DistributionRegistryOptions { TokenAuth = (RegistryFixtures.Username, RegistryFixtures.Password) } };

    public Task InitializeAsync() => Registry.InitializeAsync();

    public Task DisposeAsync() => Registry.DisposeAsync();
}

public sealed class TlsFixture() : IAsyncLifetime
{
    public DistributionRegistryFixture Registry { get; } = new() { Options = new DistributionRegistryOptions { Tls = true } };

    public Task InitializeAsync() => Registry.InitializeAsync();

    public Task DisposeAsync() => Registry.DisposeAsync();
}

/// <summary>The client against the real registry with htpasswd Basic auth.</summary>
public sealed class RegistryBasicAuthTests(BasicAuthFixture fixture) : IClassFixture<BasicAuthFixture>
{
    private DistributionRegistryFixture Registry => fixture.Registry;

    [Fact]
    public async Task With_the_right_credentials_an_image_round_trips()
    {
        // Given the registry's user
        using var factory = RegistryFixtures.Factory(Registry, RegistryFixtures.Username, RegistryFixtures.Password);
        var client = factory.Create(Registry.HostPort);

        // When it pings, pushes and pulls
        await client.PingAsync(CancellationToken.None);
        var (descriptor, content) = await RegistryClientTests.PushImageAsync(client, "basic/app", "v1", layerSize: 20 * 1024 * 1024);
        var manifest = await client.GetManifestAsync("basic/app", "v1", [MediaTypes.OciManifest], CancellationToken.None);

        // Then it reads back what it pushed (the 20 MiB layer went up in chunks, authenticated up front)
        Assert.Equal(content, manifest!.Content);
        Assert.Equal(descriptor.Digest, manifest.Descriptor.Digest);
    }

    [Fact]
    public async Task Anonymous_is_a_coded_unauthorized_error_that_says_to_log_in()
    {
        // Given no credentials
        using var factory = RegistryFixtures.Factory(Registry, null, null);

        // When it pings
        var error = await Assert.ThrowsAsync<ToolkitException>(() => factory.Create(Registry.HostPort).PingAsync(CancellationToken.None));

        // Then it is TK1002
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("No credentials were found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_a_coded_unauthorized_error_without_the_password()
    {
        // Given a wrong password
        const string wrong = "Wr0ng-Password-Value";
        using var factory = RegistryFixtures.Factory(Registry, RegistryFixtures.Username, wrong);

        // When it reads a manifest
        var error = await Assert.ThrowsAsync<ToolkitException>(() => factory.Create(Registry.HostPort).GetManifestAsync("basic/app", "v1", [MediaTypes.OciManifest], CancellationToken.None));

        // Then it is TK1002, names registry and repository, and shows no secret
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains(Registry.HostPort, error.Message, StringComparison.Ordinal);
        Assert.Contains("basic/app", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Basic ", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The client against the real registry with token auth: real JWTs, validated by the registry.</summary>
public sealed class RegistryTokenAuthTests(TokenAuthFixture fixture) : IClassFixture<TokenAuthFixture>
{
    private DistributionRegistryFixture Registry => fixture.Registry;

    [Fact]
    public async Task With_credentials_an_image_round_trips_and_tokens_are_reused()
    {
        // Given the token server's user
        using var factory = RegistryFixtures.Factory(Registry, RegistryFixtures.Username, RegistryFixtures.Password);
        var client = factory.Create(Registry.HostPort);

        // When it pushes an image, then reads it three times (other tests share the token server: count from here)
        var before = Registry.TokenServer!.TokensIssued;
        var (descriptor, content) = await RegistryClientTests.PushImageAsync(client, "token/app", "v1");
        var afterPush = Registry.TokenServer.TokensIssued - before;
        for (var i = 0; i < 3; i++)
        {
            var manifest = await client.GetManifestAsync("token/app", "v1", [MediaTypes.OciManifest], CancellationToken.None);
            Assert.Equal(content, manifest!.Content);
        }

        // Then the push needed one push token and the reads at most one pull token, reused
        Assert.True(afterPush == 1, $"{afterPush} tokens issued for the push");
        var afterReads = Registry.TokenServer.TokensIssued - before;
        Assert.True(afterReads == 2, $"{afterReads} tokens issued in all");
        Assert.NotNull(descriptor);
    }

    [Fact]
    public async Task Anonymous_callers_get_a_token_without_rights_and_a_coded_unauthorized_error()
    {
        // Given no credentials
        using var factory = RegistryFixtures.Factory(Registry, null, null);

        // When it reads a manifest
        var error = await Assert.ThrowsAsync<ToolkitException>(() => factory.Create(Registry.HostPort).GetManifestAsync("token/other", "v1", [MediaTypes.OciManifest], CancellationToken.None));

        // Then it is TK1002 and says no credentials were found
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("No credentials were found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_the_token_service_as_a_coded_error()
    {
        // Given a wrong password
        const string wrong = "Wr0ng-Token-Password";
        using var factory = RegistryFixtures.Factory(Registry, RegistryFixtures.Username, wrong);

        // When it pings
        var error = await Assert.ThrowsAsync<ToolkitException>(() => factory.Create(Registry.HostPort).PingAsync(CancellationToken.None));

        // Then it is TK1002 without the secret
        Assert.Equal(ErrorCodes.RegistryUnauthorized.Code, error.Code);
        Assert.Contains("the test's credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>The client against the real registry serving TLS with a certificate from a CA the test generated.</summary>
public sealed class RegistryTlsTests(TlsFixture fixture) : IClassFixture<TlsFixture>
{
    private DistributionRegistryFixture Registry => fixture.Registry;

    [Fact]
    public async Task With_the_CA_file_the_registry_is_trusted()
    {
        // Given the CA as --ca-file
        using var factory = RegistryFixtures.Factory(Registry, null, null, Registry.CaFile);
        var client = factory.Create(Registry.HostPort);

        // When it pings and round-trips an image
        await client.PingAsync(CancellationToken.None);
        var (descriptor, _) = await RegistryClientTests.PushImageAsync(client, "tls/app", "v1");

        // Then it works over TLS
        Assert.Equal(descriptor.Digest, (await client.HeadManifestAsync("tls/app", "v1", [MediaTypes.OciManifest], CancellationToken.None))!.Digest);
    }

    [Fact]
    public async Task Without_the_CA_file_it_is_a_coded_TLS_error_and_no_plain_HTTP_fallback()
    {
        // Given no CA
        using var factory = RegistryFixtures.Factory(Registry, null, null);

        // When it pings
        var error = await Assert.ThrowsAsync<ToolkitException>(() => factory.Create(Registry.HostPort).PingAsync(CancellationToken.None));

        // Then it is TK1013 and says what to do
        Assert.Equal(ErrorCodes.RegistryTlsFailure.Code, error.Code);
        Assert.Contains("--ca-file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_file_without_certificates_is_a_coded_error()
    {
        // Given a file that is not PEM
        using var directory = new TemporaryDirectory("ca");
        var file = directory.Combine("empty.pem");
        File.WriteAllText(file, "not a certificate");

        // When a factory is created with it
        var error = Assert.Throws<ToolkitException>(() => new RegistryClientFactory(new RegistryClientOptions { CaFile = file }));

        // Then it is TK1016
        Assert.Equal(ErrorCodes.InvalidCaFile.Code, error.Code);
    }
}
