using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.MSBuild;

/// <summary>The engine's log, written to MSBuild's task log: errors and warnings keep their TK code.</summary>
internal static partial class MSBuildLog
{
    public static LogSink For(TaskLoggingHelper log) => new(line =>
    {
        var (code, message) = Split(line);
        switch (line.Level)
        {
            case LogLevel.Critical or LogLevel.Error:
                log.LogError(null, code, null, null, 0, 0, 0, 0, message);
                break;
            case LogLevel.Warning:
                log.LogWarning(null, code, null, null, 0, 0, 0, 0, message);
                break;
            case LogLevel.Information:
                log.LogMessage(MessageImportance.Normal, message);
                break;
            default:
                log.LogMessage(MessageImportance.Low, message);
                break;
        }
    });

    // Notes (e.g. an SBOM's) carry their code as a "TKnnnn: " prefix of the text; MSBuild shows it in its own field.
    private static (string? Code, string Message) Split(LogLine line)
    {
        if (line.Code is null && line.Level >= LogLevel.Warning && CodePrefix().Match(line.Message) is { Success: true } match)
        {
            return (match.Groups["code"].Value, line.Message[match.Length..]);
        }

        return (line.Code, line.Message);
    }

    [GeneratedRegex(@"^(?<code>TK\d{4}): ")]
    private static partial Regex CodePrefix();
}
