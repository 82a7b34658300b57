using Toolkit.Core.Scanning;

namespace Toolkit.Core.Tests.Scanning.Gate;

internal static class GateTestData
{
    public const string Digest = "sha256:4a0c1bc5a2c5a5a2bd0f30b0d1e6c2f8a7a7d4c1f0ad7e7fb6b8e1d6f3a2c9b0";

    public static Finding Finding(string id, Severity severity, string package = "libc6", string? fixedVersion = "2.36-9+deb12u3", FixAvailability fix = FixAvailability.Unknown) => new()
    {
        Id = id,
        Severity = severity,
        PackageName = package,
        PackageVersion = "2.36-9+deb12u1",
        FixedVersion = fixedVersion,
        FixAvailable = fix,
    };

    public static ScanResult Scan(params Finding[] findings) => new()
    {
        ImageDigest = Digest,
        Repository = "team/app",
        Platform = "linux/amd64",
        Scanner = new ScannerInfo("Amazon ECR enhanced scanning"),
        Findings = findings,
    };
}
