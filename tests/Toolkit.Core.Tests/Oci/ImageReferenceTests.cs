using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Tests.Oci;

public class ImageReferenceTests
{
    private const string Sha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string Sha256 = "sha256:" + Sha256Hex;
    private static readonly string s_sha512 = Digest.Compute("abc"u8, Digest.Sha512).ToString();

    /// <summary>input, registry, repository, tag, digest, normalised string, familiar name.</summary>
    public static TheoryData<string, string, string, string?, string?, string, string> Valid => new()
    {
        // Docker Hub defaults
        { "ubuntu", "docker.io", "library/ubuntu", null, null, "docker.io/library/ubuntu", "ubuntu" },
        { "ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", null, "docker.io/library/ubuntu:22.04", "ubuntu:22.04" },
        { "library/ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", null, "docker.io/library/ubuntu:22.04", "ubuntu:22.04" },
        { "docker.io/ubuntu", "docker.io", "library/ubuntu", null, null, "docker.io/library/ubuntu", "ubuntu" },
        { "docker.io/library/ubuntu:latest", "docker.io", "library/ubuntu", "latest", null, "docker.io/library/ubuntu:latest", "ubuntu:latest" },
        { "index.docker.io/ubuntu", "docker.io", "library/ubuntu", null, null, "docker.io/library/ubuntu", "ubuntu" },
        { "index.docker.io/myorg/app:1", "docker.io", "myorg/app", "1", null, "docker.io/myorg/app:1", "myorg/app:1" },
        { "myorg/app", "docker.io", "myorg/app", null, null, "docker.io/myorg/app", "myorg/app" },
        { "library/a/b", "docker.io", "library/a/b", null, null, "docker.io/library/a/b", "library/a/b" },
        { "registry-1.docker.io/library/ubuntu", "registry-1.docker.io", "library/ubuntu", null, null, "registry-1.docker.io/library/ubuntu", "registry-1.docker.io/library/ubuntu" },

        // Registries, ports, localhost, IPv4 and IPv6
        { "ghcr.io/owner/app:v1", "ghcr.io", "owner/app", "v1", null, "ghcr.io/owner/app:v1", "ghcr.io/owner/app:v1" },
        { "localhost/app", "localhost", "app", null, null, "localhost/app", "localhost/app" },
        { "localhost:5000/app:1.0", "localhost:5000", "app", "1.0", null, "localhost:5000/app:1.0", "localhost:5000/app:1.0" },
        { "localhost:5000/a/b/c", "localhost:5000", "a/b/c", null, null, "localhost:5000/a/b/c", "localhost:5000/a/b/c" },
        { "127.0.0.1:5000/app", "127.0.0.1:5000", "app", null, null, "127.0.0.1:5000/app", "127.0.0.1:5000/app" },
        { "[::1]:5000/app:tag", "[::1]:5000", "app", "tag", null, "[::1]:5000/app:tag", "[::1]:5000/app:tag" },
        { "[::1]/app", "[::1]", "app", null, null, "[::1]/app", "[::1]/app" },
        { "[2001:db8::1]:443/team/app", "[2001:db8::1]:443", "team/app", null, null, "[2001:db8::1]:443/team/app", "[2001:db8::1]:443/team/app" },
        { "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "team/app", "1", null, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1" },
        { "Registry.Example.COM/app", "Registry.Example.COM", "app", null, null, "Registry.Example.COM/app", "Registry.Example.COM/app" },
        { "my-registry.example.com:8443/app", "my-registry.example.com:8443", "app", null, null, "my-registry.example.com:8443/app", "my-registry.example.com:8443/app" },
        { "host:5000/app", "host:5000", "app", null, null, "host:5000/app", "host:5000/app" },

        // A colon without a slash is a tag, as in docker.
        { "localhost:5000", "docker.io", "library/localhost", "5000", null, "docker.io/library/localhost:5000", "localhost:5000" },

        // Path component separators
        { "a.b/c_d/e__f/g-h/i--j/k---l", "a.b", "c_d/e__f/g-h/i--j/k---l", null, null, "a.b/c_d/e__f/g-h/i--j/k---l", "a.b/c_d/e__f/g-h/i--j/k---l" },
        { "foo.bar/a.b.c", "foo.bar", "a.b.c", null, null, "foo.bar/a.b.c", "foo.bar/a.b.c" },
        { "a", "docker.io", "library/a", null, null, "docker.io/library/a", "a" },
        { "0/1", "docker.io", "0/1", null, null, "docker.io/0/1", "0/1" },

        // Tags
        { "app:_under", "docker.io", "library/app", "_under", null, "docker.io/library/app:_under", "app:_under" },
        { "app:UPPER.case-Tag_1", "docker.io", "library/app", "UPPER.case-Tag_1", null, "docker.io/library/app:UPPER.case-Tag_1", "app:UPPER.case-Tag_1" },
        { "app:" + new string('t', 128), "docker.io", "library/app", new string('t', 128), null, "docker.io/library/app:" + new string('t', 128), "app:" + new string('t', 128) },

        // Digests, and tag plus digest
        { "ubuntu@" + Sha256, "docker.io", "library/ubuntu", null, Sha256, "docker.io/library/ubuntu@" + Sha256, "ubuntu@" + Sha256 },
        { "ubuntu:22.04@" + Sha256, "docker.io", "library/ubuntu", "22.04", Sha256, "docker.io/library/ubuntu:22.04@" + Sha256, "ubuntu:22.04@" + Sha256 },
        { "localhost:5000/app:1@" + Sha256, "localhost:5000", "app", "1", Sha256, "localhost:5000/app:1@" + Sha256, "localhost:5000/app:1@" + Sha256 },
        { "[::1]:5000/app@" + Sha256, "[::1]:5000", "app", null, Sha256, "[::1]:5000/app@" + Sha256, "[::1]:5000/app@" + Sha256 },
        { "ghcr.io/o/a@" + s_sha512, "ghcr.io", "o/a", null, s_sha512, "ghcr.io/o/a@" + s_sha512, "ghcr.io/o/a@" + s_sha512 },
    };

