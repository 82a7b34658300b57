using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using static Toolkit.Core.Tests.Scanning.Gate.GateTestData;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class VexTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    private static string Document(string statements) => $$"""
        {
          "@context": "https://openvex.dev/ns/v0.2.0",
          "@id": "https://example.com/vex/app-2026-11",
          "author": "Platform Security <security@example.com>",
          "timestamp": "2026-11-20T09:00:00Z",
          "version": 1,
          "statements": [{{statements}}]
        }
        """;

    private static string Statement(string id, string status, string extra = "", string product = $"\"pkg:oci/app@sha256%3A{Tail}?repository_url=123456789012.dkr.ecr.us-east-1.amazonaws.com%2Fteam%2Fapp\"") =>
        $$"""{"vulnerability": {"name": "{{id}}"}, "products": [{"@id": {{product}}}], "status": "{{status}}"{{extra}}}""";

    private const string Tail = "4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0";

    [Fact]
    public void Not_affected_for_the_image_suppresses_with_the_justification_kept()
    {
        var vex = VexReader.Parse(Document(Statement("CVE-2024-6387", "not_affected", ", \"justification\": \"vulnerable_code_not_in_execute_path\", \"impact_statement\": \"sshd is never started\"")), "app.vex.json");
        var scan = Scan(Finding("CVE-2024-6387", Severity.High, "openssh-client"));

        var result = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.High, Vex = vex }, time);

        Assert.Equal(GateDecision.Pass, result.Decision);
        var suppressed = Assert.Single(result.Suppressed);
        Assert.Equal(SuppressionKind.Vex, suppressed.Kind);
        Assert.Equal("VEX: not_affected", suppressed.Reason);
        Assert.Equal("vulnerable_code_not_in_execute_path: sshd is never started", suppressed.Justification);
        Assert.Equal("app.vex.json, statement 1", suppressed.Location);
    }

    [Fact]
    public void Fixed_suppresses_and_a_digest_hash_or_no_product_matches_too()
    {
        var vex = VexReader.Parse(
            Document(string.Join(",",
                $$$"""{"vulnerability": "CVE-2023-4911", "products": [{"hashes": {"sha-256": "{{{Tail}}}"}}], "status": "fixed"}""",
                """{"vulnerability": {"name": "GHSA-8g4q-xg66-9fp4", "aliases": ["CVE-2024-43485"]}, "status": "not_affected", "justification": "component_not_present"}""")),
            "v.json");
        var scan = Scan(Finding("CVE-2023-4911", Severity.High), Finding("CVE-2024-43485", Severity.High, "System.Text.Json"));

        var result = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.High, Vex = vex }, time);

        Assert.Equal(GateDecision.Pass, result.Decision);
        Assert.Equal(["VEX: fixed", "VEX: not_affected"], result.Suppressed.Select(s => s.Reason));
    }

    [Theory]
    [InlineData("affected", ", \"action_statement\": \"upgrade\"")]
    [InlineData("under_investigation", "")]
    public void Affected_and_under_investigation_do_not_suppress(string status, string extra)
    {
        var vex = VexReader.Parse(Document(Statement("CVE-2024-6387", status, extra)), "v.json");
        var scan = Scan(Finding("CVE-2024-6387", Severity.High));

        var result = GateEvaluator.Evaluate(scan, new GatePolicy { FailOn = Severity.High, Vex = vex }, time);

        Assert.Equal(GateDecision.Fail, result.Decision);
        Assert.Empty(result.Suppressed);
    }

    [Fact]
    public void A_statement_about_another_image_or_another_package_does_not_suppress()
    {
        var otherImage = VexReader.Parse(Document(Statement("CVE-2024-6387", "not_affected", ", \"justification\": \"component_not_present\"", "\"pkg:oci/app@sha256%3A" + new string('c', 64) + "\"")), "v.json");
        var otherPackage = VexReader.Parse(
            Document($$$"""{"vulnerability": {"name": "CVE-2023-4911"}, "products": [{"@id": "sha256:{{{Tail}}}", "subcomponents": [{"@id": "pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u1?arch=amd64"}]}], "status": "not_affected", "justification": "vulnerable_code_not_present"}"""),
            "v.json");
        var scan = Scan(Finding("CVE-2024-6387", Severity.High), Finding("CVE-2023-4911", Severity.High, "libc6"), Finding("CVE-2023-4911", Severity.High, "libc-bin"));

        var image = GateEvaluator.Evaluate(scan, new GatePolicy { Vex = otherImage }, time);
        var package = GateEvaluator.Evaluate(scan, new GatePolicy { Vex = otherPackage }, time);

        Assert.Empty(image.Suppressed);
        Assert.Equal("libc-bin", Assert.Single(package.Suppressed).Finding.PackageName);
    }

    [Theory]
    [InlineData("{\"@context\": ", "line 1, column ")]
    [InlineData("{\"@context\": \"https://cyclonedx.org\", \"statements\": []}", "does not name OpenVEX")]
    [InlineData("{\"@context\": \"https://openvex.dev/ns/v0.2.0\"}", "no \"statements\" list")]
    [InlineData("{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [{\"status\": \"fixed\"}]}", "statement 1 names no vulnerability")]
    [InlineData("{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [{\"vulnerability\": \"CVE-1\", \"status\": \"ignored\"}]}", "status 'ignored'")]
    [InlineData("{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [{\"vulnerability\": \"CVE-1\", \"status\": \"not_affected\"}]}", "neither a justification nor an impact_statement")]
    public void A_malformed_document_is_TK4021(string content, string expected)
    {
        var exception = Assert.Throws<ToolkitException>(() => VexReader.Parse(content, "bad.vex.json"));

        Assert.Equal("TK4021", exception.Code);
        Assert.Contains("'bad.vex.json'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_document_is_TK4020()
    {
        var exception = await Assert.ThrowsAsync<ToolkitException>(() => VexReader.ReadAsync("/nonexistent/app.vex.json", CancellationToken.None));

        Assert.Equal("TK4020", exception.Code);
    }

    [Fact]
    public void Vex_is_applied_before_the_allowlist()
    {
        var vex = VexReader.Parse(Document(Statement("CVE-2024-6387", "not_affected", ", \"justification\": \"component_not_present\"")), "v.json");
        var allowlist = new Allowlist([new AllowlistEntry { Id = "CVE-2024-6387", Reason = "r", Expires = new DateOnly(2027, 1, 1) }]);

        var result = GateEvaluator.Evaluate(Scan(Finding("CVE-2024-6387", Severity.High)), new GatePolicy { Vex = vex, Allowlist = allowlist }, time);

        Assert.Equal(SuppressionKind.Vex, Assert.Single(result.Suppressed).Kind);
    }
}
