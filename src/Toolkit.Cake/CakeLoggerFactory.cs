using Cake.Core.Diagnostics;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.Logging;
using CakeLogLevel = global::Cake.Core.Diagnostics.LogLevel;

namespace Toolkit.Cake;

/// <summary>Adapts the engine's <see cref="ILogger"/> to Cake's <see cref="ICakeLog"/>.</summary>
internal sealed class CakeLoggerFactory(ICakeLog log) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new CakeLogger(log);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("Cake's log is the only sink.");

    public void Dispose()
    {
    }

    private sealed class CakeLogger(ICakeLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var (verbosity, level) = logLevel switch
            {
                LogLevel.Critical or LogLevel.Error => (Verbosity.Quiet, CakeLogLevel.Error),
                LogLevel.Warning => (Verbosity.Minimal, CakeLogLevel.Warning),
                LogLevel.Information => (Verbosity.Normal, CakeLogLevel.Information),
                LogLevel.Debug => (Verbosity.Diagnostic, CakeLogLevel.Debug),
                _ => (Verbosity.Diagnostic, CakeLogLevel.Verbose),
            };

            // Braces in engine messages must not be taken for Cake format placeholders.
            log.Write(verbosity, level, "{0}", formatter(state, exception));
        }
    }
}
