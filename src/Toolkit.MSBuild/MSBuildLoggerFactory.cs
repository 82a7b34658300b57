using Microsoft.Build.Utilities;
using Microsoft.Extensions.Logging;

namespace Toolkit.MSBuild;

/// <summary>Adapts the engine's <see cref="ILogger"/> to MSBuild's <see cref="TaskLoggingHelper"/>.</summary>
internal sealed class MSBuildLoggerFactory(TaskLoggingHelper log) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new MSBuildLogger(log);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("MSBuild is the only log sink.");

    public void Dispose()
    {
    }

    private sealed class MSBuildLogger(TaskLoggingHelper log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var code = eventId.Name is { } name && name.StartsWith("TK", StringComparison.Ordinal) ? name : null;
            switch (logLevel)
            {
                case LogLevel.Critical or LogLevel.Error:
                    log.LogError(null, code, null, null, 0, 0, 0, 0, message);
                    break;
                case LogLevel.Warning:
                    log.LogWarning(null, code, null, null, 0, 0, 0, 0, message);
                    break;
                case LogLevel.Information:
                    log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, message);
                    break;
                default:
                    log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, message);
                    break;
            }
        }
    }
}
