namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// One accepted vulnerability: its id, why it is accepted and until when, optionally only for one package or one repository.
/// </summary>
public sealed record AllowlistEntry
{
    public required string Id { get; init; }

    public required string Reason { get; init; }

    /// <summary>The last day (UTC) the entry suppresses; from the next day on it is expired.</summary>
    public required DateOnly Expires { get; init; }

    /// <summary>Only findings in this package (exact name); any package when null.</summary>
    public string? Package { get; init; }

    /// <summary>Only images of this repository (e.g. <c>team/app</c>, compared without case); any repository when null.</summary>
    public string? Repository { get; init; }

    /// <summary>Where the entry is written, e.g. <c>allowlist.json, entry 2 (ignore[1])</c>, for messages.</summary>
    public string? Location { get; init; }

    public bool IsExpiredOn(DateOnly today) => today > Expires;

    public bool Matches(Finding finding, ScanResult scan)
    {
        ArgumentNullException.ThrowIfNull(finding);
        ArgumentNullException.ThrowIfNull(scan);
        return finding.IsKnownAs(Id)
            && (Package is null || string.Equals(Package, finding.PackageName, StringComparison.Ordinal))
            && (Repository is null || string.Equals(Repository, scan.Repository, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>The accepted vulnerabilities of a gate, read from an allowlist file (see <see cref="AllowlistReader"/>).</summary>
public sealed record Allowlist(IReadOnlyList<AllowlistEntry> Entries)
{
    public static Allowlist Empty { get; } = new([]);

    /// <summary>The file the entries were read from, when they were.</summary>
    public string? Source { get; init; }
}
