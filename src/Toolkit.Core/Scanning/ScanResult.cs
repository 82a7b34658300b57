namespace Toolkit.Core.Scanning;

/// <summary>How a scan ended. Only <see cref="Complete"/> has findings a gate can trust.</summary>
public enum ScanOutcome
{
    /// <summary>The scan finished and its findings are final.</summary>
    Complete = 0,

    /// <summary>The scan failed (ECR <c>FAILED</c>, a scanner error).</summary>
    Failed = 1,

    /// <summary>The waiting for the scan ran out of time.</summary>
    TimedOut = 2,

    /// <summary>The image cannot be scanned (ECR <c>UNSUPPORTED_IMAGE</c>).</summary>
    Unsupported = 3,

    /// <summary>The findings cannot be had (ECR <c>FINDINGS_UNAVAILABLE</c>, <c>SCAN_ELIGIBILITY_EXPIRED</c>, <c>LIMIT_EXCEEDED</c>, <c>IMAGE_ARCHIVED</c>).</summary>
    Unavailable = 4,
}

/// <summary>The scanner that produced a result, e.g. <c>Amazon ECR basic scanning</c>, <c>Trivy 0.58.1</c>.</summary>
public sealed record ScannerInfo(string Name, string? Version = null);

/// <summary>The findings of one image (one platform of an index is one image) from one scanner.</summary>
public sealed record ScanResult
{
    /// <summary>The digest of the scanned image manifest (<c>sha256:...</c>), when known.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The repository of the image (e.g. <c>team/app</c>), which allowlist entries may be scoped to.</summary>
    public string? Repository { get; init; }

    /// <summary>The platform of the image, e.g. <c>linux/amd64</c>, when known.</summary>
    public string? Platform { get; init; }

    public ScanOutcome Outcome { get; init; } = ScanOutcome.Complete;

    /// <summary>The status as the scanner reported it and why (e.g. <c>UNSUPPORTED_IMAGE: The operating system ... is not supported</c>).</summary>
    public string? StatusDescription { get; init; }

    public required ScannerInfo Scanner { get; init; }

    public IReadOnlyList<Finding> Findings { get; init; } = [];

    public DateTimeOffset? CompletedAt { get; init; }
}
