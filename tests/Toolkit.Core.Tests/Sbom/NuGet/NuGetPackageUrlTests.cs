using Toolkit.Core.Sbom.NuGet;

namespace Toolkit.Core.Tests.Sbom.NuGet;

public sealed class NuGetPackageUrlTests
{
    [Theory]
    [InlineData("Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3")]
    [InlineData("SQLitePCLRaw.bundle_e_sqlite3", "2.1.11", "pkg:nuget/SQLitePCLRaw.bundle_e_sqlite3@2.1.11")]
    [InlineData("xunit.analyzers", "1.18.0-pre.1", "pkg:nuget/xunit.analyzers@1.18.0-pre.1")]
    [InlineData("Tool", "1.0.0+sha.abc", "pkg:nuget/Tool@1.0.0%2Bsha.abc")]
    public void The_id_keeps_its_case_and_only_reserved_characters_are_encoded(string id, string version, string expected)
        => Assert.Equal(expected, NuGetPackageUrl.Create(id, version));

    [Fact]
    public void A_base64_sha512_becomes_lowercase_hex()
    {
        var bytes = Enumerable.Range(0, 64).Select(i => (byte)(i * 3)).ToArray();

        Assert.Equal(Convert.ToHexStringLower(bytes), NuGetPackageUrl.Sha512Hex(Convert.ToBase64String(bytes)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Anything_but_a_sha512_gives_no_hash(string? value)
        => Assert.Null(NuGetPackageUrl.Sha512Hex(value));
}
