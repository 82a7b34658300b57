using System.Globalization;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr.Login;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Scanning;

namespace Toolkit.Aws.Ecr.Scanning;

/// <summary>An Amazon ECR image as given to a scan wait: the reference as written, its registry and repository, and its tag or digest.</summary>
public sealed record EcrImageTarget(string Reference, EcrRegistryHost Registry, string Repository, string? Tag, string? Digest)
{
    /// <summary>
    /// Parses <c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com/&lt;repository&gt;:&lt;tag&gt;</c> or
    /// <c>...@sha256:...</c>. Another registry is TK3078; a reference without tag or digest, or one that is not a reference,
    /// is TK3102 (a gate never guesses <c>latest</c>).
    /// </summary>
    public static EcrImageTarget Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!ImageReference.TryParse(reference, out var parsed) || (parsed.Tag is null && parsed.Digest is null))
        {
            throw new ToolkitException(
                ErrorCodes.EcrScanImageReferenceInvalid,
                $"'{reference}' is not an Amazon ECR image reference with a tag or digest. Write <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or ...@sha256:<digest>.");
        }

        if (!EcrRegistryHost.TryParse(parsed.Registry, out var registry))
        {
            throw new ToolkitException(
                ErrorCodes.NotAnEcrRegistry,
                $"'{reference}' is not in an Amazon ECR registry (<account>.dkr.ecr.<region>.amazonaws.com). For another registry, scan the image with Trivy or Grype and give the gate their JSON report (--report).");
        }

        return new EcrImageTarget(reference, registry, parsed.Repository, parsed.Tag, parsed.Digest?.ToString());
    }
}

/// <summary>The scan of one image manifest of a target (each platform of an index is one): how the wait ended and the vendor-neutral result.</summary>
public sealed record EcrImageScan(EcrImageTarget Target, EcrPlatformImage Image, EcrScanWaitResult Wait, ScanResult Result)
{
    /// <summary>
    /// The image and how its wait ended, on one line, the same in every front-end:
    /// <c>team/app@sha256:4a0c1bc5a2c5 (linux/amd64): COMPLETE, 6 finding(s): CRITICAL 1, HIGH 2, MEDIUM 3, LOW 0, INFORMATIONAL 0, UNDEFINED 0</c>,
    /// or <c>...: timed out, IN_PROGRESS: ...</c> / <c>...: no findings, UNSUPPORTED_IMAGE: ...</c>.
    /// </summary>
    public string Describe()
    {
        var digest = Wait.ImageDigest.StartsWith("sha256:", StringComparison.Ordinal) && Wait.ImageDigest.Length > 19 ? Wait.ImageDigest[..19] : Wait.ImageDigest;
        var name = $"{Wait.RepositoryName}@{digest}{(Image.Platform is null ? string.Empty : $" ({Image.Platform})")}";
        if (Wait.Outcome == EcrScanWaitOutcome.Complete)
        {
            var counts = string.Join(", ", Enum.GetValues<Severity>().OrderDescending().Select(s => string.Create(CultureInfo.InvariantCulture, $"{SeverityText.ToName(s)} {Result.Findings.Count(f => f.Severity == s)}")));
            return string.Create(CultureInfo.InvariantCulture, $"{name}: {Wait.Status?.Value ?? "COMPLETE"}, {Result.Findings.Count} finding(s): {counts}");
        }

        var outcome = Wait.Outcome == EcrScanWaitOutcome.TimedOut ? "timed out" : "no findings";
        return $"{name}: {outcome}, {Wait.Status?.Value ?? "no scan"}{(Wait.Description is null ? string.Empty : $": {Wait.Description}")}";
    }

    /// <summary>TK3101 when some scans' findings are not final (a failed, unsupported or unavailable scan, or a time-out), naming each.</summary>
    public static void ThrowIfNotFinal(IReadOnlyList<EcrImageScan> scans)
    {
        ArgumentNullException.ThrowIfNull(scans);
        var notFinal = scans.Where(s => s.Wait.Outcome != EcrScanWaitOutcome.Complete).ToArray();
        if (notFinal.Length > 0)
        {
            throw new ToolkitException(
                ErrorCodes.ScanWaitNotFinal,
                string.Create(CultureInfo.InvariantCulture, $"The findings of {notFinal.Length} of {scans.Count} image(s) are not final: {string.Join("; ", notFinal.Select(s => s.Describe()))}. ")
                + "Look at the status description; wait longer when scans are still running, or let the scan gate decide (onScanUnavailable).");
        }
    }
}

/// <summary>
/// Waits for the findings of Amazon ECR images given by reference and maps them to <see cref="ScanResult"/>s, for every
/// front-end: a tag is resolved to its digest (DescribeImages), an index to its platform manifests with their platforms
/// (BatchGetImage), each is waited for with <see cref="EcrScanWaiter"/>, and each wait becomes a result: complete findings
/// through <see cref="EcrFindingsMapper"/>, a time-out as <see cref="ScanOutcome.TimedOut"/>, a failed or unavailable scan
/// with its status and description, so a gate fails closed on them. The client must be for the targets' registry.
/// </summary>
public sealed class EcrImageScans
{
    private readonly IEcrClient _client;
    private readonly EcrScanWaiter _waiter;
    private readonly ILogger? _logger;

