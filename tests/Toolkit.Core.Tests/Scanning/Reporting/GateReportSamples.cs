using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Core.Scanning.Reports;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Reporting;

/// <summary>
/// A realistic gate run for the report tests: the checked-in Trivy or Grype sample of <c>team/app</c> (linux/amd64), an
/// Amazon ECR scan of its linux/arm64 image whose findings are unavailable, an allowlist with an active and an expired
/// entry, an OpenVEX statement, a threshold of HIGH and no UNDEFINED findings allowed, at a fixed time.
/// </summary>
internal static class GateReportSamples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public static readonly GateReportOptions Options = new() { ToolVersion = "1.4.0-test" };

    public const string Allowlist = """
        version: 1
        ignore:
          - id: CVE-2023-45853
            reason: MiniZip is not built into Debian's zlib1g; no fix will come
            expires: 2027-01-31
            package: zlib1g
          - id: CVE-2011-3374
            reason: apt-key is not used at run time
            expires: 2026-06-30
        """;

    public const string Vex = """
        {
          "@context": "https://openvex.dev/ns/v0.2.0",
          "@id": "https://example.com/vex/team-app-1.4.2",
          "author": "Team App",
          "timestamp": "2026-11-20T09:00:00Z",
          "version": 1,
          "statements": [
            {
              "vulnerability": {"name": "CVE-2023-4911"},
              "products": [{"@id": "pkg:oci/app@sha256%3A4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0?repository_url=123456789012.dkr.ecr.us-east-1.amazonaws.com%2Fteam%2Fapp"}],
              "status": "not_affected",
              "justification": "vulnerable_code_cannot_be_controlled_by_adversary",
              "impact_statement": "The image runs as a non-root user and has no setuid binaries that read GLIBC_TUNABLES"
            }
          ]
        }
        """;

    public static ScanResult UnavailableArmScan { get; } = new()
    {
        ImageDigest = "sha256:7d2b0c0f9c8e5e7b1a3f4d6c2e8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60",
        Repository = "team/app",
        Platform = "linux/arm64",
        Outcome = ScanOutcome.Unavailable,
        StatusDescription = "FINDINGS_UNAVAILABLE: Findings are not available for this image yet",
        Scanner = new ScannerInfo("Amazon ECR enhanced scanning"),
    };

    public static string SamplePath(string name) => Path.Combine(TestPaths.RepositoryRoot, "tests", "Toolkit.Core.Tests", "Scanning", "Samples", name);

    public static GatePolicy Policy() => new()
    {
        FailOn = Severity.High,
        MaxCounts = new Dictionary<Severity, int> { [Severity.Undefined] = 0 },
        OnScanUnavailable = ScanUnavailableAction.Warn,
        Allowlist = AllowlistReader.Parse(Allowlist, "allowlist.yaml"),
        Vex = VexReader.Parse(Vex, "app.vex.json"),
    };

    /// <summary>The gate over one sample (<c>trivy-debian12-dotnet.json</c> or <c>grype-debian12-dotnet.json</c>) and the unavailable arm64 scan.</summary>
    public static (GateResult Result, GatePolicy Policy) Run(string sample)
    {
        var scan = ScanReportReader.Parse(File.ReadAllText(SamplePath(sample)), sample);
        var policy = Policy();
        var result = GateEvaluator.Evaluate([scan, UnavailableArmScan], policy, new FakeTimeProvider(Now));
        return (result, policy);
    }

    /// <summary>A gate result with the given counted findings (all failing a HIGH threshold when severe enough).</summary>
    public static (GateResult Result, GatePolicy Policy) WithFindings(IReadOnlyList<Finding> findings, GatePolicy? policy = null)
    {
        var scan = new ScanResult
        {
            ImageDigest = "sha256:4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0",
            Repository = "team/app",
            Platform = "linux/amd64",
            Scanner = new ScannerInfo("Trivy", "0.58.1"),
            Findings = findings,
        };
        policy ??= new GatePolicy { FailOn = Severity.High };
        return (GateEvaluator.Evaluate(scan, policy, new FakeTimeProvider(Now)), policy);
    }

    public static Finding Finding(string id, Severity severity, string package = "libc6", double? cvss = null) => new()
    {
        Id = id,
        Severity = severity,
        CvssScore = cvss,
        PackageName = package,
        PackageVersion = "2.36-9+deb12u1",
        FixedVersion = "2.36-9+deb12u3",
        FixAvailable = FixAvailability.Yes,
        Uri = $"https://avd.aquasec.com/nvd/{id.ToLowerInvariant()}",
        Title = $"{package}: a flaw",
    };
}
