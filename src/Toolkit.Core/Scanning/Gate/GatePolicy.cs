using System.Globalization;
using Toolkit.Core.Diagnostics;

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

    /// <summary>
    /// A threshold as options and policy files give it: <c>CRITICAL</c>, <c>HIGH</c>, <c>MEDIUM</c>, <c>LOW</c> or
    /// <c>INFORMATIONAL</c>, case-insensitive; anything else is TK4004.
    /// </summary>
    public static Severity ParseThreshold(string text)
    {
        if (!SeverityText.TryParseName(text, out var severity) || severity == Severity.Undefined)
        {
            throw new ToolkitException(ErrorCodes.InvalidGatePolicy, $"'{text}' is not a severity to fail on. Use CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL.");
        }

        return severity;
    }

    /// <summary>
    /// A scanning outcome policy as options and policy files give it: <c>fail</c> or <c>warn</c>, case-insensitive;
    /// anything else is TK4004.
    /// </summary>
    public static ScanUnavailableAction ParseScanUnavailableAction(string text) => text?.Trim().ToUpperInvariant() switch
    {
        "FAIL" => ScanUnavailableAction.Fail,
        "WARN" => ScanUnavailableAction.Warn,
        _ => throw new ToolkitException(ErrorCodes.InvalidGatePolicy, $"'{text}' is not what to do when a scan has no findings. Use fail (the default) or warn."),
    };

    /// <summary>Checks the policy: UNDEFINED is no threshold (it would fail every finding), and maximum counts are 0 or more (TK4004).</summary>
    public void Validate()
    {
        if (FailOn == Severity.Undefined)
        {
            throw new ToolkitException(ErrorCodes.InvalidGatePolicy, "UNDEFINED is not a severity to fail on (every finding is at or above it). Use CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL, and a maximum count for UNDEFINED findings.");
        }

        foreach (var (severity, maximum) in MaxCounts)
        {
            if (maximum < 0)
            {
                throw new ToolkitException(ErrorCodes.InvalidGatePolicy, string.Create(CultureInfo.InvariantCulture, $"The maximum count of {SeverityText.ToName(severity)} findings is {maximum}; give 0 or more."));
            }
        }
    }
}
