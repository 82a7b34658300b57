using System.Globalization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Host;

/// <summary>
/// Durations as every front-end takes them (command-line options, MSBuild properties, Cake settings): plain seconds
/// (<c>900</c>), or whole numbers with units in the order hours, minutes, seconds (<c>1h</c>, <c>15m</c>, <c>900s</c>,
/// <c>1h30m</c>, <c>2m30s</c>), at most 7 days. Anything else is TK2019 (exit code 2).
/// </summary>
public static class DurationText
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> is the option, property or setting it came from, for the error.</summary>
    public static TimeSpan Parse(string text, string name, bool allowZero)
    {
        if (!TryParse(text, out var duration) || (!allowZero && duration == TimeSpan.Zero))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidOption,
                $"{name} '{text}' is not a duration{(allowZero ? string.Empty : " above zero")}. Write it as seconds (900) or with units h, m, s (15m, 900s, 1h, 1h30m).");
        }

        return duration;
    }

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            return Seconds(plain, out duration);
        }

        long total = 0;
        var lastUnit = -1;
        var position = 0;
        while (position < value.Length)
        {
            var start = position;
            while (position < value.Length && char.IsAsciiDigit(value[position]))
            {
                position++;
            }

            if (position == start || position == value.Length)
            {
                return false;
            }

            var unit = "hms".IndexOf(char.ToLowerInvariant(value[position]));
            if (unit <= lastUnit || !long.TryParse(value.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 1_000_000)
            {
                return false;
            }

            total += number * unit switch { 0 => 3600, 1 => 60, _ => 1 };
            lastUnit = unit;
            position++;
        }

        return Seconds(total, out duration);
    }

    private static bool Seconds(long seconds, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (seconds > TimeSpan.FromDays(7).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
