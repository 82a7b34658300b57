using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Referrers;

/// <summary>
/// The referrers stage: attaches artifacts (SBOMs, signatures, attestations) to the image at a location and lists what is
/// attached, in a registry (Referrers API, else the referrers tag schema) or an <c>oci:</c> layout. The subject is the manifest
/// or index the location's tag or digest names.
/// </summary>
public sealed class ImageReferrers
{
    private readonly IRegistryClientFactory? _registryClients;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ReferrerOptions _options;
    private readonly ILogger _logger;

    public ImageReferrers(IRegistryClientFactory? registryClients = null, ILoggerFactory? loggerFactory = null, ReferrerOptions? options = null)
    {
        _registryClients = registryClients;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _options = options ?? new ReferrerOptions();
        _logger = _loggerFactory.CreateLogger<ImageReferrers>();
    }

    /// <summary>Attaches <paramref name="artifact"/> to the image at <paramref name="image"/>.</summary>
    public async Task<AttachedReferrer> AttachAsync(ImageLocation image, Artifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(artifact);
        artifact.Validate();
        var (store, subject) = await OpenAsync(image, cancellationToken).ConfigureAwait(false);
        var manifest = ArtifactManifest.Create(subject, artifact);
        var attached = await store.AttachAsync(manifest, cancellationToken).ConfigureAwait(false);
        return attached with { Location = image.ToString() };
    }

    /// <summary>The referrers of the image at <paramref name="image"/>, only those of <paramref name="artifactType"/> when given.</summary>
    public async Task<ReferrerListing> ListAsync(ImageLocation image, string? artifactType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (artifactType is not null)
        {
            MediaTypeRules.Check(artifactType, "artifact type");
        }

        var (store, subject) = await OpenAsync(image, cancellationToken).ConfigureAwait(false);
        var listing = await store.ListAsync(subject, artifactType, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("{Count} referrer(s) of {Subject} at {Location}, from {Source}.", listing.Referrers.Count, subject.Digest, image, listing.Source);
        return listing with { Location = image.ToString() };
    }

    /// <summary>The store of the location and the subject its reference names (TK2015 for locations that hold no referrers).</summary>
    public async Task<(IReferrerStore Store, Descriptor Subject)> OpenAsync(ImageLocation image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        IReferrerStore store = image switch
        {
            RegistryLocation registry => new RegistryReferrerStore(
                _registryClients?.Create(registry.Reference.Registry) ?? throw Unsupported(image),
                registry.Reference.Repository,
                _options,
                _loggerFactory.CreateLogger<RegistryReferrerStore>()),
            OciLayoutLocation layout => new OciLayoutReferrerStore(layout.Path, _loggerFactory),
            _ => throw Unsupported(image),
        };

        var source = await new ImageLocations(_loggerFactory, _registryClients).OpenSourceAsync(image, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var subject = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
            return (store, subject);
        }
    }

    private static ToolkitException Unsupported(ImageLocation image)
        => new(
            ErrorCodes.UnsupportedLocation,
            $"'{image}' cannot hold referrers: attach to and list the referrers of an image in a registry (registry/repo:tag or @sha256:...) or in an oci:<dir> layout.");
}
