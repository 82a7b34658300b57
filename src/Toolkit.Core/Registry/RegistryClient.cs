using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

using Toolkit.Core.Storage;

namespace Toolkit.Core.Registry;

/// <summary>
/// The distribution-spec operations on one registry over an <see cref="HttpClient"/> whose handlers do auth, retries
/// and TLS (see <see cref="RegistryClientFactory"/>). Transport failures and registry errors become coded
/// <see cref="ToolkitException"/>s.
/// </summary>
public sealed class RegistryClient : IRegistryClient
{
    /// <summary>The largest manifest or index we read.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>Upload sessions per blob, and attempts per chunk, before an interrupted upload is given up.</summary>
    public const int MaxUploadSessions = 4;

    // Reads of the source per write to the connection when a blob is streamed: large enough that the per-call cost vanishes.
    private const int StreamedCopyBufferSize = 256 * 1024;

    private const int MaxRedirects = 5;
    private const int MaxTagPages = 10_000;
    private const int MaxReferrerPages = 100;

    private readonly HttpClient _http;
    private readonly Uri _baseUri;
    private readonly ILogger _logger;

    public RegistryClient(string registry, Uri baseUri, HttpClient http, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(logger);
        Registry = registry;
        _baseUri = baseUri;
        _http = http;
        _logger = logger;
    }

    public string Registry { get; }

    /// <summary>Tags per page (<c>?n=</c>) when listing; null lets the registry choose.</summary>
    public int? TagPageSize { get; init; }

    /// <summary>The wait before resuming or restarting an interrupted upload (times the attempt number).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The clock waits run on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long a blob download may go without receiving a byte before it fails (infinite disables it).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(100);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseUri, "v2/"));
        using var response = await SendAsync(request, null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RegistryManifest?> GetManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken)
    {
        using var request = ManifestRequest(HttpMethod.Get, repository, reference, accept);
        using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            // Also when the repository itself is unknown (NAME_UNKNOWN): nothing is there, which is what a push asks.
            return null;
        }

