namespace Toolkit.Core.Scanning;

/// <summary>Whether a fix exists for a finding's package.</summary>
public enum FixAvailability
{
    /// <summary>The scanner did not say.</summary>
    Unknown = 0,

    Yes = 1,

    No = 2,

    /// <summary>Some of the affected packages have a fix (Amazon Inspector's <c>PARTIAL</c>).</summary>
    Partial = 3,
}

/// <summary>
/// One vulnerability in one package of an image, the same for every scanner (ECR basic and enhanced, Trivy, Grype).
/// A vulnerability that affects several packages is one finding per package.
/// </summary>
public sealed record Finding
{
    /// <summary>True when <paramref name="id"/> is the finding's id or one of its aliases (without case).</summary>
    public bool IsKnownAs(string id) =>
        string.Equals(Id, id, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => string.Equals(a, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The vulnerability id: <c>CVE-2024-6387</c>, <c>GHSA-...</c>, <c>ALAS2-2023-...</c>, ...</summary>
    public required string Id { get; init; }

    /// <summary>Other ids of the same vulnerability (the CVE of a GHSA advisory, the GHSA of a CVE); allowlists and VEX match them too.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required Severity Severity { get; init; }

    /// <summary>The severity as the scanner wrote it (e.g. <c>UNTRIAGED</c>, <c>Negligible</c>), for reports.</summary>
    public string? SeverityText { get; init; }

    public double? CvssScore { get; init; }

    /// <summary>The CVSS vector, e.g. <c>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</c>.</summary>
    public string? CvssVector { get; init; }

    public string? PackageName { get; init; }

    public string? PackageVersion { get; init; }

    /// <summary>The version that fixes the vulnerability, when one is known.</summary>
    public string? FixedVersion { get; init; }

    public FixAvailability FixAvailable { get; init; }

    /// <summary>True or false when the scanner says whether an exploit is known; null when it does not.</summary>
    public bool? ExploitAvailable { get; init; }

    /// <summary>The digest of the layer that brought the package in, when the scanner names it.</summary>
    public string? LayerDigest { get; init; }

    /// <summary>Where to read about the vulnerability.</summary>
    public string? Uri { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>The feed the finding comes from (<c>NVD</c>, <c>DEBIAN_CVE</c>, <c>debian:distro:debian:12</c>, ...).</summary>
    public string? Source { get; init; }
}
