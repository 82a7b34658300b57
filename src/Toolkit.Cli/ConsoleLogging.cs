using Microsoft.Extensions.Logging;
using Toolkit.Cli.Progress;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Cli;

/// <summary>
/// Logs to standard error, one plain line per message, so standard output stays for results; through the
/// <see cref="ErrorConsole"/>, so a line logged while progress is shown goes above it.
/// </summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(LogLevel minimum, ErrorConsole error)
    {
        return new LogSink(
            line =>
            {
                var prefix = line.Level switch
                {
                    LogLevel.Warning => line.Code is null ? "warning: " : $"warning {line.Code}: ",
                    LogLevel.Error or LogLevel.Critical => line.Code is null ? "error: " : $"error {line.Code}: ",
                    LogLevel.Debug or LogLevel.Trace => "debug: ",
                    _ => string.Empty,
                };
                error.WriteLine(line.Exception is not null && minimum <= LogLevel.Debug
                    ? prefix + line.Message + Environment.NewLine + line.Exception
                    : prefix + line.Message);
            },
            minimum);
    }
}
