using Microsoft.Extensions.Logging;

namespace Toolkit.Cli;

/// <summary>Logs to standard error, one plain line per message, so standard output stays for results.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(LogLevel minimum, TextWriter error)
        => LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimum)
            .AddProvider(new PlainLoggerProvider(error, minimum)));

    private sealed class PlainLoggerProvider(TextWriter writer, LogLevel minimum) : ILoggerProvider
    {
        private readonly Lock _gate = new();

        public ILogger CreateLogger(string categoryName) => new PlainLogger(this);

        public void Dispose()
        {
        }

        private sealed class PlainLogger(PlainLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => NullScope.Instance;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                {
                    return;
                }

                var prefix = logLevel switch
                {
                    LogLevel.Warning => "warning: ",
                    LogLevel.Error or LogLevel.Critical => "error: ",
                    LogLevel.Debug or LogLevel.Trace => "debug: ",
                    _ => string.Empty,
                };
                var line = prefix + formatter(state, exception);
                lock (provider._gate)
                {
                    provider._writer.WriteLine(line);
                    if (exception is not null && provider._minimum <= LogLevel.Debug)
                    {
                        provider._writer.WriteLine(exception.ToString());
                    }
                }
            }
        }

        private readonly TextWriter _writer = writer;
        private readonly LogLevel _minimum = minimum;
    }

    private sealed class NullScope : IDisposable
    {
        public static NullScope Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
