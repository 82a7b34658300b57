using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

internal static class GateReportSarif
{
    public static byte[] Render(GateResult result, GatePolicy policy, GateReportOptions options) => throw new NotSupportedException("The SARIF gate report is not written yet.");
}