        await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is > MaxManifestBytes)
        {
            throw TooLarge(repository, reference);
        }

        var content = await ReadBoundedAsync(response, repository, reference, cancellationToken).ConfigureAwait(false);
        var mediaType = MediaTypeOf(response, content);
        var algorithm = Digest.TryParse(reference, out var referenceDigest) ? referenceDigest.Algorithm : Digest.Sha256;
        var digest = Digest.Compute(content, algorithm);
        CheckDigest(repository, reference, digest, response, referenceDigest);
        return new RegistryManifest(new Descriptor(mediaType, digest, content.Length), content);
    }

    public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, IReadOnlyList<string> accept, CancellationToken cancellationToken)
    {
        using var request = ManifestRequest(HttpMethod.Head, repository, reference, accept);
        using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
        var digest = DigestHeader(response)
            ?? (Digest.TryParse(reference, out var d) ? d : null);
        if (digest is null)
        {
            // The registry did not say the digest: read the manifest to compute it.
            var manifest = await GetManifestAsync(repository, reference, accept, cancellationToken).ConfigureAwait(false);
            return manifest?.Descriptor;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypes.OciManifest;
        return new Descriptor(mediaType, digest, response.Content.Headers.ContentLength ?? 0);
    }

    public async Task<ManifestPutResult> PutManifestAsync(string repository, string reference, Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        using var request = new HttpRequestMessage(HttpMethod.Put, RepositoryUri(repository, $"manifests/{Uri.EscapeDataString(reference)}"))
        {
            Content = new ReadOnlyMemoryContent(content),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(descriptor.MediaType);
        using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
        if (DigestHeader(response) is { } returned && returned != descriptor.Digest)
        {
            throw new ToolkitException(ErrorCodes.RegistryDigestMismatch, $"The registry {Registry} stored the manifest for {repository}:{reference} as {returned}, but its digest is {descriptor.Digest}. The registry changed the content; the push is not trustworthy.");
        }

        var subject = response.Headers.TryGetValues("OCI-Subject", out var subjects) && Digest.TryParse(subjects.FirstOrDefault()?.Trim(), out var s) ? s : null;
        _logger.LogDebug("Put manifest {Digest} as {Repository}:{Reference} on {Registry}; OCI-Subject {Subject}.", descriptor.Digest, repository, reference, Registry, subject?.ToString() ?? "(none)");
        return new ManifestPutResult { Subject = subject };
    }

    public async Task<long?> HeadBlobAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        using var request = new HttpRequestMessage(HttpMethod.Head, RepositoryUri(repository, $"blobs/{digest}"));
        using var response = await SendFollowingRedirectsAsync(request, repository, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
        return response.Content.Headers.ContentLength;
    }

    public async Task<Stream> GetBlobAsync(string repository, Descriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        using var request = new HttpRequestMessage(HttpMethod.Get, RepositoryUri(repository, $"blobs/{descriptor.Digest}"));
        var response = await SendFollowingRedirectsAsync(request, repository, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound && !await IsRepositoryMissingAsync(response).ConfigureAwait(false))
            {
                throw new ToolkitException(ErrorCodes.RegistryBlobUnknown, $"The repository {repository} on {Registry} has no blob {descriptor.Digest}.");
            }

            await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(stream, response, this, descriptor.Digest);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<bool> TryMountBlobAsync(string repository, Digest digest, string fromRepository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentException.ThrowIfNullOrEmpty(fromRepository);
        using var request = new HttpRequestMessage(HttpMethod.Post, RepositoryUri(repository, $"blobs/uploads/?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(fromRepository)}"));
        using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            await CancelUploadAsync(repository, ResolveLocation(request.RequestUri!, location), cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    public async Task PushBlobAsync(string repository, Descriptor descriptor, Stream content, BlobUploadOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);

        // Small blobs are read into memory once, so a broken session restarts without reading the source again.
        var whole = descriptor.Size <= options.MonolithicThreshold
            ? await ReadWholeAsync(content, descriptor, cancellationToken).ConfigureAwait(false)
            : null;
        for (var session = 1; ; session++)
        {
            try
            {
                await UploadSessionAsync(repository, descriptor, whole, content, options, progress, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (UploadInterruptedException interrupted)
            {
                // The blob may be complete after all (a lost answer to the final PUT), or pushed by someone else meanwhile.
                if (await HeadBlobAsync(repository, descriptor.Digest, cancellationToken).ConfigureAwait(false) == descriptor.Size)
                {
                    _logger.LogDebug("The upload of {Digest} to {Repository} was interrupted ({Reason}), but the registry has the blob.", descriptor.Digest, repository, interrupted.Message);
                    progress?.Report(descriptor.Size);
                    return;
                }

                var rewound = whole is not null || TryRewind(content);
                if (session >= MaxUploadSessions || !rewound)
                {
                    throw new ToolkitException(
                        ErrorCodes.BlobUploadInterrupted,
                        $"The upload of {descriptor.Digest} to {repository} on {Registry} was interrupted ({interrupted.Message})"
                        + (rewound ? $" {session} times." : ".")
                        + " Check the network and the registry, then push again: blobs already at the registry are skipped.",
                        interrupted.InnerException);
                }

                _logger.LogDebug("The upload of {Digest} to {Repository} was interrupted ({Reason}); starting a new upload session ({Session} of {Max}).", descriptor.Digest, repository, interrupted.Message, session + 1, MaxUploadSessions);
                await Task.Delay(RetryDelay * session, TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One upload session: POST, then one PUT with the body, or PATCHes (each resumed from the registry's offset when one fails) and a closing PUT.</summary>
    private async Task UploadSessionAsync(string repository, Descriptor descriptor, byte[]? whole, Stream content, BlobUploadOptions options, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Opening the session is a request without a body, so the auth handshake happens here and the
        // PATCH/PUT below carry a token the first time.
        using var start = new HttpRequestMessage(HttpMethod.Post, RepositoryUri(repository, "blobs/uploads/"));
        using var started = await SendAsync(start, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(started, repository, cancellationToken).ConfigureAwait(false);
        if (started.StatusCode == HttpStatusCode.Created)
        {
            return;
        }

        var location = UploadLocation(start.RequestUri!, started, repository);
        if (whole is not null)
        {
            await FinishUploadAsync(repository, descriptor, location, whole, cancellationToken).ConfigureAwait(false);
            progress?.Report(descriptor.Size);
            return;
        }

        var minimumChunk = started.Headers.TryGetValues("OCI-Chunk-Min-Length", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var min) && min > 0
            ? min
            : 0;

        if (options.ChunkSize is not { } requestedChunk)
        {
            location = await PatchStreamedAsync(repository, descriptor, content, location, progress, cancellationToken).ConfigureAwait(false);
            await FinishUploadAsync(repository, descriptor, location, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var chunkSize = (int)Math.Min(int.MaxValue, Math.Max(requestedChunk, minimumChunk));
        var buffer = new byte[chunkSize];
        long offset = 0;
        while (true)
        {
            var filled = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
            if (filled == 0)
            {
                break;
            }

            location = await PatchChunkAsync(repository, descriptor, location, buffer, filled, offset, cancellationToken).ConfigureAwait(false);
            offset += filled;
            progress?.Report(offset);
        }

        await FinishUploadAsync(repository, descriptor, location, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one chunk. When the PATCH fails, the registry is asked how much of the upload it holds: the chunk resumes from
    /// there when that falls inside it; otherwise (or when the session is gone) the whole session is restarted.
    /// </summary>
    private async Task<Uri> PatchChunkAsync(string repository, Descriptor descriptor, Uri location, byte[] buffer, int filled, long offset, CancellationToken cancellationToken)
    {
        var sent = 0;
        for (var attempt = 1; ; attempt++)
        {
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
            {
                Content = new ByteArrayContent(buffer, sent, filled - sent),
            };
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset + sent}-{offset + filled - 1}");
            patch.Options.Set(RegistryRequest.CallerRecovers, true);
            string failure;
            try
            {
                using var patched = await SendAsync(patch, repository, cancellationToken).ConfigureAwait(false);
                if (patched.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.NoContent)
                {
                    var next = patched.Headers.Location is not null ? UploadLocation(location, patched, repository) : location;
                    if (patched.Headers.TryGetValues("Range", out var ranges) && ParseRangeEnd(ranges.FirstOrDefault()) is { } end && end + 1 != offset + filled)
                    {
                        throw new UploadInterruptedException($"the registry holds {end + 1} bytes after a PATCH that ended at {offset + filled}");
                    }

                    return next;
                }

                if (!IsRecoverableUploadStatus(patched.StatusCode))
                {
                    await EnsureSuccessAsync(patched, repository, cancellationToken).ConfigureAwait(false);
                }

                failure = $"PATCH answered HTTP {(int)patched.StatusCode}";
            }
            catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.RegistryUnreachable)
            {
                failure = $"PATCH failed: {exception.InnerException?.Message ?? exception.Message}";
            }

            if (attempt >= MaxUploadSessions)
            {
                throw new UploadInterruptedException(failure);
            }

            await Task.Delay(RetryDelay * attempt, TimeProvider, cancellationToken).ConfigureAwait(false);
            var (held, resumeAt) = await UploadStatusAsync(repository, location, failure, cancellationToken).ConfigureAwait(false);
            if (held < offset || held > offset + filled)
            {
                throw new UploadInterruptedException($"{failure}, and the registry holds {held} bytes of it, outside the chunk {offset}-{offset + filled - 1}");
            }

            _logger.LogDebug("{Failure}; resuming the upload of {Digest} at byte {Offset}.", failure, descriptor.Digest, held);
            location = resumeAt;
            sent = (int)(held - offset);
            if (sent == filled)
            {
                return location;
            }
        }
    }

    /// <summary>How many bytes of an upload session the registry holds (<c>GET</c> on the session), and where to continue it.</summary>
    private async Task<(long Held, Uri Location)> UploadStatusAsync(string repository, Uri location, string failure, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, location);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.RegistryUnreachable)
        {
            throw new UploadInterruptedException($"{failure}, and the session's state cannot be read", exception);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.NoContent && response.StatusCode != HttpStatusCode.OK)
            {
                // distribution cancels a session it finds at an unexpected offset and then answers 400 or 404.
                throw new UploadInterruptedException($"{failure}, and the registry no longer has the session (HTTP {(int)response.StatusCode})");
            }

            // "0-0" may mean no byte or one byte (distribution says it for both); taking it as none at worst makes the
            // registry refuse the resumed PATCH, which then restarts the session.
            var end = response.Headers.TryGetValues("Range", out var ranges) ? ParseRangeEnd(ranges.FirstOrDefault()) : null;
            var held = end is null or 0 ? 0 : end.Value + 1;
            var next = response.Headers.Location is not null ? UploadLocation(location, response, repository) : location;
            return (held, next);
        }
    }

    /// <summary>The closing PUT (with the whole body for a monolithic upload); only 201 Created confirms the blob.</summary>
    private async Task FinishUploadAsync(string repository, Descriptor descriptor, Uri location, byte[]? body, CancellationToken cancellationToken)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest));
        if (body is not null)
        {
            put.Content = new ByteArrayContent(body);
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            put.Options.Set(RegistryRequest.CallerRecovers, true);
        }

        HttpResponseMessage done;
        try
        {
            done = await SendAsync(put, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.RegistryUnreachable)
        {
            throw new UploadInterruptedException($"PUT failed: {exception.InnerException?.Message ?? exception.Message}", exception);
        }

        using (done)
        {
            if (IsRecoverableUploadStatus(done.StatusCode) && !await IsDigestRefusalAsync(done).ConfigureAwait(false))
            {
                throw new UploadInterruptedException($"PUT answered HTTP {(int)done.StatusCode}");
            }

            await EnsureSuccessAsync(done, repository, cancellationToken).ConfigureAwait(false);
            CheckBlobCreated(repository, descriptor, done);
            CheckBlobDigest(repository, descriptor, done);
        }
    }

    /// <summary>
    /// Answers to an upload request after which the session may be gone or at another offset, but a new one can succeed:
    /// 404 (session unknown or expired), 400 (distribution's BLOB_UPLOAD_INVALID after a broken request), 416 (offset),
    /// 429 and 5xx.
    /// </summary>
    private static bool IsRecoverableUploadStatus(HttpStatusCode status)
        => status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.RequestedRangeNotSatisfiable or HttpStatusCode.TooManyRequests
            || (int)status >= 500;

    /// <summary>
    /// A 401 to a streamed request (which cannot be sent twice) whose credential expired and has since been renewed
    /// (e.g. a short-lived token): a new upload session goes with the new credential.
    /// </summary>
    private static bool IsRenewedCredentialRefusal(HttpRequestMessage request, HttpResponseMessage response)
        => response.StatusCode == HttpStatusCode.Unauthorized && RegistryRequest.WasCredentialRenewed(request);

    /// <summary>A 400 that says DIGEST_INVALID or SIZE_INVALID is about the content, not the session: starting again would not help.</summary>
    private static async Task<bool> IsDigestRefusalAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.BadRequest)
        {
            return false;
        }

        await response.Content.LoadIntoBufferAsync(64 * 1024).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return RegistryErrors.ParseErrors(body).Any(e => e.Code is "DIGEST_INVALID" or "SIZE_INVALID");
    }

    private static bool TryRewind(Stream content)
    {
        if (!content.CanSeek)
        {
            return false;
        }

        content.Seek(0, SeekOrigin.Begin);
        return true;
    }

    public async Task<RegistryReferrers?> GetReferrersAsync(string repository, Digest subject, string? artifactType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var what = $"referrers of {subject}";
        Uri? next = RepositoryUri(repository, $"referrers/{subject}" + (artifactType is null ? string.Empty : $"?artifactType={Uri.EscapeDataString(artifactType)}"));
        var manifests = new List<Descriptor>();
        var filteredByRegistry = artifactType is not null;
        for (var page = 0; next is not null; page++)
        {
            if (page >= MaxReferrerPages)
            {
                throw new ToolkitException(ErrorCodes.ReferrersResponseInvalid, $"The registry {Registry} listed the {what} in {repository} over more than {MaxReferrerPages} pages; the list is refused.");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciIndex));
            using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound && page == 0)
            {
                // A registry with the API never answers 404 here (distribution spec); without it, the route is unknown.
                _logger.LogDebug("{Registry} has no Referrers API (404 for {Path}).", Registry, request.RequestUri!.AbsolutePath);
                return null;
            }

            await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is > MaxManifestBytes)
            {
                throw TooLarge(repository, what);
            }

            var body = await ReadBoundedAsync(response, repository, what, cancellationToken).ConfigureAwait(false);
            manifests.AddRange(ParseReferrersPage(body, repository, what));
            filteredByRegistry &= FiltersApplied(response).Contains("artifactType");
            next = NextLink(request.RequestUri!, response);
        }

        // The filter is applied here whatever the registry said: the registry is not trusted to have applied it right.
        IReadOnlyList<Descriptor> result = artifactType is null ? manifests : [.. manifests.Where(m => m.ArtifactType == artifactType)];
        return new RegistryReferrers(result, filteredByRegistry);
    }

    /// <summary>
    /// Sends the whole blob in one PATCH straight from its source. A failure of the source itself (e.g. its digest
    /// check at the end) is reported as that failure, not as a broken connection; the session is then never completed,
    /// so the registry does not keep the blob.
    /// </summary>
    private async Task<Uri> PatchStreamedAsync(string repository, Descriptor descriptor, Stream content, Uri location, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var source = new UploadSourceStream(content, progress);
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
        {
            Content = new StreamContent(source, StreamedCopyBufferSize),
        };
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        patch.Content.Headers.ContentLength = descriptor.Size;
        patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"0-{descriptor.Size - 1}");
        patch.Options.Set(RegistryRequest.CallerRecovers, true);
        HttpResponseMessage patched;
        try
        {
            patched = await SendAsync(patch, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException) when (source.Failure is not null)
        {
            throw source.Failure;
        }
        catch (ToolkitException exception) when (exception.ErrorCode == ErrorCodes.RegistryUnreachable)
        {
            throw new UploadInterruptedException($"the streamed PATCH failed after {source.Position} bytes: {exception.InnerException?.Message ?? exception.Message}", exception);
        }

        using (patched)
        {
            if (source.Failure is not null)
            {
                throw source.Failure;
            }

            if (patched.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.NoContent))
            {
                if (IsRecoverableUploadStatus(patched.StatusCode) || IsRenewedCredentialRefusal(patch, patched))
                {
                    throw new UploadInterruptedException($"the streamed PATCH answered HTTP {(int)patched.StatusCode}");
                }

                await EnsureSuccessAsync(patched, repository, cancellationToken).ConfigureAwait(false);
            }

            if (source.Position != descriptor.Size)
            {
                throw new ToolkitException(ErrorCodes.DigestMismatch, $"The content of blob {descriptor.Digest} is not {descriptor.Size} bytes long; it changed or its descriptor is wrong.");
            }

            if (patched.Headers.TryGetValues("Range", out var ranges) && ParseRangeEnd(ranges.FirstOrDefault()) is { } end && end + 1 != descriptor.Size)
            {
                throw new UploadInterruptedException($"the registry holds {end + 1} bytes after a streamed PATCH of {descriptor.Size}");
            }

            return patched.Headers.Location is not null ? UploadLocation(location, patched, repository) : location;
        }
    }

    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        Uri? next = RepositoryUri(repository, TagPageSize is { } n ? $"tags/list?n={n.ToString(CultureInfo.InvariantCulture)}" : "tags/list");
        for (var page = 0; next is not null && page < MaxTagPages; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, repository, cancellationToken).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, repository, "tags/list", cancellationToken).ConfigureAwait(false);
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
                }
            }
            catch (JsonException)
            {
                throw new ToolkitException(ErrorCodes.RegistryError, $"The registry {Registry} answered the tag list of {repository} with something that is not JSON.");
            }

            next = NextLink(request.RequestUri!, response);
        }

        return tags;
    }

    private static async Task<byte[]> ReadWholeAsync(Stream content, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var buffer = new byte[descriptor.Size];
        var filled = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
        if (filled != descriptor.Size || await content.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new ToolkitException(ErrorCodes.DigestMismatch, $"The content of blob {descriptor.Digest} is not {descriptor.Size} bytes long; it changed or its descriptor is wrong.");
        }

        return buffer;
    }

    /// <summary>Only 201 confirms a blob (distribution spec); any other success (e.g. a 200 from a broken proxy) leaves it unconfirmed.</summary>
    private void CheckBlobCreated(string repository, Descriptor descriptor, HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new ToolkitException(
                ErrorCodes.BlobUploadUnconfirmed,
                $"The registry {Registry} answered the upload of {descriptor.Digest} to {repository} with HTTP {(int)response.StatusCode}, not 201 Created, so the blob is not confirmed. Check proxies between here and the registry, then push again.");
        }
    }

    private void CheckBlobDigest(string repository, Descriptor descriptor, HttpResponseMessage response)
    {
        if (DigestHeader(response) is { } returned && returned != descriptor.Digest)
        {
            throw new ToolkitException(ErrorCodes.RegistryDigestMismatch, $"The registry {Registry} stored blob {descriptor.Digest} in {repository} as {returned}.");
        }
    }

    private async Task CancelUploadAsync(string repository, Uri location, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, location);
            using var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException exception)
        {
            // An abandoned session expires on its own; failing to cancel it is not worth failing the push.
            _logger.LogDebug("Cancelling an upload session on {Registry} failed: {Message}", Registry, exception.Message);
        }
    }

    private HttpRequestMessage ManifestRequest(HttpMethod method, string repository, string reference, IReadOnlyList<string> accept)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        ArgumentNullException.ThrowIfNull(accept);
        var request = new HttpRequestMessage(method, RepositoryUri(repository, $"manifests/{Uri.EscapeDataString(reference)}"));
        foreach (var mediaType in accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        }

        return request;
    }

    private Uri RepositoryUri(string repository, string rest)
    {
        ArgumentException.ThrowIfNullOrEmpty(repository);
        return new Uri(_baseUri, $"v2/{repository}/{rest}");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? repository, CancellationToken cancellationToken)
    {
        if (repository is not null)
        {
            request.Options.Set(RegistryRequest.Repository, repository);
        }

        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw RegistryErrors.FromTransport(Registry, exception);
        }
    }

    /// <summary>Follows redirects (storage backends) without the registry's credentials.</summary>
    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpRequestMessage request, string repository, CancellationToken cancellationToken)
    {
        var response = await SendAsync(request, repository, cancellationToken).ConfigureAwait(false);
        var current = request.RequestUri!;
        for (var hops = 0; IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hops++)
        {
            response.Dispose();
            if (hops >= MaxRedirects)
            {
                throw new ToolkitException(ErrorCodes.RegistryError, $"The registry {Registry} redirected {request.RequestUri!.AbsolutePath} more than {MaxRedirects} times.");
            }

            current = ResolveLocation(current, location);
            using var redirected = new HttpRequestMessage(request.Method, current);
            redirected.Options.Set(RegistryRequest.Anonymous, true);
            response = await SendAsync(redirected, repository, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private static bool IsRedirect(HttpStatusCode status)
        => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string? repository, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        throw await RegistryErrors.FromResponseAsync(Registry, repository, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A 404 whose body says NAME_UNKNOWN is a missing repository, not a missing manifest or blob.</summary>
    private static async Task<bool> IsRepositoryMissingAsync(HttpResponseMessage response)
    {
        await response.Content.LoadIntoBufferAsync(64 * 1024).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return RegistryErrors.ParseErrors(body).Any(e => e.Code == "NAME_UNKNOWN");
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, string repository, string reference, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var memory = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (memory.Length + read > MaxManifestBytes)
                {
                    throw TooLarge(repository, reference);
                }

                memory.Write(buffer, 0, read);
            }

            return memory.ToArray();
        }
    }

    private ToolkitException TooLarge(string repository, string reference)
        => new(ErrorCodes.ManifestTooLarge, $"The manifest {repository}:{reference} on {Registry} is larger than {MaxManifestBytes / (1024 * 1024)} MiB; it is refused.");

    private void CheckDigest(string repository, string reference, Digest computed, HttpResponseMessage response, Digest? referenceDigest)
    {
        if (referenceDigest is not null && referenceDigest != computed)
        {
            throw new ToolkitException(ErrorCodes.RegistryDigestMismatch, $"The registry {Registry} returned content for {repository}@{referenceDigest} whose digest is {computed}.");
        }

        if (DigestHeader(response) is { } header && header.Algorithm == computed.Algorithm && header != computed)
        {
            throw new ToolkitException(ErrorCodes.RegistryDigestMismatch, $"The registry {Registry} said the manifest {repository}:{reference} is {header}, but its content is {computed}.");
        }
    }

    private static string MediaTypeOf(HttpResponseMessage response, byte[] content)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!string.IsNullOrEmpty(mediaType) && mediaType != "application/json" && mediaType != "text/plain")
        {
            return mediaType;
        }

        try
        {
            using var document = JsonDocument.Parse(content);
            if (document.RootElement.TryGetProperty("mediaType", out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return mediaType ?? MediaTypes.OciManifest;
    }

    private IReadOnlyList<Descriptor> ParseReferrersPage(byte[] body, string repository, string what)
    {
        ImageIndex index;
        try
        {
            index = OciJson.ParseIndex(body);
        }
        catch (ToolkitException exception)
        {
            throw new ToolkitException(ErrorCodes.ReferrersResponseInvalid, $"The registry {Registry} answered the {what} in {repository} with something that is not an image index: {exception.Message}", exception);
        }

        if (index.MediaType is { } mediaType && mediaType != MediaTypes.OciIndex)
        {
            throw new ToolkitException(ErrorCodes.ReferrersResponseInvalid, $"The registry {Registry} answered the {what} in {repository} with a '{RegistryErrors.Trim(mediaType)}', not an OCI image index.");
        }

        return index.Manifests;
    }

    private static HashSet<string> FiltersApplied(HttpResponseMessage response)
        => response.Headers.TryGetValues("OCI-Filters-Applied", out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal)
            : [];

    private static Digest? DigestHeader(HttpResponseMessage response)
        => response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault()?.Trim(), out var digest)
            ? digest
            : null;

    private Uri UploadLocation(Uri requestUri, HttpResponseMessage response, string repository)
        => response.Headers.Location is { } location
            ? ResolveLocation(requestUri, location)
            : throw new ToolkitException(ErrorCodes.RegistryError, $"The registry {Registry} opened an upload to {repository} without a Location.");

    private static Uri ResolveLocation(Uri requestUri, Uri location) => location.IsAbsoluteUri ? location : new Uri(requestUri, location);

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var builder = new UriBuilder(location);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : string.Empty) + "digest=" + Uri.EscapeDataString(digest.ToString());
        return builder.Uri;
    }

    private static long? ParseRangeEnd(string? range)
    {
        if (range is null)
        {
            return null;
        }

        var dash = range.LastIndexOf('-');
        return dash >= 0 && long.TryParse(range[(dash + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var end) ? end : null;
    }

    private static Uri? NextLink(Uri current, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link.Contains("rel=\"next\"", StringComparison.Ordinal) | link.Contains("rel=next", StringComparison.Ordinal))
            {
                return new Uri(current, link[(open + 1)..close]);
            }
        }

        return null;
    }

    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>
    /// The source of a streamed upload as HttpClient reads it: counts what was read, reports progress per MiB, and
    /// keeps the source's own failure, which HttpClient would otherwise wrap as a failure to send. It does not own the
    /// source: disposing it (as HttpClient does with its content) leaves the source to the caller.
    /// </summary>
    private sealed class UploadSourceStream(Stream inner, IProgress<long>? progress) : ReadOnlyStream
    {
        private const long ProgressStep = 1024 * 1024;
        private long _read;
        private long _reported;

        public ToolkitException? Failure { get; private set; }

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Account(inner.Read(buffer));
            }
            catch (ToolkitException exception)
            {
                Failure ??= exception;
                throw;
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Account(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
            }
            catch (ToolkitException exception)
            {
                Failure ??= exception;
                throw;
            }
        }

        private int Account(int read)
        {
            _read += read;
            if (progress is not null && (_read - _reported >= ProgressStep || (read == 0 && _read != _reported)))
            {
                _reported = _read;
                progress.Report(_read);
            }

            return read;
        }
    }

    /// <summary>
    /// A blob stream that disposes its response with it, fails when no byte arrives for <see cref="ReadTimeout"/>, and turns
    /// a broken connection into a coded error.
    /// </summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response, RegistryClient client, Digest digest) : ReadOnlyStream
    {
        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (client.ReadTimeout != Timeout.InfiniteTimeSpan)
            {
                stall.CancelAfter(client.ReadTimeout);
            }

            try
            {
                return await inner.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ToolkitException(
                    ErrorCodes.RegistryUnreachable,
                    $"The download of {digest} from {client.Registry} received nothing for {client.ReadTimeout.TotalSeconds:0} s. Check the network and the registry, then try again.",
                    exception);
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException)
            {
                throw new ToolkitException(
                    ErrorCodes.RegistryUnreachable,
                    $"The connection to {client.Registry} broke while {digest} was downloading ({RegistryErrors.Trim(exception.Message)}). Try again.",
                    exception);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>An upload session broke in a way a new session can fix; <see cref="PushBlobAsync"/> restarts or gives up with TK1081.</summary>
    private sealed class UploadInterruptedException(string message, Exception? inner = null) : Exception(message, inner);
}
