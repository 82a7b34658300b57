using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// An image in an OCI image layout: a directory (<c>oci:</c>) or a tar of one (<c>oci-archive:</c>), which is read in
/// place without extracting it. Manifests, indexes and configs come back as the exact stored bytes.
/// </summary>
public sealed class OciLayoutSource : IImageSource
{
    private readonly OciLayoutReader _reader;
    private readonly string? _reference;

    private OciLayoutSource(OciLayoutReader reader, string? reference, string displayName)
    {
        _reader = reader;
        _reference = reference;
        DisplayName = displayName;
    }

    public string DisplayName { get; }

    /// <summary>The layout's own index (its <c>index.json</c>), for listing what it holds.</summary>
    public ImageIndex Index => _reader.Index;

    /// <summary>Opens a layout directory; <paramref name="reference"/> is a ref name, a digest, or null for the only image.</summary>
    public static async Task<OciLayoutSource> OpenAsync(string directory, string? reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new ToolkitException(ErrorCodes.ImageNotFound, $"The OCI layout directory {directory} does not exist.");
        }

        var reader = await OciLayoutReader.OpenAsync(new DirectoryLayoutFiles(directory), cancellationToken).ConfigureAwait(false);
        return new OciLayoutSource(reader, reference, new OciLayoutLocation(directory, reference).ToString());
    }

    /// <summary>Opens a tar of a layout; it is indexed once and its blobs are read in place.</summary>
    public static async Task<OciLayoutSource> OpenArchiveAsync(string archive, string? reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(archive);
        var files = await TarArchiveIndex.LoadAsync(archive, cancellationToken).ConfigureAwait(false);
        var reader = await OciLayoutReader.OpenAsync(files, cancellationToken).ConfigureAwait(false);
        return new OciLayoutSource(reader, reference, new OciArchiveLocation(archive, reference).ToString());
    }

    public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken)
        => _reader.ResolveAsync(_reference, DisplayName, cancellationToken);

    public Task<byte[]> ReadContentAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => _reader.ReadContentAsync(descriptor, cancellationToken);

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => _reader.OpenBlobAsync(descriptor, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
