using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Toolkit.Testing;

/// <summary>One message a <see cref="RecordingLogger{T}"/> received.</summary>
public sealed record LoggedMessage(LogLevel Level, string Message, Exception? Exception);

/// <summary>An <see cref="ILogger{T}"/> that keeps every message, for tests that check what was logged.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LoggedMessage> _messages = new();

    public IReadOnlyList<LoggedMessage> Messages => _messages.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _messages.Enqueue(new LoggedMessage(logLevel, formatter(state, exception), exception));
    }
}
