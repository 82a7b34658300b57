using Toolkit.Core.Scanning;

namespace Toolkit.Core.Tests.Scanning;

public sealed class SeverityTextTests
{
    [Theory]
    [InlineData("CRITICAL", Severity.Critical)]
    [InlineData("Critical", Severity.Critical)]
    [InlineData("HIGH", Severity.High)]
    [InlineData("important", Severity.High)]
    [InlineData("Medium", Severity.Medium)]
    [InlineData("MODERATE", Severity.Medium)]
    [InlineData("low", Severity.Low)]
    [InlineData("INFORMATIONAL", Severity.Informational)]
    [InlineData("Negligible", Severity.Informational)]
    [InlineData("unimportant", Severity.Informational)]
    [InlineData("UNTRIAGED", Severity.Undefined)]
    [InlineData("Unknown", Severity.Undefined)]
    [InlineData("UNDEFINED", Severity.Undefined)]
    [InlineData(" ", Severity.Undefined)]
    [InlineData(null, Severity.Undefined)]
    [InlineData("SEVERE", Severity.Undefined)]
    public void Scanner_text_maps_onto_one_scale_and_unrated_stays_undefined(string? text, Severity expected)
    {
        Assert.Equal(expected, SeverityText.Parse(text));
    }

    [Fact]
    public void Severities_are_ordered_from_undefined_to_critical()
    {
        Assert.True(Severity.Critical > Severity.High);
        Assert.True(Severity.High > Severity.Medium);
        Assert.True(Severity.Medium > Severity.Low);
        Assert.True(Severity.Low > Severity.Informational);
        Assert.True(Severity.Informational > Severity.Undefined);
    }

    [Theory]
    [InlineData("high", true, Severity.High)]
    [InlineData("CRITICAL", true, Severity.Critical)]
    [InlineData("undefined", true, Severity.Undefined)]
    [InlineData("moderate", false, Severity.Undefined)]
    [InlineData("", false, Severity.Undefined)]
    public void Policy_names_are_strict(string text, bool ok, Severity expected)
    {
        Assert.Equal(ok, SeverityText.TryParseName(text, out var severity));
        Assert.Equal(expected, severity);
    }
}
