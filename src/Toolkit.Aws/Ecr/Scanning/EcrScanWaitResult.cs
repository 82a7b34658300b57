namespace Toolkit.Aws.Ecr.Scanning;

/// <summary>How the wait for one image's scan ended.</summary>
public enum EcrScanWaitOutcome
{
    /// <summary>The findings are final (<c>COMPLETE</c>, or <c>ACTIVE</c> under continuous enhanced scanning) and all pages were read.</summary>
    Complete,

    /// <summary>
    /// The scan ended without findings to trust: <c>FAILED</c>, <c>UNSUPPORTED_IMAGE</c>, <c>SCAN_ELIGIBILITY_EXPIRED</c>,
    /// <c>FINDINGS_UNAVAILABLE</c>, <c>LIMIT_EXCEEDED</c>, <c>IMAGE_ARCHIVED</c> (or a status this version does not know);
    /// <see cref="EcrScanWaitResult.Status"/> and <see cref="EcrScanWaitResult.Description"/> say which and why.
    /// </summary>
    ScanUnavailable,

    /// <summary>The findings were not final within the timeout; the last status seen is kept.</summary>
    TimedOut,
}

/// <summary>How the registry scans a repository's images, as far as the waiter could tell.</summary>
public enum EcrScanMode
{
    /// <summary>The scanning configuration could not be read; the response shape decides.</summary>
    Unknown,

    /// <summary>Scanned on push (basic or enhanced).</summary>
    ScanOnPush,

    /// <summary>Enhanced scanning with continuous scans (<c>ACTIVE</c> is its steady state).</summary>
    Continuous,

    /// <summary>Basic scanning without scan on push: the waiter starts the scan.</summary>
    Manual,

    /// <summary>Enhanced scanning whose rules match no filter for the repository: no scan will come.</summary>
    NotScanned,
}

/// <summary>The end of the wait for one image: how it ended, the scan's last status and, when complete, every page of findings.</summary>
public sealed record EcrScanWaitResult
{
    public required string RepositoryName { get; init; }

    public required string ImageDigest { get; init; }

    public required EcrScanWaitOutcome Outcome { get; init; }

    /// <summary>The scan's last status, or null when no scan was ever found.</summary>
    public ScanStatus? Status { get; init; }

    /// <summary>The scan's last status description, or the waiter's reason for a time-out.</summary>
    public string? Description { get; init; }

    /// <summary>BASIC or ENHANCED: from the registry's configuration, corrected by the shape of the findings.</summary>
    public ScanType? ScanType { get; init; }

    public EcrScanMode Mode { get; init; }

    /// <summary>All findings (every page merged) when <see cref="Outcome"/> is <see cref="EcrScanWaitOutcome.Complete"/>.</summary>
    public ImageScanFindings? Findings { get; init; }

    /// <summary>Whether the waiter issued StartImageScan for the image.</summary>
    public bool ScanStarted { get; init; }

    /// <summary>When the wait for this image began and when it decided (on the waiter's clock).</summary>
    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset DecidedAt { get; init; }

    /// <summary>The status polls (first pages of DescribeImageScanFindings) made for this image.</summary>
    public int Polls { get; init; }

    /// <summary>Every ECR call made for this image: polls, further findings pages and StartImageScan.</summary>
    public int Calls { get; init; }
}

/// <summary>One step of the wait for one image, reported after each poll.</summary>
public sealed record ScanWaitProgress(
    string RepositoryName,
    string ImageDigest,
    ScanStatus? Status,
    string Message,
    TimeSpan Elapsed,
    int Polls);

/// <summary>One image manifest to wait for: its digest and, within an index, its platform (<c>linux/amd64</c>).</summary>
public sealed record EcrPlatformImage(string Digest, string? Platform);