    public EcrImageScans(IEcrClient client, EcrScanWaitOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _waiter = new EcrScanWaiter(client, options, timeProvider, logger);
        _logger = logger;
    }

    /// <summary>The digest a target names: its own, or its tag's (DescribeImages; a missing tag is TK3034).</summary>
    public async Task<string> ResolveDigestAsync(EcrImageTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Digest is { } digest)
        {
            return digest;
        }

        var response = await _client.DescribeImagesAsync(
            new DescribeImagesRequest
            {
                RegistryId = target.Registry.AccountId,
                RepositoryName = target.Repository,
                ImageIds = [new ImageIdentifier { ImageTag = target.Tag }],
            },
            cancellationToken).ConfigureAwait(false);
        var found = response.ImageDetails?.FirstOrDefault(d => d.ImageDigest is not null)?.ImageDigest;
        return found ?? throw new ToolkitException(
            ErrorCodes.EcrImageNotFound,
            $"The tag '{target.Tag}' names no image in the Amazon ECR repository '{target.Repository}'. Check the tag, or give the digest the push reported.");
    }

    /// <summary>Waits for every image manifest of every target (all at once, each on its own clock) and returns one scan per manifest, targets in order.</summary>
    public async Task<IReadOnlyList<EcrImageScan>> WaitAsync(IReadOnlyList<EcrImageTarget> targets, IProgress<ScanWaitProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var resolved = new List<(EcrImageTarget Target, IReadOnlyList<EcrPlatformImage> Images)>();
        foreach (var target in targets)
        {
            var digest = await ResolveDigestAsync(target, cancellationToken).ConfigureAwait(false);
            var images = await _waiter.ResolvePlatformImagesAsync(target.Repository, digest, target.Registry.AccountId, cancellationToken).ConfigureAwait(false);
            _logger?.LogInformation("{Reference} is {Digest}: {Count} image manifest(s) to wait for.", target.Reference, digest, images.Count);
            resolved.Add((target, images));
        }

        var waits = resolved.Select(async r =>
        {
            var results = await _waiter.WaitAsync(r.Target.Repository, [.. r.Images.Select(i => i.Digest)], r.Target.Registry.AccountId, progress, cancellationToken).ConfigureAwait(false);
            return r.Images.Select((image, i) => new EcrImageScan(r.Target, image, results[i], ToScanResult(results[i], image.Platform))).ToArray();
        });
        var all = await Task.WhenAll(waits).ConfigureAwait(false);
        return [.. all.SelectMany(a => a)];
    }

    /// <summary>
    /// Waits for images in any Amazon ECR registries, the entry point of every front-end: each registry host gets its own
    /// client (for its region, see <see cref="EcrLogin.ConnectionFor(AwsConnectionOptions, string?)"/>), all registries are waited for at once, and the scans
    /// come back with the targets in the order given. Parse every reference first (<see cref="EcrImageTarget.Parse"/>) so a
    /// bad one fails before any wait.
    /// </summary>
    public static async Task<IReadOnlyList<EcrImageScan>> WaitAsync(
        IReadOnlyList<EcrImageTarget> targets,
        AwsConnectionOptions connection,
        EcrScanWaitOptions? options,
        TimeProvider? timeProvider,
        ILogger? logger,
        IProgress<ScanWaitProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(connection);
        var groups = targets.GroupBy(t => t.Registry.Host, StringComparer.OrdinalIgnoreCase).Select(async group =>
        {
            using var client = new EcrClient(AwsConnection.Resolve(EcrLogin.ConnectionFor(connection, group.Key)));
            return await new EcrImageScans(client, options, timeProvider, logger).WaitAsync([.. group], progress, cancellationToken).ConfigureAwait(false);
        });
        var all = (await Task.WhenAll(groups).ConfigureAwait(false)).SelectMany(s => s).ToArray();
        return [.. targets.SelectMany(t => all.Where(s => ReferenceEquals(s.Target, t)))];
    }

    /// <summary>The vendor-neutral result of one wait: complete findings mapped, or the outcome and status of a scan without them.</summary>
    public static ScanResult ToScanResult(EcrScanWaitResult wait, string? platform)
    {
        ArgumentNullException.ThrowIfNull(wait);
        var response = new DescribeImageScanFindingsResponse
        {
            RepositoryName = wait.RepositoryName,
            ImageId = new ImageIdentifier { ImageDigest = wait.ImageDigest },
            ImageScanStatus = new ImageScanStatus { Status = wait.Status, Description = wait.Description },
            ImageScanFindings = wait.Outcome == EcrScanWaitOutcome.Complete ? wait.Findings : null,
        };
        var result = EcrFindingsMapper.ToScanResult(response, wait.ScanType, platform);
        return wait.Outcome switch
        {
            EcrScanWaitOutcome.Complete => result with { Outcome = ScanOutcome.Complete },
            EcrScanWaitOutcome.TimedOut => result with
            {
                Outcome = ScanOutcome.TimedOut,
                StatusDescription = wait.Status is { } status ? $"{status.Value} (timed out): {wait.Description}" : wait.Description,
            },
            _ => result.Outcome == ScanOutcome.Complete ? result with { Outcome = ScanOutcome.Unavailable } : result,
        };
    }
}
