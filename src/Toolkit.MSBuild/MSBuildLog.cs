using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.MSBuild;

/// <summary>The engine's log, written to MSBuild's task log: errors and warnings keep their TK code.</summary>
internal static class MSBuildLog
{
    public static LogSink For(TaskLoggingHelper log) => new(line =>
    {
        switch (line.Level)
        {
            case LogLevel.Critical or LogLevel.Error:
                log.LogError(null, line.Code, null, null, 0, 0, 0, 0, line.Message);
                break;
            case LogLevel.Warning:
                log.LogWarning(null, line.Code, null, null, 0, 0, 0, 0, line.Message);
                break;
            case LogLevel.Information:
                log.LogMessage(MessageImportance.Normal, line.Message);
                break;
            default:
                log.LogMessage(MessageImportance.Low, line.Message);
                break;
        }
    });
}
