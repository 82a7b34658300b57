using Toolkit.Core.Registry;

namespace Toolkit.Core.Tests.Registry;

public sealed class AuthChallengeTests
{
    public static TheoryData<string, string, string?, string?, string?> SingleChallenges => new()
    {
        { "Basic realm=\"Registry Realm\"", "Basic", "Registry Realm", null, null },
        { "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/ubuntu:pull\"", "Bearer", "https://auth.docker.io/token", "registry.docker.io", "repository:library/ubuntu:pull" },
        { "bearer realm=https://ghcr.io/token, service=ghcr.io", "bearer", "https://ghcr.io/token", "ghcr.io", null },
        { "Bearer realm=\"https://x/token\",scope=\"repository:a/b:pull,push repository:c:pull\"", "Bearer", "https://x/token", null, "repository:a/b:pull,push repository:c:pull" },
        { "Bearer realm=\"https://x/t?a=1\", service=\"quoted \\\"name\\\"\"", "Bearer", "https://x/t?a=1", "quoted \"name\"", null },
        { "Bearer   realm = \"r\"  ,  service = \"s\"", "Bearer", "r", "s", null },
    };

    [Theory]
    [MemberData(nameof(SingleChallenges))]
    public void A_single_challenge_gives_its_scheme_and_parameters(string header, string scheme, string? realm, string? service, string? scope)
    {
        // Given a WWW-Authenticate value
        // When it is parsed
        var challenges = AuthChallenge.Parse(header);

        // Then there is one challenge with its parameters
        var challenge = Assert.Single(challenges);
        Assert.Equal(scheme, challenge.Scheme);
        Assert.Equal(realm, challenge.Realm);
        Assert.Equal(service, challenge.Service);
        Assert.Equal(scope, challenge.Scope);
    }

    [Fact]
    public void Several_challenges_in_one_header_are_all_returned()
    {
        // Given a header with a Bearer and a Basic challenge
        const string header = "Bearer realm=\"https://auth/token\",service=\"reg\", Basic realm=\"fallback\"";

        // When it is parsed
        var challenges = AuthChallenge.Parse(header);

        // Then both come back in order
        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBearer);
        Assert.Equal("reg", challenges[0].Service);
        Assert.True(challenges[1].IsBasic);
        Assert.Equal("fallback", challenges[1].Realm);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void An_empty_header_has_no_challenges(string? header)
    {
        // Given nothing
        // When it is parsed
        var challenges = AuthChallenge.Parse(header);

        // Then there are none
        Assert.Empty(challenges);
    }

    [Fact]
    public void A_token68_credential_is_skipped_without_breaking_the_next_challenge()
    {
        // Given a challenge with a token68 and another after it
        const string header = "Negotiate abc123==, Basic realm=\"r\"";

        // When it is parsed
        var challenges = AuthChallenge.Parse(header);

        // Then both schemes are seen and Basic keeps its realm
        Assert.Equal(["Negotiate", "Basic"], challenges.Select(c => c.Scheme));
        Assert.Equal("r", challenges[1].Realm);
    }
}
