using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Tests.Diagnostics;

public class LogSinkTests
{
    [Fact]
    public void Lines_at_or_above_the_minimum_reach_the_callback_with_their_TK_code()
    {
        // Given
        var lines = new List<LogLine>();
        using var sink = new LogSink(lines.Add, LogLevel.Information);
        var logger = sink.CreateLogger("test");

        // When
        logger.LogDebug("hidden");
        logger.Log(LogLevel.Warning, new EventId(2017, "TK2017"), "Skipped {Path}", "/app/pipe");
        logger.LogInformation(new EventId(1, "NotACode"), "plain");

        // Then
        Assert.Equal(2, lines.Count);
        Assert.Equal(new LogLine(LogLevel.Warning, "TK2017", "Skipped /app/pipe", null), lines[0]);
        Assert.Null(lines[1].Code);
    }
}
