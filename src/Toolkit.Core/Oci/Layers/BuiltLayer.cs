namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// A layer blob that was written: its descriptor (the compressed blob, as it goes into a manifest),
/// the digest of the uncompressed tar (the <c>diff_id</c> an image config lists) and what it holds.
/// </summary>
/// <param name="Descriptor">Media type from <see cref="MediaTypes.OciLayerFor"/>, digest and size of the bytes written.</param>
/// <param name="DiffId">sha256 of the uncompressed tar; equals the descriptor digest when uncompressed.</param>
/// <param name="UncompressedSize">Size of the uncompressed tar in bytes.</param>
/// <param name="EntryCount">Number of tar entries (directories, files and symbolic links).</param>
public sealed record BuiltLayer(Descriptor Descriptor, Digest DiffId, long UncompressedSize, int EntryCount);
