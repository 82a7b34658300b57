using Microsoft.Extensions.Time.Testing;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Aws.Tests.Ecr;

public sealed class EcrCredentialProviderTests
{
    private const string Registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));

    /// <summary>Hands out passwords pw-1, pw-2... valid for <see cref="Lifetime"/>; can hold every answer until released.</summary>
    private sealed class CountingTokens(FakeTimeProvider time) : IEcrAuthorizationTokenSource
    {
        private int _issued;

        public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(12);

        public TaskCompletionSource? Gate { get; set; }

        public Exception? Failure { get; set; }

        public int Issued => Volatile.Read(ref _issued);

        public List<EcrRegistryHost> Asked { get; } = [];

        public async Task<EcrAuthorizationToken> GetAuthorizationTokenAsync(EcrRegistryHost registry, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(registry);
            }

            if (Gate is { } gate)
            {
                await gate.Task;
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            var n = Interlocked.Increment(ref _issued);
            return new EcrAuthorizationToken("AWS", $"pw-{n}", time.GetUtcNow() + Lifetime, registry.Endpoint);
        }
    }

    /// <summary>A docker-config stand-in: one password per call, counted.</summary>
    private sealed class CountingInner : IRegistryCredentialProvider
    {
        public int Calls { get; private set; }

        public Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult<RegistryCredential?>(new RegistryCredential("user", $"docker-{Calls}", source: "docker config"));
        }
    }

    private EcrCredentialProvider Provider(CountingTokens tokens, IRegistryCredentialProvider? inner = null)
        => new(tokens, inner ?? AnonymousCredentialProvider.Instance, _time);

    [Fact]
    public async Task An_ECR_host_gets_the_token_as_AWS_and_its_password_for_its_account_and_region()
    {
        // Given
        var tokens = new CountingTokens(_time);
        var provider = Provider(tokens);

        // When a credential is asked for a FIPS host
        var credential = await provider.GetCredentialAsync("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", CancellationToken.None);

        // Then the token source was asked for that account and region, and the credential says where it came from
        Assert.Equal("AWS", credential!.Username);
        Assert.Equal("pw-1", credential.Password);
        var asked = Assert.Single(tokens.Asked);
        Assert.Equal(("123456789012", "us-gov-west-1", true), (asked.AccountId, asked.Region, asked.Fips));
        Assert.Contains("GetAuthorizationToken", credential.Source, StringComparison.Ordinal);
        Assert.Contains("123456789012", credential.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-1", credential.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_is_kept_until_five_minutes_before_it_expires_then_renewed()
    {
        // Given a 12-hour token
        var tokens = new CountingTokens(_time);
        var provider = Provider(tokens);
        var first = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // When it is asked again up to just before its renewal time, then at it
        _time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var kept = await provider.GetCredentialAsync(Registry, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        var renewed = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // Then the same token served until then, and a new one after
        Assert.Same(first, kept);
        Assert.Equal("pw-2", renewed!.Password);
        Assert.Equal(2, tokens.Issued);
    }

    [Fact]
    public async Task A_token_shorter_lived_than_twice_the_margin_is_renewed_at_half_its_life()
    {
        // Given tokens that live 6 minutes
        var tokens = new CountingTokens(_time) { Lifetime = TimeSpan.FromMinutes(6) };
        var provider = Provider(tokens);
        await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // When asked before and at half its life
        _time.Advance(TimeSpan.FromMinutes(2));
        var kept = await provider.GetCredentialAsync(Registry, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));
        var renewed = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // Then
        Assert.Equal("pw-1", kept!.Password);
        Assert.Equal("pw-2", renewed!.Password);
    }

    [Fact]
    public async Task Tokens_are_kept_per_registry_host()
    {
        // Given
        var tokens = new CountingTokens(_time);
        var provider = Provider(tokens);

        // When two registries and the same one in capitals and with :443 are asked
        var a = await provider.GetCredentialAsync(Registry, CancellationToken.None);
        var b = await provider.GetCredentialAsync("123456789012.dkr.ecr.eu-west-1.amazonaws.com", CancellationToken.None);
        var c = await provider.GetCredentialAsync(Registry.ToUpperInvariant() + ":443", CancellationToken.None);

        // Then one token per host
        Assert.Equal(2, tokens.Issued);
        Assert.NotEqual(a!.Password, b!.Password);
        Assert.Same(a, c);
    }

    [Fact]
    public async Task Callers_at_the_same_time_share_one_token_request()
    {
        // Given a token source that answers only when released
        var tokens = new CountingTokens(_time) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var provider = Provider(tokens);

        // When eight callers ask at once, then the answer comes
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => provider.GetCredentialAsync(Registry, CancellationToken.None))).ToArray();
        await Task.Delay(50);
        tokens.Gate.SetResult();
        var credentials = await Task.WhenAll(callers);

        // Then one request served all of them
        Assert.Equal(1, provider.TokenRequests);
        Assert.Single(tokens.Asked);
        Assert.All(credentials, c => Assert.Equal("pw-1", c!.Password));
    }

    [Fact]
    public async Task A_refused_token_is_dropped_once_even_when_several_requests_report_it()
    {
        // Given a kept token
        var tokens = new CountingTokens(_time);
        var provider = Provider(tokens);
        var first = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // When it is reported refused, a new one fetched, and the old one reported again (a parallel request)
        provider.Invalidate(Registry, first!);
        var second = await provider.GetCredentialAsync(Registry, CancellationToken.None);
        provider.Invalidate(Registry, first!);
        var still = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // Then only the refused token was dropped: the new one stays
        Assert.Equal("pw-2", second!.Password);
        Assert.Same(second, still);
        Assert.Equal(2, tokens.Issued);
    }

    [Fact]
    public async Task A_failed_token_request_is_not_kept()
    {
        // Given a token source that fails once
        var tokens = new CountingTokens(_time) { Failure = new ToolkitException(ErrorCodes.RegistryUnreachable, "no AWS today") };
        var provider = Provider(tokens);

        // When asked, then asked again after the source recovers
        await Assert.ThrowsAsync<ToolkitException>(() => provider.GetCredentialAsync(Registry, CancellationToken.None));
        tokens.Failure = null;
        var credential = await provider.GetCredentialAsync(Registry, CancellationToken.None);

        // Then the second call asked again
        Assert.Equal("pw-1", credential!.Password);
        Assert.Equal(2, tokens.Asked.Count);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_shared_request()
    {
        // Given a slow token source and two callers, the first of which gives up
        var tokens = new CountingTokens(_time) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var provider = Provider(tokens);
        using var impatient = new CancellationTokenSource();
        var first = provider.GetCredentialAsync(Registry, impatient.Token);
        var second = provider.GetCredentialAsync(Registry, CancellationToken.None);

        // When the first gives up and the answer then comes
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        tokens.Gate.SetResult();

        // Then the second gets it, from the one request
        Assert.Equal("pw-1", (await second)!.Password);
        Assert.Equal(1, provider.TokenRequests);
    }

    [Fact]
    public async Task Other_registries_are_asked_of_the_inner_provider_once_until_refused()
    {
        // Given an inner (docker config) provider
        var tokens = new CountingTokens(_time);
        var inner = new CountingInner();
        var provider = Provider(tokens, inner);

        // When another registry is asked twice, its credential refused, and asked again
        var first = await provider.GetCredentialAsync("ghcr.io", CancellationToken.None);
        var kept = await provider.GetCredentialAsync("ghcr.io", CancellationToken.None);
        provider.Invalidate("ghcr.io", first!);
        var reread = await provider.GetCredentialAsync("ghcr.io", CancellationToken.None);

        // Then the inner provider was asked once, then again after the refusal; no ECR token was asked for
        Assert.Same(first, kept);
        Assert.Equal("docker-2", reread!.Password);
        Assert.Equal(2, inner.Calls);
        Assert.Equal(0, tokens.Issued);
    }

    [Fact]
    public async Task A_lookalike_host_gets_the_inner_providers_credential_not_an_ECR_token()
    {
        // Given
        var tokens = new CountingTokens(_time);
        var provider = Provider(tokens, new CountingInner());

        // When a host that only looks like ECR is asked
        var credential = await provider.GetCredentialAsync("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", CancellationToken.None);

        // Then no token went there
        Assert.Equal("docker config", credential!.Source);
        Assert.Empty(tokens.Asked);
    }
}
