using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests;

/// <summary>An <see cref="ILoggerFactory"/> whose loggers keep every message, whatever their category.</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LoggedMessage> _messages = new();

    public IReadOnlyList<LoggedMessage> Messages => [.. _messages];

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(_messages);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<LoggedMessage> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => messages.Enqueue(new LoggedMessage(logLevel, formatter(state, exception), exception));
    }
}
