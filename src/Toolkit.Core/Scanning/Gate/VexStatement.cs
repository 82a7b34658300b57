namespace Toolkit.Core.Scanning.Gate;

/// <summary>The OpenVEX status of a vulnerability in a product.</summary>
public enum VexStatus
{
    NotAffected = 0,
    Affected = 1,
    Fixed = 2,
    UnderInvestigation = 3,
}

/// <summary>
/// One OpenVEX statement: a vulnerability's status in some products. <c>not_affected</c> and <c>fixed</c> suppress the
/// vulnerability's findings in those products; <c>affected</c> and <c>under_investigation</c> do not.
/// </summary>
public sealed record VexStatement
{
    /// <summary>The vulnerability's name (<c>CVE-...</c>) and its aliases.</summary>
    public required IReadOnlyList<string> VulnerabilityIds { get; init; }

    public required VexStatus Status { get; init; }

    /// <summary>
    /// The products the statement is about: image digests (<c>sha256:...</c>) or package URLs (<c>pkg:oci/app@sha256%3A...</c>
    /// whose version is the digest). An empty list means every product.
    /// </summary>
    public IReadOnlyList<string> Products { get; init; } = [];

    /// <summary>
    /// The packages inside the products the statement is limited to, by name (taken from their package URLs); any package
    /// when empty.
    /// </summary>
    public IReadOnlyList<string> Subcomponents { get; init; } = [];

    /// <summary>The OpenVEX justification of a <c>not_affected</c> statement (e.g. <c>vulnerable_code_not_in_execute_path</c>).</summary>
    public string? Justification { get; init; }

    public string? ImpactStatement { get; init; }

    /// <summary>The document and statement it comes from, e.g. <c>app.vex.json, statement 1</c>.</summary>
    public string? Location { get; init; }

    public bool Suppresses => Status is VexStatus.NotAffected or VexStatus.Fixed;

    public bool Matches(Finding finding, ScanResult scan)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(scan);
        if (!VulnerabilityIds.Any(finding.IsKnownAs))
        {
            return false;
        }

        if (Subcomponents.Count > 0 && !Subcomponents.Contains(finding.PackageName ?? string.Empty, StringComparer.Ordinal))
        {
            return false;
        }

        return Products.Count == 0 || Products.Any(p => ProductMatches(p, scan.ImageDigest));
    }

    private static bool ProductMatches(string product, string? imageDigest)
    {
        if (imageDigest is null)
        {
            return false;
        }

        if (string.Equals(product, imageDigest, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // pkg:oci/<name>@<digest>?<qualifiers>: the version is the percent-encoded digest.
        if (product.StartsWith("pkg:oci/", StringComparison.OrdinalIgnoreCase))
        {
            var at = product.IndexOf('@', StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            var version = product[(at + 1)..];
            var end = version.IndexOfAny(['?', '#']);
            if (end >= 0)
            {
                version = version[..end];
            }

            return string.Equals(Uri.UnescapeDataString(version), imageDigest, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }
}
