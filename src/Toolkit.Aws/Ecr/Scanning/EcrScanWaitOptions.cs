namespace Toolkit.Aws.Ecr.Scanning;

/// <summary>How <see cref="EcrScanWaiter"/> waits for scan findings; every member has a default.</summary>
public sealed record EcrScanWaitOptions
{
    /// <summary>The shortest time between two polls of one image: one second, and never less.</summary>
    public static readonly TimeSpan MinimumPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait in all for one image before the result is <see cref="EcrScanWaitOutcome.TimedOut"/> (default 15 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long <c>ScanNotFoundException</c> is taken as "the scan record is not there yet" (default 60 seconds). After it, a
    /// basic-scanning registry gets a StartImageScan; under enhanced scanning the wait goes on until <see cref="Timeout"/>.
    /// </summary>
    public TimeSpan ScanNotFoundGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The first backoff step (default 1 second): the n-th poll after a change waits up to <c>InitialPollInterval × 2^n</c>.</summary>
    public TimeSpan InitialPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The cap of the backoff (default 2 seconds). Each wait is drawn uniformly between zero and the capped step ("full jitter")
    /// and raised to <see cref="MinimumPollInterval"/>. The cap sets the trade-off: with 2 seconds the decision comes about half a
    /// second after the findings are final, at about 48 calls per image and minute; a larger cap makes fewer calls and later decisions.
    /// </summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many consecutive polls must show the same findings (ids and severity counts) before enhanced findings without
    /// <c>imageScanCompletedAt</c> count as final (default 2, at least 2).
    /// </summary>
    public int StablePolls { get; init; } = 2;

    /// <summary>
    /// How long an enhanced scan must have shown <c>COMPLETE</c> or <c>ACTIVE</c> (counted from the first poll that saw it)
    /// before a result without findings, or without <c>imageScanCompletedAt</c>, counts as final, on top of
    /// <see cref="StablePolls"/> (default 10 seconds; zero turns it off). Amazon Inspector's findings can reach ECR some seconds
    /// after the scan reports <c>COMPLETE</c>, so an early empty result is not trusted. Enhanced results with findings and a
    /// completion time are final at once, and scans the registry configuration names basic are not affected.
    /// </summary>
    public TimeSpan EnhancedSettleTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The jitter's random source (default: <see cref="Random.Shared"/>; give a seeded one for repeatable runs).</summary>
    public Random? Random { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(ScanNotFoundGracePeriod, TimeSpan.Zero, nameof(ScanNotFoundGracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialPollInterval, TimeSpan.Zero, nameof(InitialPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPollInterval, MinimumPollInterval, nameof(MaxPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(StablePolls, 2, nameof(StablePolls));
        ArgumentOutOfRangeException.ThrowIfLessThan(EnhancedSettleTime, TimeSpan.Zero, nameof(EnhancedSettleTime));
    }
}
