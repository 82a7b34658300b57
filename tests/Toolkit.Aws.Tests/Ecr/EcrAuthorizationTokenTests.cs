using System.Text;
using Toolkit.Aws.Ecr;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Tests.Ecr;

public sealed class EcrAuthorizationTokenTests
{
    private static readonly DateTimeOffset s_expiry = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_authorization_token_is_decoded_into_the_Basic_username_and_password()
    {
        // Given the base64 of AWS:<password>, as GetAuthorizationToken returns it (the password itself may hold colons)
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:eyJwYXlsb2FkIjoiYWJjIn0=:more"));

        // When it is decoded
        var token = EcrAuthorizationToken.FromAuthorizationData(encoded, s_expiry, "https://123456789012.dkr.ecr.us-east-1.amazonaws.com");

        // Then the username is AWS and the password everything after the first colon
        Assert.Equal("AWS", token.Username);
        Assert.Equal("eyJwYXlsb2FkIjoiYWJjIn0=:more", token.Password);
        Assert.Equal(s_expiry, token.ExpiresAt);
        Assert.Equal(new Uri("https://123456789012.dkr.ecr.us-east-1.amazonaws.com"), token.ProxyEndpoint);
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("QVdT")] // "AWS": no colon
    [InlineData("QVdTOg==")] // "AWS:": no password
    [InlineData("OnNlY3JldC12YWx1ZQ==")] // ":secret-value": no username
    [InlineData("")]
    public void A_token_that_is_not_base64_user_colon_password_is_TK3052_without_the_token(string encoded)
    {
        // When it is decoded
        var error = Assert.Throws<ToolkitException>(() => EcrAuthorizationToken.FromAuthorizationData(encoded, s_expiry, null));

        // Then it is a coded error that does not quote it
        Assert.Equal(ErrorCodes.EcrAuthorizationTokenInvalid, error.ErrorCode);
        if (encoded.Length > 0)
        {
            Assert.DoesNotContain(encoded, error.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("secret-value", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_never_shows_its_password()
    {
        // Given a token
        var token = new EcrAuthorizationToken("AWS", "canary-password-7f3e", s_expiry, new Uri("https://123456789012.dkr.ecr.us-east-1.amazonaws.com"));

        // When it is printed
        var text = token.ToString();

        // Then the password is not there, the rest is
        Assert.DoesNotContain("canary-password-7f3e", text, StringComparison.Ordinal);
        Assert.Contains("AWS", text, StringComparison.Ordinal);
        Assert.Contains("2026-05-01T12:00:00", text, StringComparison.Ordinal);
    }
}
