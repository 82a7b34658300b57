namespace Toolkit.Core.Scanning;

/// <summary>
/// The severity of a finding, in one scale for every scanner. Ordered from <see cref="Undefined"/> (no rating, kept as such:
/// it is neither dropped nor guessed) to <see cref="Critical"/>, so thresholds compare with <c>&gt;=</c>.
/// </summary>
public enum Severity
{
    /// <summary>The scanner gave no usable rating (Inspector's <c>UNTRIAGED</c>, Trivy's and Grype's <c>Unknown</c>, ECR's <c>UNDEFINED</c>).</summary>
    Undefined = 0,

    /// <summary>Informational, negligible or unimportant (Grype's <c>Negligible</c>, Debian's <c>unimportant</c>).</summary>
    Informational = 1,

    Low = 2,

    /// <summary>Medium, or moderate (GitHub advisories).</summary>
    Medium = 3,

    /// <summary>High, or important (Red Hat).</summary>
    High = 4,

    Critical = 5,
}

/// <summary>Maps the severity text of scanners and feeds onto <see cref="Severity"/>.</summary>
public static class SeverityText
{
    /// <summary>
    /// The severity a scanner's text stands for, case-insensitive: <c>CRITICAL</c>, <c>HIGH</c>/<c>IMPORTANT</c>,
    /// <c>MEDIUM</c>/<c>MODERATE</c>, <c>LOW</c>, <c>INFORMATIONAL</c>/<c>INFO</c>/<c>NEGLIGIBLE</c>/<c>UNIMPORTANT</c>/<c>NONE</c>;
    /// anything else (<c>UNTRIAGED</c>, <c>UNKNOWN</c>, <c>UNDEFINED</c>, empty, a value no scanner documents) is
    /// <see cref="Severity.Undefined"/>.
    /// </summary>
    public static Severity Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Severity.Undefined;
        }

        return text.Trim().ToUpperInvariant() switch
        {
            "CRITICAL" => Severity.Critical,
            "HIGH" or "IMPORTANT" => Severity.High,
            "MEDIUM" or "MODERATE" => Severity.Medium,
            "LOW" => Severity.Low,
            "INFORMATIONAL" or "INFO" or "NEGLIGIBLE" or "UNIMPORTANT" or "NONE" => Severity.Informational,
            _ => Severity.Undefined,
        };
    }

    /// <summary>The strict form for options and policy files: one of the six names, case-insensitive; false for anything else.</summary>
    public static bool TryParseName(string? text, out Severity severity)
    {
        severity = Severity.Undefined;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var value in Enum.GetValues<Severity>())
        {
            if (string.Equals(ToName(value), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                severity = value;
                return true;
            }
        }

        return false;
    }

    /// <summary>The upper-case name used in reports and policy files (<c>CRITICAL</c> ... <c>UNDEFINED</c>).</summary>
    public static string ToName(Severity severity) => severity switch
    {
        Severity.Critical => "CRITICAL",
        Severity.High => "HIGH",
        Severity.Medium => "MEDIUM",
        Severity.Low => "LOW",
        Severity.Informational => "INFORMATIONAL",
        _ => "UNDEFINED",
    };
}
