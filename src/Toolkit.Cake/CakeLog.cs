using Cake.Core.Diagnostics;
using Toolkit.Core.Diagnostics;
using CakeLogLevel = global::Cake.Core.Diagnostics.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Toolkit.Cake;

/// <summary>The engine's log, written to Cake's log at the matching verbosity.</summary>
internal static class CakeLog
{
    public static LogSink For(ICakeLog log) => new(line =>
    {
        var (verbosity, level) = line.Level switch
        {
            LogLevel.Critical or LogLevel.Error => (Verbosity.Quiet, CakeLogLevel.Error),
            LogLevel.Warning => (Verbosity.Minimal, CakeLogLevel.Warning),
            LogLevel.Information => (Verbosity.Normal, CakeLogLevel.Information),
            LogLevel.Debug => (Verbosity.Diagnostic, CakeLogLevel.Debug),
            _ => (Verbosity.Diagnostic, CakeLogLevel.Verbose),
        };

        // Braces in engine messages must not be taken for Cake format placeholders.
        log.Write(verbosity, level, "{0}", line.Code is null ? line.Message : $"{line.Code}: {line.Message}");
    });
}
