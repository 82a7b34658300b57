using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Referrers;

/// <summary>
/// Referrers in an OCI image layout directory (<c>oci:</c>). Attaching stores the blobs and the manifest and adds the manifest
/// to <c>index.json</c> untagged (no <c>org.opencontainers.image.ref.name</c>), with its <c>artifactType</c> and annotations;
/// listing reads the manifests <c>index.json</c> names and keeps those whose <c>subject</c> is the image. Tagged images stay
/// where they were, and a layout with one image and its referrers still resolves to that image without a tag.
/// </summary>
public sealed class OciLayoutReferrerStore : IReferrerStore
{
    private readonly ILoggerFactory _loggerFactory;

    public OciLayoutReferrerStore(string directory, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public string Directory { get; }

    public string DisplayName => new OciLayoutLocation(Directory).ToString();

    public async Task<AttachedReferrer> AttachAsync(ArtifactManifest artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var destination = new OciLayoutDestination(Directory, defaultTag: null, _loggerFactory.CreateLogger<OciLayoutDestination>());
        await using (destination.ConfigureAwait(false))
        {
            foreach (var blob in artifact.Blobs)
            {
                if (await destination.HasBlobAsync(blob.Descriptor, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var stream = await blob.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await destination.PutBlobAsync(blob.Descriptor, stream, cancellationToken).ConfigureAwait(false);
                }
            }

            await destination.PutContentAsync(artifact.Descriptor, artifact.Content, cancellationToken).ConfigureAwait(false);
            await destination.CommitAsync(artifact.Descriptor, [], cancellationToken).ConfigureAwait(false);
        }

        return new AttachedReferrer
        {
            Location = DisplayName,
            Subject = artifact.Subject,
            Referrer = new Referrer(artifact.Descriptor),
            RecordedIn = ReferrerIndexKind.OciLayout,
        };
    }

    public async Task<ReferrerListing> ListAsync(Descriptor subject, string? artifactType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (artifactType is not null)
        {
            MediaTypeRules.Check(artifactType, "artifact type");
        }

        var reader = await OciLayoutReader.OpenAsync(new DirectoryLayoutFiles(Directory), cancellationToken).ConfigureAwait(false);
        var referrers = new List<Referrer>();
        foreach (var entry in reader.Index.Manifests.DistinctBy(d => d.Digest))
        {
            if (await reader.ReadReferrerAsync(entry, cancellationToken).ConfigureAwait(false) is { } found
                && found.Subject.Digest == subject.Digest
                && (artifactType is null || found.Referrer.ArtifactType == artifactType))
            {
                referrers.Add(new Referrer(found.Referrer));
            }
        }

        return new ReferrerListing
        {
            Location = DisplayName,
            Subject = subject,
            ArtifactType = artifactType,
            Referrers = referrers,
            Source = ReferrerIndexKind.OciLayout,
        };
    }
}
