using Microsoft.Extensions.Time.Testing;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning;
using Toolkit.Core.Scanning.Gate;
using static Toolkit.Core.Tests.Scanning.Gate.GateTestData;

namespace Toolkit.Core.Tests.Scanning.Gate;

public sealed class GatePolicyTests
{
    [Theory]
    [InlineData("critical", Severity.Critical)]
    [InlineData("HIGH", Severity.High)]
    [InlineData("Medium", Severity.Medium)]
    [InlineData("LOW", Severity.Low)]
    [InlineData("informational", Severity.Informational)]
    public void Thresholds_parse_without_case(string text, Severity expected)
    {
        Assert.Equal(expected, GatePolicy.ParseThreshold(text));
    }

    [Theory]
    [InlineData("UNDEFINED")]
    [InlineData("moderate")]
    [InlineData("")]
    public void Other_thresholds_are_TK4004(string text)
    {
        var exception = Assert.Throws<ToolkitException>(() => GatePolicy.ParseThreshold(text));

        Assert.Equal("TK4004", exception.Code);
        Assert.Equal(ErrorKind.InvalidInput, exception.Kind);
    }

    [Theory]
    [InlineData("fail", ScanUnavailableAction.Fail)]
    [InlineData("WARN", ScanUnavailableAction.Warn)]
    public void The_unavailable_scan_action_parses(string text, ScanUnavailableAction expected)
    {
        Assert.Equal(expected, GatePolicy.ParseScanUnavailableAction(text));
        Assert.Equal("TK4004", Assert.Throws<ToolkitException>(() => GatePolicy.ParseScanUnavailableAction("ignore")).Code);
    }

    [Fact]
    public void An_undefined_threshold_or_a_negative_maximum_is_refused_before_evaluating()
    {
        var time = new FakeTimeProvider();

        var undefined = Assert.Throws<ToolkitException>(() => GateEvaluator.Evaluate(Scan(), new GatePolicy { FailOn = Severity.Undefined }, time));
        var negative = Assert.Throws<ToolkitException>(() => GateEvaluator.Evaluate(Scan(), new GatePolicy { MaxCounts = new Dictionary<Severity, int> { [Severity.Low] = -1 } }, time));

        Assert.Equal("TK4004", undefined.Code);
        Assert.Equal("TK4004", negative.Code);
        Assert.Contains("LOW findings is -1", negative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Violations_and_warnings_carry_the_codes_front_ends_log()
    {
        var time = new FakeTimeProvider();
        var failed = Scan() with { Outcome = ScanOutcome.Failed };

        var closed = GateEvaluator.Evaluate([failed, Scan(Finding("CVE-1", Severity.Critical))], new GatePolicy { FailOn = Severity.High }, time);
        var warned = GateEvaluator.Evaluate([failed], new GatePolicy { OnScanUnavailable = ScanUnavailableAction.Warn }, time);

        Assert.Equal(["TK4001", "TK4000"], closed.Violations.Select(v => v.Code.Code));
        Assert.Equal("TK4000", new GateFailedException(closed).Code);
        Assert.Equal("TK4002", Assert.Single(warned.Warnings).Code.Code);
        Assert.Equal("TK4003", ExpiredAllowlistEntry.Code.Code);
    }
}
