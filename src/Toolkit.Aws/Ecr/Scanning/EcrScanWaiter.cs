using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Scanning;

/// <summary>
/// Waits until the scan findings of pushed images are final, for basic and enhanced (Amazon Inspector) scanning, without the
/// traps of a fixed-interval status waiter: <c>ScanNotFoundException</c> right after a push is waited out for a grace period
/// (then a basic scan is started), <c>PENDING</c>, <c>IN_PROGRESS</c> and the continuous-scan status <c>ACTIVE</c> are not
/// taken as ends by themselves, and <c>COMPLETE</c> counts only once the findings are there (<c>imageScanCompletedAt</c> with
/// findings, or the same findings on <see cref="EcrScanWaitOptions.StablePolls"/> consecutive polls and, unless the registry
/// scans with basic scanning, at least <see cref="EcrScanWaitOptions.EnhancedSettleTime"/> after it turned complete). Failure statuses end the
/// wait as results (<see cref="EcrScanWaitOutcome.ScanUnavailable"/>), as does the timeout, so a gate can fail closed on them.
/// Each image is polled on its own, with exponential backoff and full jitter, never more than once a second; every wait runs on
/// the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class EcrScanWaiter
{
    private static readonly string[] s_indexMediaTypes = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

    private static readonly string[] s_acceptedMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    private readonly IEcrClient _client;
    private readonly EcrScanWaitOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly Lock _randomLock = new();

    public EcrScanWaiter(IEcrClient client, EcrScanWaitOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new EcrScanWaitOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _random = _options.Random ?? Random.Shared;
    }

    /// <summary>
    /// The digests to wait for when <paramref name="digest"/> was pushed: the platform manifests of an image index (read with
    /// BatchGetImage; attestation manifests, platform <c>unknown/unknown</c>, are left out, since ECR does not scan them), or
    /// the digest itself for an image manifest.
    /// </summary>
    public async Task<IReadOnlyList<string>> ResolveImageDigestsAsync(string repositoryName, string digest, string? registryId, CancellationToken cancellationToken)
        => [.. (await ResolvePlatformImagesAsync(repositoryName, digest, registryId, cancellationToken).ConfigureAwait(false)).Select(i => i.Digest)];

    /// <summary>
    /// As <see cref="ResolveImageDigestsAsync"/>, with each platform manifest's platform (<c>linux/arm64/v8</c>) as the index
    /// names it; an image manifest has no platform here (null).
    /// </summary>
    public async Task<IReadOnlyList<EcrPlatformImage>> ResolvePlatformImagesAsync(string repositoryName, string digest, string? registryId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryName);
        ArgumentException.ThrowIfNullOrEmpty(digest);
        var response = await _client.BatchGetImageAsync(
            new BatchGetImageRequest
            {
                RegistryId = registryId,
                RepositoryName = repositoryName,
                ImageIds = [new ImageIdentifier { ImageDigest = digest }],
                AcceptedMediaTypes = s_acceptedMediaTypes,
            },
            cancellationToken).ConfigureAwait(false);
        var image = response.Images?.FirstOrDefault(i => i.ImageId?.ImageDigest == digest) ?? (response.Images is { Count: > 0 } images ? images[0] : null);
        if (image?.ImageManifest is not { } manifest)
        {
            var failure = response.Failures is { Count: > 0 } failures ? failures[0] : null;
            throw new ToolkitException(
                ErrorCodes.EcrScanImageNotFound,
                $"The image {digest} is not in the Amazon ECR repository '{repositoryName}'"
                + (failure is null ? "." : $" ({failure.FailureCode}: {failure.FailureReason}).")
                + " Check the repository name and the digest the push reported.");
        }

        using var document = JsonDocument.Parse(manifest);
        var root = document.RootElement;
        var mediaType = image.ImageManifestMediaType
            ?? (root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null);
        if (!s_indexMediaTypes.Contains(mediaType, StringComparer.Ordinal) && !(mediaType is null && root.TryGetProperty("manifests", out _)))
        {
            return [new EcrPlatformImage(digest, null)];
        }

        var platformImages = new List<EcrPlatformImage>();
        if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in manifests.EnumerateArray())
            {
                if (IsAttestation(entry) || !entry.TryGetProperty("digest", out var d) || d.GetString() is not { } entryDigest)
                {
                    continue;
                }

                if (!platformImages.Any(i => string.Equals(i.Digest, entryDigest, StringComparison.Ordinal)))
                {
                    platformImages.Add(new EcrPlatformImage(entryDigest, PlatformOf(entry)));
                }
            }
        }

        return platformImages;
    }

    /// <summary>How the registry scans <paramref name="repositoryName"/> (GetRegistryScanningConfiguration; for basic scanning without a matching rule, the repository's own scan-on-push setting).</summary>
    public async Task<(ScanType? ScanType, EcrScanMode Mode)> ResolveScanModeAsync(string repositoryName, string? registryId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryName);
        RegistryScanningConfiguration? configuration;
        try
        {
            configuration = (await _client.GetRegistryScanningConfigurationAsync(new GetRegistryScanningConfigurationRequest(), cancellationToken).ConfigureAwait(false)).ScanningConfiguration;
        }
        catch (AwsServiceException exception) when (exception is EcrServiceException || exception.ErrorCode == ErrorCodes.AwsAccessDenied)
        {
            _logger.LogWarning("The registry's scanning configuration could not be read ({Error}); the scan type is taken from the findings.", exception.ErrorType);
            return (null, EcrScanMode.Unknown);
        }

        var scanType = configuration?.ScanType ?? ScanType.Basic;
        var frequencies = (configuration?.Rules ?? [])
            .Where(r => r.RepositoryFilters.Any(f => WildcardMatches(f.Filter, repositoryName)))
            .Select(r => r.ScanFrequency)
            .ToList();
        if (scanType == ScanType.Enhanced)
        {
            return (scanType, frequencies.Contains(ScanFrequency.ContinuousScan) ? EcrScanMode.Continuous
                : frequencies.Contains(ScanFrequency.ScanOnPush) ? EcrScanMode.ScanOnPush
                : EcrScanMode.NotScanned);
        }

        if (frequencies.Contains(ScanFrequency.ScanOnPush))
        {
            return (scanType, EcrScanMode.ScanOnPush);
        }

        try
        {
            var repositories = await _client.DescribeRepositoriesAsync(
                new DescribeRepositoriesRequest { RegistryId = registryId, RepositoryNames = [repositoryName] },
                cancellationToken).ConfigureAwait(false);
            var scanOnPush = repositories.Repositories is { Count: > 0 } found && found[0].ImageScanningConfiguration?.ScanOnPush == true;
            return (scanType, scanOnPush ? EcrScanMode.ScanOnPush : EcrScanMode.Manual);
        }
        catch (AwsServiceException exception) when (exception is EcrServiceException || exception.ErrorCode == ErrorCodes.AwsAccessDenied)
        {
            _logger.LogWarning("The repository's scan-on-push setting could not be read ({Error}).", exception.ErrorType);
            return (scanType, EcrScanMode.Unknown);
        }
    }

    /// <summary>
    /// Waits for the findings of every image in <paramref name="imageDigests"/> (image manifests; resolve an index with
    /// <see cref="ResolveImageDigestsAsync"/>) in <paramref name="repositoryName"/>, each on its own, and returns one result per
    /// digest in the same order. Failed, unsupported and timed-out scans are results, not exceptions.
    /// </summary>
    public async Task<IReadOnlyList<EcrScanWaitResult>> WaitAsync(
        string repositoryName,
        IReadOnlyList<string> imageDigests,
        string? registryId,
        IProgress<ScanWaitProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryName);
        ArgumentNullException.ThrowIfNull(imageDigests);
        var (scanType, mode) = await ResolveScanModeAsync(repositoryName, registryId, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Waiting for the {ScanType} scans ({Mode}) of {Count} image(s) in {Repository}.", scanType?.Value ?? "unknown", mode, imageDigests.Count, repositoryName);
        var waits = imageDigests.Select(d => WaitForImageAsync(repositoryName, d, registryId, scanType, mode, progress, cancellationToken));
        return await Task.WhenAll(waits).ConfigureAwait(false);
    }

    private async Task<EcrScanWaitResult> WaitForImageAsync(
        string repositoryName,
        string digest,
        string? registryId,
        ScanType? scanType,
        EcrScanMode mode,
        IProgress<ScanWaitProgress>? progress,
        CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var deadline = startedAt + _options.Timeout;
        var imageId = new ImageIdentifier { ImageDigest = digest };
        var request = new DescribeImageScanFindingsRequest { RegistryId = registryId, RepositoryName = repositoryName, ImageId = imageId };
        var polls = 0;
        var calls = 0;
        var step = 0;
        var scanStarted = false;
        ScanStatus? lastStatus = null;
        string? lastDescription = null;
        string? lastSignature = null;
        var sameSignature = 0;
        DateTimeOffset? completeSince = null;
        string? phase = null;

        // Only a configuration that names basic scanning exempts an image from the enhanced settle time: a type taken from the
        // response shape is not proof, since an enhanced scan that is COMPLETE before its findings can answer like a basic one.
        var basicByConfiguration = scanType == ScanType.Basic;

        EcrScanWaitResult Result(EcrScanWaitOutcome outcome, ScanStatus? status, string? description, ImageScanFindings? findings = null) => new()
        {
            RepositoryName = repositoryName,
            ImageDigest = digest,
            Outcome = outcome,
            Status = status,
            Description = description,
            ScanType = scanType,
            Mode = mode,
            Findings = findings,
            ScanStarted = scanStarted,
            StartedAt = startedAt,
            DecidedAt = _time.GetUtcNow(),
            Polls = polls,
            Calls = calls,
        };

        void Report(string message)
        {
            progress?.Report(new ScanWaitProgress(repositoryName, digest, lastStatus, message, _time.GetUtcNow() - startedAt, polls));
        }

        // Starts a basic scan; returns a result when the image cannot be scanned at all.
        async Task<EcrScanWaitResult?> StartScanAsync()
        {
            scanStarted = true;
            calls++;
            try
            {
                var started = await _client.StartImageScanAsync(new StartImageScanRequest { RegistryId = registryId, RepositoryName = repositoryName, ImageId = imageId }, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Started a basic scan of {Repository}@{Digest}: {Status}.", repositoryName, digest, started.ImageScanStatus?.Status?.Value);
                Report("scan started");
            }
            catch (LimitExceededException)
            {
                // One basic scan per image a day: the image was scanned already, so that scan's findings are the ones to read.
                _logger.LogInformation("{Repository}@{Digest} was scanned in the last 24 hours; waiting for that scan.", repositoryName, digest);
                Report("scanned in the last 24 hours; using that scan");
            }
            catch (UnsupportedImageTypeException exception)
            {
                _logger.LogWarning("{Repository}@{Digest} cannot be scanned: {Message}", repositoryName, digest, exception.ServiceMessage);
                lastStatus = ScanStatus.UnsupportedImage;
                Report("scan unavailable");
                return Result(EcrScanWaitOutcome.ScanUnavailable, ScanStatus.UnsupportedImage, exception.ServiceMessage);
            }
            catch (ValidationException exception) when (mode == EcrScanMode.Unknown)
            {
                // With the configuration unreadable, the registry may scan with Amazon Inspector, which takes no manual scans.
                _logger.LogInformation("{Repository}@{Digest}: StartImageScan refused ({Message}); waiting for the registry's own scan.", repositoryName, digest, exception.ServiceMessage);
            }

            return null;
        }

        if (mode == EcrScanMode.Manual && await StartScanAsync().ConfigureAwait(false) is { } unscannable)
        {
            return unscannable;
        }

        var throttled = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetUtcNow();
            if (now >= deadline)
            {
                var reason = lastStatus is null
                    ? $"No scan appeared for the image within {Format(_options.Timeout)}{(mode == EcrScanMode.NotScanned ? " (the registry's enhanced scanning rules match no filter for this repository)" : string.Empty)}."
                    : $"The scan was still {lastStatus} after {Format(_options.Timeout)}{(lastDescription is null ? "." : $" ({lastDescription}).")}";
                _logger.LogWarning("{Repository}@{Digest}: {Reason}", repositoryName, digest, reason);
                Report("timed out");
                return Result(EcrScanWaitOutcome.TimedOut, lastStatus, reason);
            }

            DescribeImageScanFindingsResponse? response = null;
            polls++;
            calls++;
            try
            {
                response = await _client.DescribeImageScanFindingsAsync(request, cancellationToken).ConfigureAwait(false);
                throttled = false;
            }
            catch (ScanNotFoundException)
            {
                throttled = false;
                var sincePush = _time.GetUtcNow() - startedAt;
                if (!scanStarted && sincePush >= _options.ScanNotFoundGracePeriod
                    && scanType != ScanType.Enhanced && mode is EcrScanMode.ScanOnPush or EcrScanMode.Unknown)
                {
                    _logger.LogInformation("No scan of {Repository}@{Digest} after {Grace}; starting one.", repositoryName, digest, Format(_options.ScanNotFoundGracePeriod));
                    if (await StartScanAsync().ConfigureAwait(false) is { } refused)
                    {
                        return refused;
                    }
                }
                else if (phase != "not found")
                {
                    Report("no scan yet");
                }

                phase = "not found";
            }
            catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.AwsThrottled || exception.ErrorCode == ErrorCodes.AwsServiceUnavailable)
            {
                // The client retried already; the wait backs off further rather than giving up the scan.
                _logger.LogWarning("{Repository}@{Digest}: {Code}; backing off.", repositoryName, digest, exception.Code);
                throttled = true;
            }

            if (response is not null)
            {
                var status = response.ImageScanStatus?.Status;
                var findings = response.ImageScanFindings;
                if (findings?.EnhancedFindings is not null)
                {
                    scanType = ScanType.Enhanced;
                }
                else if (findings?.Findings is not null && scanType is null)
                {
                    scanType = ScanType.Basic;
                }

                if (status != lastStatus)
                {
                    step = 0;
                    _logger.LogInformation("{Repository}@{Digest}: {Status} {Description}", repositoryName, digest, status?.Value, response.ImageScanStatus?.Description);
                }

                lastStatus = status;
                lastDescription = response.ImageScanStatus?.Description;
                if (status == ScanStatus.Complete || status == ScanStatus.Active)
                {
                    completeSince ??= _time.GetUtcNow();
                    var signature = Signature(findings);
                    sameSignature = signature is not null && signature == lastSignature ? sameSignature + 1 : 1;
                    if (signature != lastSignature)
                    {
                        step = 0;
                    }

                    lastSignature = signature;
                    var settled = basicByConfiguration || _time.GetUtcNow() - completeSince.Value >= _options.EnhancedSettleTime;
                    var final = findings is not null
                        && ((findings.ImageScanCompletedAt is not null && (scanType != ScanType.Enhanced || HasFindings(findings)))
                            || (sameSignature >= _options.StablePolls && settled));
                    if (final)
                    {
                        var all = await ReadAllPagesAsync(request, response, () => calls++, cancellationToken).ConfigureAwait(false);
                        Report("findings final");
                        _logger.LogInformation("{Repository}@{Digest}: findings final after {Polls} poll(s).", repositoryName, digest, polls);
                        return Result(EcrScanWaitOutcome.Complete, status, lastDescription, all);
                    }

                    Report("waiting for the findings to settle");
                }
                else if (status == ScanStatus.InProgress || status == ScanStatus.Pending)
                {
                    completeSince = null;
                    if (phase != status?.Value)
                    {
                        Report(status == ScanStatus.Pending ? "scan pending" : "scan in progress");
                    }
                }
                else
                {
                    _logger.LogWarning("{Repository}@{Digest}: the scan ended with {Status}: {Description}", repositoryName, digest, status?.Value ?? "no status", lastDescription);
                    Report("scan unavailable");
                    return Result(EcrScanWaitOutcome.ScanUnavailable, status, lastDescription ?? "The scan reported no status.");
                }

                phase = status?.Value;
            }

            var delay = NextDelay(step++, throttled);
            var left = deadline - _time.GetUtcNow();
            if (left > TimeSpan.Zero && delay > left)
            {
                delay = left < EcrScanWaitOptions.MinimumPollInterval ? EcrScanWaitOptions.MinimumPollInterval : left;
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Full jitter: uniform between zero and <c>min(cap, initial × 2^step)</c>, at least one second (the cap is four times larger after throttling).</summary>
    private TimeSpan NextDelay(int step, bool throttled)
    {
        var cap = throttled ? _options.MaxPollInterval * 4 : _options.MaxPollInterval;
        var upper = _options.InitialPollInterval * Math.Pow(2, Math.Min(step, 30));
        if (upper > cap)
        {
            upper = cap;
        }

        double sample;
        lock (_randomLock)
        {
            sample = _random.NextDouble();
        }

        var delay = upper * sample;
        return delay < EcrScanWaitOptions.MinimumPollInterval ? EcrScanWaitOptions.MinimumPollInterval : delay;
    }

    private async Task<ImageScanFindings?> ReadAllPagesAsync(DescribeImageScanFindingsRequest request, DescribeImageScanFindingsResponse first, Action countCall, CancellationToken cancellationToken)
    {
        if (first.NextToken is null || first.ImageScanFindings is not { } findings)
        {
            return first.ImageScanFindings;
        }

        var basic = findings.Findings is { } f ? new List<ImageScanFinding>(f) : null;
        var enhanced = findings.EnhancedFindings is { } e ? new List<EnhancedImageScanFinding>(e) : null;
        await foreach (var page in _client.DescribeImageScanFindingsPagesAsync(request with { NextToken = first.NextToken }, cancellationToken).ConfigureAwait(false))
        {
            countCall();
            if (page.ImageScanFindings?.Findings is { } pageFindings)
            {
                (basic ??= []).AddRange(pageFindings);
            }

            if (page.ImageScanFindings?.EnhancedFindings is { } pageEnhanced)
            {
                (enhanced ??= []).AddRange(pageEnhanced);
            }
        }

        return findings with { Findings = basic, EnhancedFindings = enhanced };
    }

    private static bool HasFindings(ImageScanFindings findings)
        => findings.Findings is { Count: > 0 } || findings.EnhancedFindings is { Count: > 0 } || findings.FindingSeverityCounts is { Count: > 0 };

    /// <summary>What must stay the same across polls: the finding ids of the page and the severity counts.</summary>
    private static string? Signature(ImageScanFindings? findings)
    {
        if (findings is null)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var id in (findings.Findings ?? []).Select(f => f.Name ?? string.Empty)
            .Concat((findings.EnhancedFindings ?? []).Select(f => f.FindingArn ?? f.PackageVulnerabilityDetails?.VulnerabilityId ?? string.Empty))
            .Order(StringComparer.Ordinal))
        {
            text.Append(id).Append('\n');
        }

        foreach (var (severity, count) in (findings.FindingSeverityCounts ?? new Dictionary<FindingSeverity, int>()).OrderBy(p => p.Key.Value, StringComparer.Ordinal))
        {
            text.Append(severity.Value).Append('=').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary><c>os/architecture[/variant]</c> of an index entry, or null when it names none.</summary>
    private static string? PlatformOf(JsonElement entry)
    {
        if (!entry.TryGetProperty("platform", out var platform) || platform.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Member(string name) => platform.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var os = Member("os");
        var architecture = Member("architecture");
        if (string.IsNullOrEmpty(os) || string.IsNullOrEmpty(architecture))
        {
            return null;
        }

        var variant = Member("variant");
        return string.IsNullOrEmpty(variant) ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}";
    }

    private static bool IsAttestation(JsonElement entry)
    {
        if (entry.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object
            && annotations.TryGetProperty("vnd.docker.reference.type", out _))
        {
            return true;
        }

        return entry.TryGetProperty("platform", out var platform) && platform.ValueKind == JsonValueKind.Object
            && platform.TryGetProperty("os", out var os) && os.GetString() == "unknown"
            && platform.TryGetProperty("architecture", out var arch) && arch.GetString() == "unknown";
    }

    /// <summary>ECR's WILDCARD repository filter: <c>*</c> matches any run of characters, everything else itself.</summary>
    internal static bool WildcardMatches(string filter, string name)
    {
        var parts = filter.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(filter, name, StringComparison.Ordinal);
        }

        if (!name.StartsWith(parts[0], StringComparison.Ordinal) || !name.EndsWith(parts[^1], StringComparison.Ordinal) || name.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var position = parts[0].Length;
        var end = name.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = name.IndexOf(parts[i], position, end - position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            position = found + parts[i].Length;
        }

        return true;
    }

    private static string Format(TimeSpan span)
        => span.TotalMinutes >= 1 && span.Seconds == 0 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0} s";
}
