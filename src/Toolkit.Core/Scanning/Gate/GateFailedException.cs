using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// The gate decided against the images (TK4000, or TK4001 when only unavailable scans failed it). Its kind is
/// <see cref="ErrorKind.PolicyFailed"/>, which front-ends map to exit code 3, apart from errors (1) and usage (2).
/// </summary>
public sealed class GateFailedException : ToolkitException
{
    public GateFailedException(GateResult result)
        : base(CodeFor(result), MessageFor(result))
    {
        Result = result;
    }

    public GateResult Result { get; }

    private static ErrorCode CodeFor(GateResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Violations.All(v => v.Kind == ViolationKind.ScanUnavailable) && result.Violations.Count > 0
            ? ErrorCodes.ScanUnavailable
            : ErrorCodes.GateFailed;
    }

    private static string MessageFor(GateResult result) =>
        $"The scan gate failed: {string.Join("; ", result.Violations.Select(v => v.Message))}. Fix or upgrade the packages, or accept a finding in the allowlist with a reason and an expiry date"
        + (result.Violations.Any(v => v.Kind == ViolationKind.ScanUnavailable) ? " (a scan without findings fails closed unless the policy's onScanUnavailable is warn)." : ".");
}
