using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Testing.Aws;

/// <summary>Images: what the data plane pushed (<see cref="IEcrRegistryBackend"/>) and PutImage, DescribeImages, BatchGetImage, layers, referrers.</summary>
public sealed partial class EcrEmulator
{
    private const int ReferrersPageSize = 50;

    private static readonly Regex s_layerDigest = new("^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static readonly HashSet<string> s_indexMediaTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    };

    bool IEcrRegistryBackend.RepositoryExists(string repositoryName)
    {
        lock (_lock)
        {
            return _repositories.ContainsKey(repositoryName);
        }
    }

    bool IEcrRegistryBackend.IsTagImmutable(string repositoryName, string tag)
    {
        lock (_lock)
        {
            return _repositories.TryGetValue(repositoryName, out var repository) && IsTagImmutable(repository, tag);
        }
    }

    void IEcrRegistryBackend.ImagePushed(EcrPushedManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        lock (_lock)
        {
            if (!_repositories.TryGetValue(manifest.RepositoryName, out var repository))
            {
                Violation("ImagePushed", "data plane", string.Empty, $"a manifest landed in '{manifest.RepositoryName}', which does not exist (ECR never creates a repository on push)");
                return;
            }

            var image = RecordImage(
                repository,
                manifest.Digest,
                manifest.MediaType,
                manifest.Size,
                manifest.LayersSize > 0 ? manifest.LayersSize : manifest.Size,
                manifest.ArtifactType,
                manifest.SubjectDigest,
                manifest.LayerDigests,
                manifestText: null);
            if (manifest.Tag is { } tag)
            {
                MoveTag(repository, tag, image);
            }

            foreach (var layer in manifest.LayerDigests)
            {
                repository.KnownBlobs.TryAdd(layer, new BlobInfo(null, null));
            }
        }
    }

    private static bool IsTagImmutable(RepositoryState repository, string tag) => repository.TagMutability switch
    {
        "IMMUTABLE" => true,
        "IMMUTABLE_WITH_EXCLUSION" => !repository.ExclusionFilters.Any(f => WildcardMatches(f, tag)),
        "MUTABLE_WITH_EXCLUSION" => repository.ExclusionFilters.Any(f => WildcardMatches(f, tag)),
        _ => false,
    };

    /// <summary>Records an image (or finds it when the digest is already there) and starts its scan on push when the repository or registry asks for one.</summary>
    private ImageState RecordImage(
        RepositoryState repository,
        string digest,
        string mediaType,
        long manifestSize,
        long sizeInBytes,
        string? artifactMediaType,
        string? subjectDigest,
        IReadOnlyList<string> layerDigests,
        string? manifestText)
    {
        if (repository.Images.TryGetValue(digest, out var existing))
        {
            existing.Manifest ??= manifestText;
            return existing;
        }

        var image = new ImageState
        {
            Digest = digest,
            MediaType = mediaType,
            ManifestSize = manifestSize,
            SizeInBytes = sizeInBytes,
            PushedAt = TruncateToMilliseconds(TimeProvider.GetUtcNow()),
            PushOrder = ++_pushCounter,
            ArtifactMediaType = artifactMediaType,
            SubjectDigest = subjectDigest,
            LayerDigests = layerDigests,
            Manifest = manifestText,
        };
        repository.Images[digest] = image;
        StartScanOnPush(repository, image);
        return image;
    }

    private static void MoveTag(RepositoryState repository, string tag, ImageState image)
    {
        foreach (var other in repository.Images.Values.Where(i => i != image))
        {
            other.Tags.Remove(tag);
        }

        if (!image.Tags.Contains(tag))
        {
            image.Tags.Add(tag);
        }
    }

    private JsonObject DescribeImages(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var now = TimeProvider.GetUtcNow();
            if (context.Element("imageIds") is { } ids)
            {
                if (context.Input.TryGetProperty("maxResults", out _) || context.Input.TryGetProperty("nextToken", out _))
                {
                    throw new EcrServiceException(
                        "InvalidParameterException",
                        "Invalid parameter at 'maxResults' failed to satisfy constraint: 'maxResults and nextToken cannot be used with imageIds'");
                }

                var found = new List<ImageState>();
                foreach (var id in ids.EnumerateArray())
                {
                    var image = FindImage(repository, id) ?? throw ImageNotFound(repository, id);
                    if (!found.Contains(image))
                    {
                        found.Add(image);
                    }
                }

                return new JsonObject { ["imageDetails"] = new JsonArray([.. found.Select(i => (JsonNode)ImageDetailJson(repository, i, now))]) };
            }

            var tagStatus = context.Element("filter") is { } filter && filter.TryGetProperty("tagStatus", out var status) ? status.GetString() : "ANY";
            var images = repository.Images.Values
                .Where(i => tagStatus switch { "TAGGED" => i.Tags.Count > 0, "UNTAGGED" => i.Tags.Count == 0, _ => true })
                .OrderBy(i => i.PushOrder)
                .ToList();
            var (page, next) = Paginate(images, context, repository.Name + "|" + tagStatus);
            var result = new JsonObject { ["imageDetails"] = new JsonArray([.. page.Select(i => (JsonNode)ImageDetailJson(repository, i, now))]) };
            if (next is not null)
            {
                result["nextToken"] = next;
            }

            return result;
        }
    }

