using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

internal static class GateReportMarkdown
{
    public const int MinimumBytes = 4096;

    public static byte[] Render(GateResult result, GatePolicy policy, GateReportOptions options) => throw new NotSupportedException("The Markdown gate report is not written yet.");
}
