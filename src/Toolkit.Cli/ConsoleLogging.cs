using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Cli;

/// <summary>Logs to standard error, one plain line per message, so standard output stays for results.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(LogLevel minimum, TextWriter error)
    {
        var gate = new Lock();
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
                lock (gate)
                {
                    error.WriteLine(prefix + line.Message);
                    if (line.Exception is not null && minimum <= LogLevel.Debug)
                    {
                        error.WriteLine(line.Exception.ToString());
                    }
                }
            },
            minimum);
    }
}
