using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Tests.Oci;

public class DigestTests
{
    [Fact]
    public void Compute_of_empty_content_is_the_well_known_sha256()
    {
        // Given / When
        var digest = Digest.Compute([]);

        // Then
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", digest.ToString());
    }

    [Theory]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    public void Parse_rejects_malformed_digests_with_a_code(string value)
    {
        var error = Assert.Throws<ToolkitException>(() => Digest.Parse(value));
        Assert.Equal(ErrorCodes.InvalidDigest.Code, error.Code);
    }

    [Fact]
    public void Parse_accepts_sha512()
    {
        var sha512 = Digest.Compute("abc"u8, Digest.Sha512);
        Assert.Equal(sha512, Digest.Parse(sha512.ToString()));
        Assert.Equal(128, sha512.Encoded.Length);
    }
}
