using System.Text.Json;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Sbom.Documents;

public sealed class NameBasedUuidTests
{
    [Fact]
    public void Matches_the_RFC_9562_example_of_a_version_5_uuid()
    {
        // RFC 9562 appendix A.4: namespace DNS, name "www.example.com".
        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"), NameBasedUuid.Create(NameBasedUuid.DnsNamespace, "www.example.com"));
    }

    [Fact]
    public void Sets_version_5_and_the_RFC_variant()
    {
        var uuid = NameBasedUuid.Create(NameBasedUuid.SbomNamespace, "anything");
        Assert.Equal(5, uuid.Version);
        Assert.Equal(0b10, uuid.Variant >> 2);
    }

    [Fact]
    public void Encodes_the_name_as_utf8()
        => Assert.NotEqual(NameBasedUuid.Create(NameBasedUuid.DnsNamespace, "café"), NameBasedUuid.Create(NameBasedUuid.DnsNamespace, "cafe"));
}

public sealed class SbomFormatTests
{
    [Theory]
    [InlineData("cyclonedx-json", "cyclonedx-json@1.6")]
    [InlineData("CycloneDX-JSON", "cyclonedx-json@1.6")]
    [InlineData("cyclonedx-json@1.5", "cyclonedx-json@1.5")]
    [InlineData("cyclonedx-json@1.6", "cyclonedx-json@1.6")]
    [InlineData(" cyclonedx-json@1.7 ", "cyclonedx-json@1.7")]
    [InlineData("spdx-json", "spdx-json@2.3")]
    [InlineData("spdx-json@2.3", "spdx-json@2.3")]
    public void Parses_names_with_and_without_a_version(string text, string expected)
        => Assert.Equal(expected, SbomFormat.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("cyclonedx")]
    [InlineData("cyclonedx-xml")]
    [InlineData("cyclonedx-json@1.4")]
    [InlineData("cyclonedx-json@")]
    [InlineData("spdx-json@2.2")]
    [InlineData("spdx-tag-value")]
    [InlineData("syft-json")]
    public void Refuses_anything_else_with_TK5000_listing_the_formats(string text)
    {
        var error = Assert.Throws<ToolkitException>(() => SbomFormat.Parse(text));
        Assert.Equal(ErrorCodes.UnknownSbomFormat, error.ErrorCode);
        Assert.Contains("cyclonedx-json@1.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_CycloneDX_1_6()
        => Assert.Same(SbomFormat.CycloneDxJson16, SbomFormat.Default);

    [Fact]
    public void Media_types_and_file_endings_follow_each_standard()
    {
        Assert.Equal("application/vnd.cyclonedx+json", SbomFormat.CycloneDxJson15.MediaType);
        Assert.Equal("application/spdx+json", SbomFormat.SpdxJson23.MediaType);
        Assert.Equal(".cdx.json", SbomFormat.CycloneDxJson17.FileExtension);
        Assert.Equal(".spdx.json", SbomFormat.SpdxJson23.FileExtension);
    }
}

public sealed class OciPackageUrlTests
{
    private static readonly Digest Digest = Digest.Parse("sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b");

    [Fact]
    public void Is_canonical_as_the_purl_test_vectors_write_it()
    {
        // The purl-spec vectors keep the digest's ':' and encode '/' in repository_url; qualifiers are sorted.
        Assert.Equal(
            "pkg:oci/debian@sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=latest",
            OciPackageUrl.Create("docker.io/library/debian", Digest, repositoryUrl: "docker.io/library/debian", tag: "latest", architecture: "amd64"));
    }

    [Fact]
    public void Takes_the_last_repository_segment_lowercased_as_name_and_leaves_out_empty_qualifiers()
        => Assert.Equal(
            "pkg:oci/static@sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b",
            OciPackageUrl.Create("gcr.io/distroless/Static", Digest, repositoryUrl: "", tag: null));

    [Fact]
    public void Percent_encodes_what_is_not_letters_digits_or_dot_dash_underscore_tilde_colon()
        => Assert.Equal(
            "pkg:oci/app@sha256:244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b?repository_url=localhost:5000%2Fapp&tag=v1.0_rc~1%2Bb%C3%A9",
            OciPackageUrl.Create("app", Digest, repositoryUrl: "localhost:5000/app", tag: "v1.0_rc~1+bé"));
}

public sealed class SpdxLicenseExpressionTests
{
    [Theory]
    [InlineData("MIT", "MIT")]
    [InlineData("mit", "MIT")]
    [InlineData("apache-2.0 or mit", "Apache-2.0 OR MIT")]
    [InlineData("  MIT   AND  (BSD-2-Clause OR  Apache-2.0) ", "MIT AND (BSD-2-Clause OR Apache-2.0)")]
    [InlineData("GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0")]
    [InlineData("GPL-2.0+", "GPL-2.0+")]
    [InlineData("LGPL-2.1+", "LGPL-2.1+")]
    [InlineData("Apache-1.1+", "Apache-1.1+")]
    [InlineData("licenseref-My.Own-1", "LicenseRef-My.Own-1")]
    [InlineData("MIT OR Apache-2.0 AND BSD-3-Clause", "MIT OR (Apache-2.0 AND BSD-3-Clause)")]
    [InlineData("((MIT))", "MIT")]
    public void Valid_expressions_are_normalised(string text, string expected)
    {
        Assert.True(SpdxLicenseExpression.TryParse(text, out var expression));
        Assert.Equal(expected, expression.Text);
    }

    [Theory]
    [InlineData("GPL-2+")]
    [InlineData("MIT/X11")]
    [InlineData("MIT AND")]
    [InlineData("AND MIT")]
    [InlineData("(MIT")]
    [InlineData("MIT)")]
    [InlineData("MIT WITH MIT")]
    [InlineData("(MIT OR BSD-2-Clause) WITH Classpath-exception-2.0")]
    [InlineData("DocumentRef-other:LicenseRef-x")]
    [InlineData("LicenseRef-")]
    [InlineData("LicenseRef-a_b")]
    [InlineData("Public Domain")]
    [InlineData("")]
    public void Invalid_expressions_are_refused(string text)
        => Assert.False(SpdxLicenseExpression.TryParse(text, out _));

    [Fact]
    public void And_parenthesises_disjunctions_only_where_needed()
    {
        var parts = new[] { "MIT OR Apache-2.0", "BSD-3-Clause AND Zlib", "GPL-3.0-only WITH GCC-exception-3.1" }
            .Select(text => SpdxLicenseExpression.TryParse(text, out var expression) ? expression : throw new InvalidOperationException(text))
            .ToArray();
        Assert.Equal("(MIT OR Apache-2.0) AND BSD-3-Clause AND Zlib AND GPL-3.0-only WITH GCC-exception-3.1", SpdxLicenseExpression.And(parts).Text);
    }

    [Fact]
    public void The_embedded_license_list_is_the_one_the_CycloneDX_schemas_carry()
    {
        // Given the enum of spdx.schema.json (licenses first, then exceptions, each sorted)
        using var schema = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Spec("cyclonedx", "spdx.schema.json")));
        var listed = schema.RootElement.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();

        // Then
        Assert.Equal(listed, SpdxLicenseList.LicenseIds.Concat(SpdxLicenseList.ExceptionIds));
        Assert.EndsWith(SpdxLicenseList.Version, schema.RootElement.GetProperty("$comment").GetString(), StringComparison.Ordinal);
        Assert.Equal("ZPL-2.1", SpdxLicenseList.LicenseIds[^1]);
        Assert.Contains("Classpath-exception-2.0", SpdxLicenseList.ExceptionIds);
        Assert.Contains("Linux-syscall-note", SpdxLicenseList.ExceptionIds);
        Assert.DoesNotContain("MIT", SpdxLicenseList.ExceptionIds);
    }
}