    private EcrServiceException ImageNotFound(RepositoryState repository, JsonElement imageId)
        => new(
            "ImageNotFoundException",
            $"The image with imageId {DescribeImageId(imageId)} does not exist within the repository with name '{repository.Name}' in the registry with id '{AccountId}'");

    private JsonObject ImageDetailJson(RepositoryState repository, ImageState image, DateTimeOffset now)
    {
        var json = new JsonObject
        {
            ["registryId"] = AccountId,
            ["repositoryName"] = repository.Name,
            ["imageDigest"] = image.Digest,
        };
        if (image.Tags.Count > 0)
        {
            json["imageTags"] = new JsonArray([.. image.Tags.Select(t => (JsonNode)t)]);
        }

        json["imageSizeInBytes"] = image.SizeInBytes;
        json["imagePushedAt"] = Epoch(image.PushedAt);
        if (ScanView(repository, image, now) is { } scan)
        {
            json["imageScanStatus"] = scan.StatusJson();
            if (scan.Findings is { } findings)
            {
                json["imageScanFindingsSummary"] = new JsonObject
                {
                    ["imageScanCompletedAt"] = Epoch(scan.CompletedAt),
                    ["vulnerabilitySourceUpdatedAt"] = Epoch(scan.SourceUpdatedAt),
                    ["findingSeverityCounts"] = SeverityCounts(findings, scan.Enhanced),
                };
            }
        }

        json["imageManifestMediaType"] = image.MediaType;
        if (image.ArtifactMediaType is not null)
        {
            json["artifactMediaType"] = image.ArtifactMediaType;
        }

        if (image.SubjectDigest is not null)
        {
            json["subjectManifestDigest"] = image.SubjectDigest;
        }

        json["imageStatus"] = "ACTIVE";
        return json;
    }

    private async Task<JsonObject> BatchGetImageAsync(OperationContext context)
    {
        RepositoryState repository;
        var resolved = new List<(JsonElement Id, ImageState? Image, string? FailureCode, string? FailureReason)>();
        lock (_lock)
        {
            repository = Repository(context);
            foreach (var id in context.Element("imageIds")!.Value.EnumerateArray())
            {
                var digest = id.TryGetProperty("imageDigest", out var d) ? d.GetString() : null;
                var tag = id.TryGetProperty("imageTag", out var t) ? t.GetString() : null;
                if (digest is null && tag is null)
                {
                    resolved.Add((id, null, "MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null"));
                }
                else if (digest is not null && tag is not null && repository.Images.ContainsKey(digest) && repository.ImageByTag(tag) is { } tagged && tagged.Digest != digest)
                {
                    resolved.Add((id, null, "ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag and digest do not match"));
                }
                else if (FindImage(repository, id) is { } image)
                {
                    resolved.Add((id, image, null, null));
                }
                else
                {
                    resolved.Add((id, null, "ImageNotFound", "Requested image not found"));
                }
            }
        }

        var images = new JsonArray();
        var failures = new JsonArray();
        foreach (var (id, image, failureCode, failureReason) in resolved)
        {
            if (image is null)
            {
                failures.Add(new JsonObject { ["imageId"] = JsonNode.Parse(id.GetRawText()), ["failureCode"] = failureCode, ["failureReason"] = failureReason });
                continue;
            }

            var manifest = await ManifestTextAsync(repository.Name, image, required: true);
            images.Add(new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["imageId"] = ImageIdJson(image.Digest, id.TryGetProperty("imageTag", out var tag) ? tag.GetString() : null),
                ["imageManifest"] = manifest,
                ["imageManifestMediaType"] = image.MediaType,
            });
        }

