using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Core.Tests.Host;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("900", 900)]
    [InlineData("900s", 900)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2m30s", 150)]
    [InlineData("0", 0)]
    public void Durations_are_seconds_or_hours_minutes_seconds(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("15x")]
    [InlineData("30m1h")]
    [InlineData("1.5h")]
    [InlineData("-5")]
    [InlineData("9999h")]
    public void Other_durations_are_refused(string text)
        => Assert.False(DurationText.TryParse(text, out _));

    [Fact]
    public void Parse_names_the_setting_in_a_coded_error()
    {
        var exception = Assert.Throws<ToolkitException>(() => DurationText.Parse("soon", "ToolkitScanTimeout", allowZero: false));

        Assert.Equal(ErrorCodes.InvalidOption, exception.ErrorCode);
        Assert.Contains("ToolkitScanTimeout 'soon'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_refuses_zero_unless_allowed()
    {
        Assert.Throws<ToolkitException>(() => DurationText.Parse("0", "--timeout", allowZero: false));
        Assert.Equal(TimeSpan.Zero, DurationText.Parse("0s", "--grace", allowZero: true));
    }
}
