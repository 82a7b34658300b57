namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// A folder on disk and where its contents go in the image, e.g. <c>bin/Release/net10.0/publish</c>
/// at <c>/app</c>. The folder itself becomes the directory at <paramref name="PathInImage"/>; <c>/</c>
/// puts its contents at the root of the image.
/// </summary>
public sealed record LayerSource(string SourceDirectory, string PathInImage);