        return new JsonObject { ["images"] = images, ["failures"] = failures };
    }

    private async Task<JsonObject> PutImageAsync(OperationContext context)
    {
        var text = context.String("imageManifest")!;
        var tag = context.String("imageTag");
        JsonElement manifest;
        try
        {
            using var document = JsonDocument.Parse(text);
            manifest = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new EcrServiceException("InvalidParameterException", "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
        }

        if (manifest.ValueKind != JsonValueKind.Object)
        {
            throw new EcrServiceException("InvalidParameterException", "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'the manifest must be a JSON object'");
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (context.String("imageDigest") is { } declared && declared != digest)
        {
            throw new EcrServiceException(
                "ImageDigestDoesNotMatchException",
                $"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'the digest of the manifest is {digest}, not {declared}'");
        }

        var declaredMediaType = context.String("imageManifestMediaType");
        var manifestMediaType = manifest.TryGetProperty("mediaType", out var mt) ? mt.GetString() : null;
        if (declaredMediaType is not null && manifestMediaType is not null && declaredMediaType != manifestMediaType)
        {
            throw new EcrServiceException(
                "InvalidParameterException",
                $"Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'the manifest says {manifestMediaType}, the request {declaredMediaType}'");
        }

        var mediaType = manifestMediaType ?? declaredMediaType
            ?? throw new EcrServiceException("InvalidParameterException", "Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'the media type of the manifest is unknown'");
        var configBlob = manifest.TryGetProperty("config", out var config) ? Descriptor(config) : null;
        var layerBlobs = manifest.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array
            ? layers.EnumerateArray().Select(Descriptor).OfType<(string Digest, long? Size, string? MediaType)>().ToList()
            : [];
        var blobs = (configBlob is { } c ? [c] : new List<(string Digest, long? Size, string? MediaType)>()).Concat(layerBlobs).ToList();
        var children = s_indexMediaTypes.Contains(mediaType) && manifest.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array
            ? manifests.EnumerateArray().Select(Descriptor).OfType<(string Digest, long? Size, string? MediaType)>().Select(m => m.Digest).ToList()
            : [];
        var subject = manifest.TryGetProperty("subject", out var subjectDescriptor) && Descriptor(subjectDescriptor) is { } s ? s.Digest : null;
        var artifactMediaType = manifest.TryGetProperty("artifactType", out var artifactType) ? artifactType.GetString() : configBlob?.MediaType;
        var layerDigests = layerBlobs.Select(l => l.Digest).ToList();

        string repositoryName;
        lock (_lock)
        {
            var repository = Repository(context);
            repositoryName = repository.Name;
            CheckPut(repository, digest, tag);
            var missingChildren = children.Where(c => !repository.Images.ContainsKey(c)).ToList();
            if (missingChildren.Count > 0)
            {
                throw new EcrServiceException(
                    "ReferencedImagesNotFoundException",
                    $"Images with digests '[{string.Join(", ", missingChildren)}]' referenced by the image index do not exist in the repository with name '{repository.Name}' in the registry with id '{AccountId}'");
            }
        }

        if (_backingRegistry is not null)
        {
            await PutIntoBackingRegistryAsync(repositoryName, text, mediaType, tag ?? digest, blobs.Select(b => b.Digest).ToList());
        }

        lock (_lock)
        {
            var repository = Repository(context);
            CheckPut(repository, digest, tag);
            var size = layerBlobs.Count > 0 ? layerBlobs.Sum(l => l.Size ?? 0) : bytes.Length;
            var image = RecordImage(repository, digest, mediaType, bytes.Length, size, artifactMediaType, subject, layerDigests, text);
            if (tag is not null)
            {
                MoveTag(repository, tag, image);
            }

            foreach (var blob in blobs)
            {
                repository.KnownBlobs[blob.Digest] = new BlobInfo(blob.Size, blob.MediaType);
            }

            return new JsonObject
            {
                ["image"] = new JsonObject
                {
                    ["registryId"] = AccountId,
                    ["repositoryName"] = repository.Name,
                    ["imageId"] = ImageIdJson(digest, tag),
                    ["imageManifest"] = text,
                    ["imageManifestMediaType"] = mediaType,
                },
            };
        }

        static (string Digest, long? Size, string? MediaType)? Descriptor(JsonElement descriptor)
            => descriptor.ValueKind == JsonValueKind.Object && descriptor.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String
                ? (d.GetString()!, descriptor.TryGetProperty("size", out var size) && size.TryGetInt64(out var n) ? n : null, descriptor.TryGetProperty("mediaType", out var m) ? m.GetString() : null)
                : null;
    }

    private void CheckPut(RepositoryState repository, string digest, string? tag)
    {
        if (repository.Images.TryGetValue(digest, out var existing) && (tag is null || existing.Tags.Contains(tag)))
        {
            throw new EcrServiceException(
                "ImageAlreadyExistsException",
                tag is null
                    ? $"Image with digest '{digest}' already exists in the repository with name '{repository.Name}' in registry with id '{AccountId}'"
                    : $"Image with digest '{digest}' and tag '{tag}' already exists in the repository with name '{repository.Name}' in registry with id '{AccountId}'");
        }

        if (tag is not null && repository.ImageByTag(tag) is { } tagged && tagged.Digest != digest && IsTagImmutable(repository, tag))
        {
            throw new EcrServiceException(
                "ImageTagAlreadyExistsException",
                $"The image tag '{tag}' already exists in the '{repository.Name}' repository and cannot be overwritten because the tag is immutable.");
        }
    }

    private async Task PutIntoBackingRegistryAsync(string repositoryName, string manifest, string mediaType, string reference, IReadOnlyList<string> blobs)
    {
        var missing = new List<string>();
        foreach (var blob in blobs)
        {
            using var head = new HttpRequestMessage(HttpMethod.Head, $"v2/{repositoryName}/blobs/{blob}");
            using var answer = await _backingRegistry!.SendAsync(head);
            if (answer.StatusCode == HttpStatusCode.NotFound)
            {
                missing.Add(blob);
            }
        }

        if (missing.Count > 0)
        {
            throw LayersNotFound(repositoryName, missing);
        }

        using var put = new HttpRequestMessage(HttpMethod.Put, $"v2/{repositoryName}/manifests/{reference}") { Content = new StringContent(manifest, Encoding.UTF8) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await _backingRegistry!.SendAsync(put);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (body.Contains("BLOB_UNKNOWN", StringComparison.Ordinal))
            {
                throw LayersNotFound(repositoryName, blobs);
            }

            Violation("PutImage", "backing registry", string.Empty, $"the backing registry refused the manifest: {(int)response.StatusCode} {body}");
            throw new EcrServiceException("ServerException", "The backing registry refused the manifest.");
        }
    }

    private EcrServiceException LayersNotFound(string repositoryName, IEnumerable<string> digests)
        => new(
            "LayersNotFoundException",
            $"Layers with digests '[{string.Join(", ", digests)}]' required for pushing image into repository with name '{repositoryName}' in the registry with id '{AccountId}' do not exist");

    /// <summary>The manifest text of an image: the one PutImage stored, or the backing registry's (read once, digest-checked).</summary>
    private async Task<string?> ManifestTextAsync(string repositoryName, ImageState image, bool required)
    {
        lock (_lock)
        {
            if (image.Manifest is { } known)
            {
                return known;
            }
        }

        if (_backingRegistry is null)
        {
            if (required)
            {
                Violation("BatchGetImage", "emulator", string.Empty, $"the manifest of {image.Digest} came through the data plane and no BackingRegistry is configured to read it from");
                throw new EcrServiceException("ServerException", "The emulator has no manifest text for this image.");
            }

            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repositoryName}/manifests/{image.Digest}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(image.MediaType));
        using var response = await _backingRegistry.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode || "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)) != image.Digest)
        {
            if (required)
            {
                Violation("BatchGetImage", "backing registry", string.Empty, $"could not read {image.Digest} back from the backing registry ({(int)response.StatusCode})");
                throw new EcrServiceException("ServerException", "The manifest could not be read.");
            }

            return null;
        }

        var text = Encoding.UTF8.GetString(bytes);
        lock (_lock)
        {
            image.Manifest ??= text;
        }

        return text;
    }

    private async Task<JsonObject> BatchCheckLayerAvailabilityAsync(OperationContext context)
    {
        string repositoryName;
        var known = new Dictionary<string, BlobInfo?>(StringComparer.Ordinal);
        var digests = context.Element("layerDigests")!.Value.EnumerateArray().Select(d => d.GetString()!).ToList();
        lock (_lock)
        {
            var repository = Repository(context);
            repositoryName = repository.Name;
            foreach (var digest in digests)
            {
                known[digest] = repository.KnownBlobs.GetValueOrDefault(digest);
            }
        }

        var layers = new JsonArray();
        var failures = new JsonArray();
        foreach (var digest in digests)
        {
            if (!s_layerDigest.IsMatch(digest))
            {
                failures.Add(new JsonObject { ["layerDigest"] = digest, ["failureCode"] = "InvalidLayerDigest", ["failureReason"] = "Invalid layer digest" });
                continue;
            }

            var info = known[digest];
            if (_backingRegistry is not null)
            {
                using var head = new HttpRequestMessage(HttpMethod.Head, $"v2/{repositoryName}/blobs/{digest}");
                using var answer = await _backingRegistry.SendAsync(head);
                info = answer.IsSuccessStatusCode ? new BlobInfo(answer.Content.Headers.ContentLength ?? info?.Size, info?.MediaType) : null;
            }

            if (info is null)
            {
                failures.Add(new JsonObject { ["layerDigest"] = digest, ["failureCode"] = "MissingLayerDigest", ["failureReason"] = "Could not find layer" });
                continue;
            }

            var layer = new JsonObject { ["layerDigest"] = digest, ["layerAvailability"] = "AVAILABLE" };
            if (info.Size is { } size)
            {
                layer["layerSize"] = size;
            }

            if (info.MediaType is { } layerMediaType)
            {
                layer["mediaType"] = layerMediaType;
            }

            layers.Add(layer);
        }

        return new JsonObject { ["layers"] = layers, ["failures"] = failures };
    }

    private async Task<JsonObject> ListImageReferrersAsync(OperationContext context)
    {
        var subject = context.Element("subjectId")!.Value.GetProperty("imageDigest").GetString()!;
        var artifactTypes = context.Element("filter") is { } filter && filter.TryGetProperty("artifactTypes", out var types)
            ? types.EnumerateArray().Select(t => t.GetString()!).ToHashSet(StringComparer.Ordinal)
            : null;
        string repositoryName;
        List<ImageState> referrers;
        lock (_lock)
        {
            var repository = Repository(context);
            repositoryName = repository.Name;
            referrers = [.. repository.Images.Values
                .Where(i => i.SubjectDigest == subject && (artifactTypes is null || artifactTypes.Count == 0 || (i.ArtifactMediaType is { } t && artifactTypes.Contains(t))))
                .OrderBy(i => i.PushOrder)];
        }

        var (page, next) = Paginate(referrers, context, $"{repositoryName}|{subject}|{string.Join(',', artifactTypes ?? [])}", ReferrersPageSize);
        var list = new JsonArray();
        foreach (var image in page)
        {
            var referrer = new JsonObject { ["digest"] = image.Digest, ["mediaType"] = image.MediaType };
            if (image.ArtifactMediaType is not null)
            {
                referrer["artifactType"] = image.ArtifactMediaType;
            }

            referrer["size"] = image.ManifestSize;
            if (await ManifestTextAsync(repositoryName, image, required: false) is { } text)
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object)
                {
                    referrer["annotations"] = JsonNode.Parse(annotations.GetRawText());
                }
            }

            referrer["artifactStatus"] = "ACTIVE";
            list.Add(referrer);
        }

        var result = new JsonObject { ["referrers"] = list };
        if (next is not null)
        {
            result["nextToken"] = next;
        }

        return result;
    }
}