    /// <summary>input, a word the error message must contain.</summary>
    public static TheoryData<string, string> Invalid => new()
    {
        { "", "required" },
        { " ", "whitespace" },
        { "ubuntu ", "whitespace" },
        { " ubuntu", "whitespace" },
        { "ubu ntu", "whitespace" },
        { "ubuntu\t", "whitespace" },
        { "http://registry.example.com/app", "scheme" },
        { "https://ghcr.io/o/a:1", "scheme" },
        { "oci://x", "scheme" },

        // Uppercase repository
        { "Ubuntu", "lowercase" },
        { "myorg/App", "lowercase" },
        { "MyOrg/app", "lowercase" },
        { "ghcr.io/Owner/app", "lowercase" },
        { "localhost:5000/App:1", "lowercase" },

        // Separators
        { "a..b", "path component" },
        { "a.-b", "path component" },
        { "a___b", "path component" },
        { "a_-b", "path component" },
        { "-a", "path component" },
        { "a-", "path component" },
        { ".a", "path component" },
        { "a.", "path component" },
        { "_a", "path component" },
        { "a_", "path component" },
        { "a//b", "empty path component" },
        { "a/", "empty path component" },
        { "/a", "empty path component" },
        { "ghcr.io/", "empty path component" },
        { "ghcr.io//a", "empty path component" },
        { "a/b+c", "path component" },
        { "a/ü", "path component" },
        { "a!b", "path component" },

        // Registries
        { "-bad.example.com/app", "registry" },
        { "bad-.example.com/app", "registry" },
        { "a..b.com/app", "registry" },
        { "host:port/app", "port" },
        { "host:/app", "port" },
        { "[::1/app", "IPv6" },
        { "[]:5000/app", "IPv6" },
        { "[::g]/app", "IPv6" },
        { "[::1]x/app", "IPv6" },
        { "exa_mple.com/app", "registry" },

        // Tags
        { "ubuntu:", "tag" },
        { "ubuntu:.hidden", "tag" },
        { "ubuntu:-dash", "tag" },
        { "ubuntu:a+b", "tag" },
        { "ubuntu:ta/g", "port" },
        { "ubuntu:" + new string('t', 129), "at most 128" },
        { "ubuntu:tä", "tag" },
        { ":tag", "no repository" },

        // Digests
        { "ubuntu@", "digest" },
        { "ubuntu@sha256", "digest" },
        { "ubuntu@sha256:abc", "digest" },
        { "ubuntu@md5:d41d8cd98f00b204e9800998ecf8427e", "digest" },
        { "ubuntu@sha384:" + new string('a', 96), "digest" },
        { "ubuntu@sha256:" + Sha256Hex.ToUpperInvariant(), "digest" },
        { "ubuntu@" + Sha256 + "@" + Sha256, "digest" },
        { "@" + Sha256, "no repository" },

        // Length and image IDs
        { "a/" + new string('b', 254), "too long" },
        { "example.com/" + new string('b', 244), "too long" },
        { Sha256Hex, "image ID" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parse_accepts_and_normalises_valid_references(
        string input, string registry, string repository, string? tag, string? digest, string normalised, string familiar)
    {
        // When
        var reference = ImageReference.Parse(input);

        // Then
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.ToString());
        Assert.Equal(normalised, reference.ToString());
        Assert.Equal(familiar, reference.FamiliarName);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Normalised_and_familiar_forms_parse_back_to_an_equal_reference(
        string input, string registry, string repository, string? tag, string? digest, string normalised, string familiar)
    {
        _ = (registry, repository, tag, digest, normalised, familiar);
        var reference = ImageReference.Parse(input);

        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
        Assert.Equal(reference, ImageReference.Parse(reference.FamiliarName));
        Assert.Equal(reference.GetHashCode(), ImageReference.Parse(reference.ToString()).GetHashCode());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_rejects_invalid_references_with_TK2001_and_names_the_problem(string input, string expectedWord)
    {
        // When
        var error = Assert.Throws<ToolkitException>(() => ImageReference.Parse(input));

        // Then
        Assert.Equal(ErrorCodes.InvalidReference.Code, error.Code);
        Assert.Contains(expectedWord, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(ImageReference.TryParse(input, out var reference));
        Assert.Null(reference);
    }

    [Fact]
    public void TryParse_returns_false_for_null()
    {
        Assert.False(ImageReference.TryParse(null, out var reference));
        Assert.Null(reference);
    }

    [Fact]
    public void Uppercase_error_suggests_the_lowercase_name()
    {
        var error = Assert.Throws<ToolkitException>(() => ImageReference.Parse("ghcr.io/MyOrg/App:1"));

        Assert.Contains("'myorg/app'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_length_limit_counts_the_normalised_name()
    {
        // Given: docker.io/ + 245 characters is exactly 255.
        var longest = "a/" + new string('b', 243);
        Assert.Equal(ImageReference.MaxNameLength, "docker.io/".Length + longest.Length);

        // When / Then
        Assert.Equal(longest, ImageReference.Parse(longest).Repository);
        Assert.Throws<ToolkitException>(() => ImageReference.Parse(longest + "b"));
    }

    [Fact]
    public void Parse_keeps_the_tag_null_and_TagOrDefault_applies_latest()
    {
        var bare = ImageReference.Parse("ubuntu");
        Assert.Null(bare.Tag);
        Assert.Equal("latest", bare.TagOrDefault);
        Assert.Equal("latest", bare.Reference);

        var byDigest = ImageReference.Parse("ubuntu@" + Sha256);
        Assert.Null(byDigest.TagOrDefault);
        Assert.Equal(Sha256, byDigest.Reference);
    }

    [Fact]
    public void Reference_prefers_the_digest_over_the_tag()
    {
        Assert.Equal("22.04", ImageReference.Parse("ubuntu:22.04").Reference);
        Assert.Equal(Sha256, ImageReference.Parse("ubuntu:22.04@" + Sha256).Reference);
    }

    [Theory]
    [InlineData("ubuntu", "registry-1.docker.io")]
    [InlineData("index.docker.io/library/ubuntu", "registry-1.docker.io")]
    [InlineData("ghcr.io/o/a", "ghcr.io")]
    [InlineData("localhost:5000/a", "localhost:5000")]
    [InlineData("[::1]:5000/a", "[::1]:5000")]
    public void RegistryApiHost_maps_docker_hub_to_its_api_host(string input, string expected)
        => Assert.Equal(expected, ImageReference.Parse(input).RegistryApiHost);

    [Theory]
    [InlineData("localhost/a", true)]
    [InlineData("localhost:5000/a", true)]
    [InlineData("127.0.0.1:5000/a", true)]
    [InlineData("127.1.2.3/a", true)]
    [InlineData("[::1]:5000/a", true)]
    [InlineData("[::1]/a", true)]
    [InlineData("[2001:db8::1]:5000/a", false)]
    [InlineData("127.example.com/a", false)]
    [InlineData("localhost.example.com/a", false)]
    [InlineData("ubuntu", false)]
    [InlineData("10.0.0.1:5000/a", false)]
    public void IsLocalhost_recognises_loopback_registries(string input, bool expected)
        => Assert.Equal(expected, ImageReference.Parse(input).IsLocalhost);

    [Fact]
    public void WithTag_replaces_the_tag_and_keeps_the_digest()
    {
        // Given
        var reference = ImageReference.Parse("ghcr.io/o/a:1@" + Sha256);

        // When
        var retagged = reference.WithTag("2");

        // Then
        Assert.Equal("ghcr.io/o/a:2@" + Sha256, retagged.ToString());
        Assert.Equal("ghcr.io/o/a:1@" + Sha256, reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".x")]
    [InlineData("a b")]
    [InlineData("a:b")]
    public void WithTag_rejects_invalid_tags(string tag)
    {
        var error = Assert.Throws<ToolkitException>(() => ImageReference.Parse("ubuntu").WithTag(tag));
        Assert.Equal(ErrorCodes.InvalidReference.Code, error.Code);
    }

    [Fact]
    public void WithDigest_adds_a_digest_and_keeps_the_tag()
    {
        var pinned = ImageReference.Parse("ubuntu:22.04").WithDigest(Digest.Parse(Sha256));

        Assert.Equal("docker.io/library/ubuntu:22.04@" + Sha256, pinned.ToString());
        Assert.Equal(Sha256, pinned.Reference);
    }

    [Fact]
    public void Equality_is_by_normalised_value()
    {
        var a = ImageReference.Parse("ubuntu:22.04");
        var b = ImageReference.Parse("index.docker.io/library/ubuntu:22.04");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ImageReference.Parse("ubuntu:24.04"));
        Assert.NotEqual(a, ImageReference.Parse("ubuntu"));
        Assert.NotEqual(a, ImageReference.Parse("ubuntu:22.04@" + Sha256));
        Assert.False(a.Equals(null));
    }
}
