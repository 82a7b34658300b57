using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using static Toolkit.Core.Tests.Scanning.Gate.GateTestData;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class AllowlistGateTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 29, 23, 59, 0, TimeSpan.Zero));

    private static GatePolicy Policy(params AllowlistEntry[] entries) => new() { FailOn = Severity.High, Allowlist = new Allowlist(entries) };

    private static AllowlistEntry Entry(string id, DateOnly expires, string? package = null, string? repository = null) => new()
    {
        Id = id,
        Reason = "only the client is installed",
        Expires = expires,
        Package = package,
        Repository = repository,
        Location = "allow.json, entry 1 (ignore[0])",
    };

    [Fact]
    public void An_entry_suppresses_its_finding_with_reason_and_expiry_through_its_last_day()
    {
        var scan = Scan(Finding("CVE-2024-6387", Severity.High, "openssh-client"));

        var result = GateEvaluator.Evaluate(scan, Policy(Entry("cve-2024-6387", new DateOnly(2026, 11, 29))), time);

        Assert.Equal(GateDecision.Pass, result.Decision);
        Assert.Equal(1, result.CountsBeforeSuppression[Severity.High]);
        Assert.Equal(0, result.Counts[Severity.High]);
        var suppressed = Assert.Single(result.Suppressed);
        Assert.Equal(SuppressionKind.Allowlist, suppressed.Kind);
        Assert.Equal("only the client is installed", suppressed.Reason);
        Assert.Equal(new DateOnly(2026, 11, 29), suppressed.Expires);
        Assert.Equal("allow.json, entry 1 (ignore[0])", suppressed.Location);
        Assert.Empty(result.ExpiredEntries);
    }

    [Fact]
    public void An_entry_for_a_cve_suppresses_the_finding_reported_under_its_ghsa_alias()
    {
        var ghsa = Finding("GHSA-8g4q-xg66-9fp4", Severity.High, "System.Text.Json") with { Aliases = ["CVE-2024-43485"] };

        var result = GateEvaluator.Evaluate(Scan(ghsa), Policy(Entry("CVE-2024-43485", new DateOnly(2027, 1, 31))), time);

        Assert.Equal(GateDecision.Pass, result.Decision);
        Assert.Equal("GHSA-8g4q-xg66-9fp4", Assert.Single(result.Suppressed).Finding.Id);
    }

    [Fact]
    public void An_expired_entry_stops_suppressing_and_is_reported_with_its_findings()
    {
        var scan = Scan(Finding("CVE-2024-6387", Severity.High, "openssh-client"));
        var expired = Entry("CVE-2024-6387", new DateOnly(2026, 11, 28));
        var unused = Entry("CVE-2019-0001", new DateOnly(2025, 1, 1));

        var result = GateEvaluator.Evaluate(scan, Policy(expired, unused), time);

        Assert.Equal(GateDecision.Fail, result.Decision);
        Assert.Empty(result.Suppressed);
        Assert.Equal(2, result.ExpiredEntries.Count);
        Assert.Equal("CVE-2024-6387", Assert.Single(result.ExpiredEntries[0].Findings).Finding.Id);
        Assert.Empty(result.ExpiredEntries[1].Findings);
        Assert.Contains(result.Reasons, r => r.Contains("expired on 2026-11-28 and no longer suppresses 1 finding(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_next_day_the_same_entry_has_expired()
    {
        var scan = Scan(Finding("CVE-2024-6387", Severity.High));
        var policy = Policy(Entry("CVE-2024-6387", new DateOnly(2026, 11, 29)));

        var today = GateEvaluator.Evaluate(scan, policy, time);
        time.Advance(TimeSpan.FromMinutes(1));
        var tomorrow = GateEvaluator.Evaluate(scan, policy, time);

        Assert.Equal(GateDecision.Pass, today.Decision);
        Assert.Equal(GateDecision.Fail, tomorrow.Decision);
        Assert.Single(tomorrow.ExpiredEntries);
    }

    [Fact]
    public void An_entry_scoped_to_another_package_or_repository_does_not_suppress()
    {
        var scan = Scan(Finding("CVE-2023-4911", Severity.High, "libc6"), Finding("CVE-2023-4911", Severity.High, "libc-bin"));

        var otherPackage = GateEvaluator.Evaluate(scan, Policy(Entry("CVE-2023-4911", new DateOnly(2027, 1, 31), package: "libc6")), time);
        var otherRepository = GateEvaluator.Evaluate(scan, Policy(Entry("CVE-2023-4911", new DateOnly(2027, 1, 31), repository: "team/other")), time);
        var sameRepository = GateEvaluator.Evaluate(scan, Policy(Entry("CVE-2023-4911", new DateOnly(2027, 1, 31), repository: "Team/App")), time);

        Assert.Equal(GateDecision.Fail, otherPackage.Decision);
        Assert.Equal("libc6", Assert.Single(otherPackage.Suppressed).Finding.PackageName);
        Assert.Equal("libc-bin", Assert.Single(otherPackage.Findings).Finding.PackageName);
        Assert.Equal(GateDecision.Fail, otherRepository.Decision);
        Assert.Empty(otherRepository.Suppressed);
        Assert.Equal(GateDecision.Pass, sameRepository.Decision);
        Assert.Equal(2, sameRepository.Suppressed.Count);
    }
}
