using Microsoft.Extensions.Logging;

namespace Toolkit.Core.Diagnostics;

/// <summary>One log line for a front-end's own log: level, the <c>TKnnnn</c> code when the event carries one, and the text.</summary>
public readonly record struct LogLine(LogLevel Level, string? Code, string Message, Exception? Exception);

/// <summary>
/// An <see cref="ILoggerFactory"/> that hands every line to one callback, so each front-end (MSBuild's
/// task log, Cake's log) adapts the engine's logging with a single method and no logger plumbing.
/// </summary>
public sealed class LogSink(Action<LogLine> write, LogLevel minimum = LogLevel.Trace) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new SinkLogger(this);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("A LogSink writes only to its callback.");

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= sink._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            var code = eventId.Name is { } name && name.StartsWith("TK", StringComparison.Ordinal) ? name : null;
            sink._write(new LogLine(logLevel, code, formatter(state, exception), exception));
        }
    }

    private readonly Action<LogLine> _write = write ?? throw new ArgumentNullException(nameof(write));
    private readonly LogLevel _minimum = minimum;
}
