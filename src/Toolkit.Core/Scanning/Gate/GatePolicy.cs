namespace Toolkit.Core.Scanning.Gate;

/// <summary>What the gate does when a scan has no final findings (failed, timed out, unsupported, unavailable).</summary>
public enum ScanUnavailableAction
{
    /// <summary>The gate fails: an image whose findings are unknown is not let through (the default).</summary>
    Fail = 0,

    /// <summary>The gate warns and decides on the other scans.</summary>
    Warn = 1,
}

/// <summary>The rules a gate applies to scan results.</summary>
public sealed record GatePolicy
{
    /// <summary>Fail on any finding at or above this severity (after suppression); no threshold when null.</summary>
    public Severity? FailOn { get; init; }

    /// <summary>The most findings allowed per severity (after suppression); a severity not listed has no limit.</summary>
    public IReadOnlyDictionary<Severity, int> MaxCounts { get; init; } = new Dictionary<Severity, int>();

    /// <summary>Do not count findings the scanner says have no fix (<see cref="FixAvailability.No"/>); findings with unknown fix information still count.</summary>
    public bool IgnoreUnfixed { get; init; }

    public Allowlist Allowlist { get; init; } = Allowlist.Empty;

    /// <summary>The OpenVEX statements whose <c>not_affected</c> and <c>fixed</c> statuses suppress findings.</summary>
    public IReadOnlyList<VexStatement> Vex { get; init; } = [];

    public ScanUnavailableAction OnScanUnavailable { get; init; } = ScanUnavailableAction.Fail;
}
