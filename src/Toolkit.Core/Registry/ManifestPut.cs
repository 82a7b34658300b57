using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Registry;

/// <summary>
/// A manifest PUT after its blobs were uploaded, for every writer (image pushes and referrers). A registry can refuse a
/// manifest as naming an unknown blob while it still commits the same blobs for a concurrent pusher (CNCF distribution
/// answers <c>MANIFEST_BLOB_UNKNOWN</c>); the PUT is idempotent, so it is sent again once a HEAD shows every blob is there.
/// </summary>
internal static class ManifestPut
{
    /// <summary>How often, after how long (doubling) and on which clock a refused PUT is sent again.</summary>
    public sealed record Retry(int Times, TimeSpan FirstDelay, TimeProvider TimeProvider)
    {
        public static Retry Default { get; } = new(4, TimeSpan.FromMilliseconds(100), TimeProvider.System);
    }

    /// <summary>
    /// Puts a manifest; when the registry refuses it as naming an unknown blob, asks the registry for each blob and child
    /// manifest again: one really missing is TK1017 naming it; with all there the PUT is sent again after a short, doubling
    /// wait, and after <see cref="Retry.Times"/> retries the registry's refusal stands.
    /// </summary>
    public static async Task<ManifestPutResult> PutConfirmingChildrenAsync(
        IRegistryClient client,
        string repository,
        string displayName,
        string reference,
        Descriptor descriptor,
        byte[] content,
        Retry retry,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var delay = retry.FirstDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await client.PutManifestAsync(repository, reference, descriptor, content, cancellationToken).ConfigureAwait(false);
            }
            catch (ToolkitException exception) when (RegistryErrors.HasRegistryCode(exception, "MANIFEST_BLOB_UNKNOWN") || RegistryErrors.HasRegistryCode(exception, "BLOB_UNKNOWN"))
            {
                if (await FirstMissingChildAsync(client, repository, descriptor, content, cancellationToken).ConfigureAwait(false) is { } missing)
                {
                    throw new ToolkitException(
                        ErrorCodes.ManifestBlobMissing,
                        $"{displayName} refused the manifest {descriptor.Digest} because it does not have {missing.Digest} ({missing.MediaType}), and a HEAD confirms it is gone "
                        + "although this push had uploaded or found it. Push again; if it recurs, check the registry's garbage collection or retention rules.",
                        exception);
                }

                if (attempt >= retry.Times)
                {
                    throw;
                }

                logger.LogDebug(
                    "{Repository} refused manifest {Digest} as naming an unknown blob, but every blob it names is there; sending it again in {Delay} ms.",
                    repository, descriptor.Digest, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, retry.TimeProvider, cancellationToken).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    public static bool IsManifestOrIndex(string mediaType) => MediaTypes.IsManifest(mediaType) || MediaTypes.IsIndex(mediaType);

    /// <summary>What a manifest or index names and needs at the registry first (not its subject: a referrer may precede it).</summary>
    public static IReadOnlyList<Descriptor> Children(Descriptor descriptor, ReadOnlySpan<byte> content)
    {
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            return OciJson.ParseIndex(content).Manifests;
        }

        var manifest = OciJson.ParseManifest(content);
        return [manifest.Config, .. manifest.Layers];
    }

    /// <summary>The first blob or child manifest of <paramref name="descriptor"/> the registry says it does not have (asked afresh), or null.</summary>
    private static async Task<Descriptor?> FirstMissingChildAsync(IRegistryClient client, string repository, Descriptor descriptor, byte[] content, CancellationToken cancellationToken)
    {
        foreach (var child in Children(descriptor, content))
        {
            if (child.Urls is { Count: > 0 })
            {
                continue;
            }

            var present = IsManifestOrIndex(child.MediaType)
                ? await client.HeadManifestAsync(repository, child.Digest.ToString(), RegistryMediaTypes.ManifestAccept, cancellationToken).ConfigureAwait(false) is not null
                : await client.HeadBlobAsync(repository, child.Digest, cancellationToken).ConfigureAwait(false) is not null;
            if (!present)
            {
                return child;
            }
        }

        return null;
    }
}
