using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

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

    // Reads of the source per write to the connection when a blob is streamed: large enough that the per-call cost vanishes.
    private const int StreamedCopyBufferSize = 256 * 1024;

    private const int MaxRedirects = 5;
    private const int MaxTagPages = 10_000;

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

    public async Task PutManifestAsync(string repository, string reference, Descriptor descriptor, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
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

        _logger.LogDebug("Put manifest {Digest} as {Repository}:{Reference} on {Registry}.", descriptor.Digest, repository, reference, Registry);
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
            return new ResponseStream(stream, response);
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

        // Opening the session is a request without a body, so the auth handshake happens here and the
        // streamed PATCH/PUT below carry a token the first time.
        using var start = new HttpRequestMessage(HttpMethod.Post, RepositoryUri(repository, "blobs/uploads/"));
        using var started = await SendAsync(start, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(started, repository, cancellationToken).ConfigureAwait(false);
        if (started.StatusCode == HttpStatusCode.Created)
        {
            return;
        }

        var location = UploadLocation(start.RequestUri!, started, repository);
        var minimumChunk = started.Headers.TryGetValues("OCI-Chunk-Min-Length", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var min) && min > 0
            ? min
            : 0;

        if (descriptor.Size <= options.MonolithicThreshold)
        {
            await PutMonolithicAsync(repository, descriptor, content, location, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (options.ChunkSize is not { } requestedChunk)
        {
            location = await PatchStreamedAsync(repository, descriptor, content, location, progress, cancellationToken).ConfigureAwait(false);
            await FinishStreamedAsync(repository, descriptor, location, cancellationToken).ConfigureAwait(false);
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

            using var patch = new HttpRequestMessage(HttpMethod.Patch, location)
            {
                Content = new ByteArrayContent(buffer, 0, filled),
            };
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + filled - 1}");
            using var patched = await SendAsync(patch, repository, cancellationToken).ConfigureAwait(false);
            if (patched.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.NoContent))
            {
                await EnsureSuccessAsync(patched, repository, cancellationToken).ConfigureAwait(false);
            }

            offset += filled;
            if (patched.Headers.Location is not null)
            {
                location = UploadLocation(location, patched, repository);
            }

            if (patched.Headers.TryGetValues("Range", out var ranges) && ParseRangeEnd(ranges.FirstOrDefault()) is { } end && end + 1 != offset)
            {
                throw new ToolkitException(ErrorCodes.RegistryBlobUnknown, $"The registry {Registry} holds {end + 1} bytes of the upload of {descriptor.Digest} to {repository}, but {offset} were sent. Push again.");
            }

            progress?.Report(offset);
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest));
        using var done = await SendAsync(put, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(done, repository, cancellationToken).ConfigureAwait(false);
        CheckBlobCreated(repository, descriptor, done);
        CheckBlobDigest(repository, descriptor, done);
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
        HttpResponseMessage patched;
        try
        {
            patched = await SendAsync(patch, repository, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException) when (source.Failure is not null)
        {
            throw source.Failure;
        }

        using (patched)
        {
            if (source.Failure is not null)
            {
                throw source.Failure;
            }

            if (patched.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.NoContent))
            {
                await EnsureSuccessAsync(patched, repository, cancellationToken).ConfigureAwait(false);
            }

            if (source.Position != descriptor.Size)
            {
                throw new ToolkitException(ErrorCodes.DigestMismatch, $"The content of blob {descriptor.Digest} is not {descriptor.Size} bytes long; it changed or its descriptor is wrong.");
            }

            if (patched.Headers.TryGetValues("Range", out var ranges) && ParseRangeEnd(ranges.FirstOrDefault()) is { } end && end + 1 != descriptor.Size)
            {
                throw new ToolkitException(ErrorCodes.RegistryBlobUnknown, $"The registry {Registry} holds {end + 1} bytes of the upload of {descriptor.Digest} to {repository}, but {descriptor.Size} were sent. Push again.");
            }

            return patched.Headers.Location is not null ? UploadLocation(location, patched, repository) : location;
        }
    }

    private async Task FinishStreamedAsync(string repository, Descriptor descriptor, Uri location, CancellationToken cancellationToken)
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest));
        using var done = await SendAsync(put, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(done, repository, cancellationToken).ConfigureAwait(false);
        CheckBlobCreated(repository, descriptor, done);
        CheckBlobDigest(repository, descriptor, done);
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

    private async Task PutMonolithicAsync(string repository, Descriptor descriptor, Stream content, Uri location, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // Small blobs are buffered so a reset connection can be retried.
        var buffer = new byte[descriptor.Size];
        var filled = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
        if (filled != descriptor.Size || await content.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new ToolkitException(ErrorCodes.DigestMismatch, $"The content of blob {descriptor.Digest} is not {descriptor.Size} bytes long; it changed or its descriptor is wrong.");
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, descriptor.Digest))
        {
            Content = new ByteArrayContent(buffer),
        };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await SendAsync(put, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(done, repository, cancellationToken).ConfigureAwait(false);
        CheckBlobCreated(repository, descriptor, done);
        CheckBlobDigest(repository, descriptor, done);
        progress?.Report(descriptor.Size);
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
    private sealed class UploadSourceStream(Stream inner, IProgress<long>? progress) : Stream
    {
        private const long ProgressStep = 1024 * 1024;
        private long _read;
        private long _reported;

        public ToolkitException? Failure { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

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

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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

    /// <summary>A blob stream that disposes its response with it.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
}
