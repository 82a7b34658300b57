namespace Toolkit.Testing.Aws;

/// <summary>
/// An error the emulator answers instead of doing an operation: the HTTP status, the error name put in <c>__type</c>
/// (and <c>X-Amzn-ErrorType</c>) and the message. The presets are the faults clients must ride out; add more as needed.
/// </summary>
public sealed record EcrFault(int StatusCode, string ErrorCode, string Message)
{
    /// <summary>The throttling answer of AWS JSON services: 400 <c>ThrottlingException</c>, "Rate exceeded" (retryable).</summary>
    public static EcrFault Throttling { get; } = new(400, "ThrottlingException", "Rate exceeded");

    /// <summary>ECR's modelled server fault: 500 <c>ServerException</c>.</summary>
    public static EcrFault ServerError { get; } = new(500, "ServerException", "We encountered an internal error. Please try again.");

    /// <summary>503 <c>ServiceUnavailableException</c>, as a load balancer in front of the service answers.</summary>
    public static EcrFault ServiceUnavailable { get; } = new(503, "ServiceUnavailableException", "Service Unavailable");
}

/// <summary>How a scan ends once its delay is over (the findings seeded for the image are shown only for <see cref="Complete"/>).</summary>
public enum EcrScanOutcome
{
    /// <summary><c>COMPLETE</c> (or <c>ACTIVE</c> when the registry scans continuously with enhanced scanning).</summary>
    Complete,

    /// <summary><c>FAILED</c>.</summary>
    Failed,

    /// <summary><c>UNSUPPORTED_IMAGE</c>: the operating system or package manager is not supported.</summary>
    UnsupportedImage,

    /// <summary><c>FINDINGS_UNAVAILABLE</c> (enhanced scanning).</summary>
    FindingsUnavailable,

    /// <summary><c>SCAN_ELIGIBILITY_EXPIRED</c> (enhanced scanning: the image is past its continuous-scan duration).</summary>
    ScanEligibilityExpired,

    /// <summary><c>LIMIT_EXCEEDED</c> (enhanced scanning: the account's scan limit is reached).</summary>
    LimitExceeded,

    /// <summary><c>IMAGE_ARCHIVED</c>: the image was moved to the archive storage class.</summary>
    ImageArchived,
}

/// <summary>
/// The scenario knobs of an <see cref="EcrEmulator"/>: faults injected per operation, and how scans behave in time.
/// Every duration runs on the emulator's <see cref="TimeProvider"/>, so tests with a fake clock advance it instead of
/// sleeping. Thread-safe; change knobs at any time.
/// </summary>
public sealed class EcrScenario
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<EcrFault>> _faults = new(StringComparer.Ordinal);

    /// <summary>How long a scan stays <c>IN_PROGRESS</c> after it starts (default: none, it completes at once).</summary>
    public TimeSpan ScanDelay { get; set; }

    /// <summary>
    /// How long after a push DescribeImageScanFindings still answers <c>ScanNotFoundException</c> for a scan-on-push image,
    /// as the service does until the scan record appears (default: none).
    /// </summary>
    public TimeSpan ScanNotFoundAfterPush { get; set; }

    /// <summary>
    /// How long after a scan reports <c>COMPLETE</c> its findings stay empty (enhanced scanning can report completion before
    /// the findings arrive; default: none).
    /// </summary>
    public TimeSpan FindingsDelayAfterComplete { get; set; }

    /// <summary>How long an enhanced scan shows <c>PENDING</c> before it is <c>IN_PROGRESS</c> for <see cref="ScanDelay"/> (default: none).</summary>
    public TimeSpan EnhancedPendingDuration { get; set; }

    /// <summary>
    /// Whether <c>imageScanCompletedAt</c> is left out of a complete scan's findings until the findings are visible (see
    /// <see cref="FindingsDelayAfterComplete"/>), as Amazon Inspector results do that are still arriving (default: false, the
    /// time is always there once the scan is complete).
    /// </summary>
    public bool CompletedAtOnlyWithFindings { get; set; }

    /// <summary>How long after a scan started StartImageScan answers <c>LimitExceededException</c> (the service allows one scan per image a day).</summary>
    public TimeSpan ScanQuotaWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The next <paramref name="times"/> calls of <paramref name="operation"/> (e.g. <c>DescribeRepositories</c>, or <c>*</c>
    /// for any) answer <paramref name="fault"/>; the call after them succeeds. Faults queue up in the order they are added; a
    /// call takes its operation's own faults first, then those queued for any operation.
    /// </summary>
    public EcrScenario Fail(string operation, EcrFault fault, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        lock (_lock)
        {
            if (!_faults.TryGetValue(operation, out var queue))
            {
                _faults[operation] = queue = new Queue<EcrFault>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(fault);
            }
        }

        return this;
    }

    /// <summary>Forgets every queued fault.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _faults.Clear();
        }
    }

    /// <summary>Faults still queued for <paramref name="operation"/> (<c>*</c> counts separately).</summary>
    public int PendingFaults(string operation)
    {
        lock (_lock)
        {
            return _faults.TryGetValue(operation, out var queue) ? queue.Count : 0;
        }
    }

    /// <summary>Takes the fault the next call of <paramref name="operation"/> answers, if any (operation-specific first).</summary>
    internal EcrFault? TakeFault(string operation)
    {
        lock (_lock)
        {
            if (_faults.TryGetValue(operation, out var queue) && queue.TryDequeue(out var fault))
            {
                return fault;
            }

            return _faults.TryGetValue("*", out var any) && any.TryDequeue(out var anyFault) ? anyFault : null;
        }
    }
}
