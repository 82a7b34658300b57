using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Sbom.Image;

/// <summary>Options of <see cref="ImageCataloger.CatalogAsync(IImageSource, Descriptor, ImageCatalogOptions?, CancellationToken)"/>.</summary>
public sealed record ImageCatalogOptions
{
    /// <summary>Bounds of the walk over the layers.</summary>
    public ImageWalkOptions Walk { get; init; } = new();
}

/// <summary>What the image catalogers found, and the operating system the image says it is (null when it has no os-release).</summary>
public sealed record ImageCatalog(CatalogResult Result, OsRelease? OperatingSystem);

/// <summary>
/// Catalogues what an image holds, reading its layers in order as streams (see <see cref="ImageLayerWalker"/>) and never
/// extracting them: .NET applications and runtimes from deps.json files, Debian (dpkg), Alpine (apk) and rpm packages,
/// and the operating system from os-release, as one <see cref="CatalogResult"/> whose components each carry the file
/// and layer they were found in. Problems that leave something out (a file over the limits, an unsupported database)
/// are notes, each starting with its TKnnnn code; a layer that cannot be read at all is a <see cref="ToolkitException"/>.
/// </summary>
public static class ImageCataloger
{
    /// <summary>Catalogues the image of <paramref name="manifest"/>, one platform's image manifest (select it from an index first).</summary>
    public static async Task<ImageCatalog> CatalogAsync(IImageSource source, Descriptor manifest, ImageCatalogOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(manifest);
        if (!MediaTypes.IsManifest(manifest.MediaType))
        {
            throw new ToolkitException(
                ErrorCodes.NotAnImageManifest,
                $"{manifest.Digest} in {source.DisplayName} is '{manifest.MediaType}', not an image manifest; select one platform's manifest of an index to catalogue it.");
        }

        var image = OciJson.ParseManifest(await source.ReadContentAsync(manifest, cancellationToken).ConfigureAwait(false));
        var files = await ImageLayerWalker.WalkAsync(source, image.Layers, ImageFileFilter.Catalogers, (options ?? new()).Walk, cancellationToken).ConfigureAwait(false);
        return await CatalogAsync(files, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Catalogues files a walk kept (with <see cref="ImageFileFilter.Catalogers"/>).</summary>
    public static async Task<ImageCatalog> CatalogAsync(ImageFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var builder = new CatalogBuilder();
        foreach (var note in files.Notes)
        {
            builder.Notes.Add(note);
        }

        var os = OsRelease.Find(files, builder.Notes);
        if (os is not null)
        {
            builder.Add(os.ToComponent());
        }

        DpkgCataloger.Catalog(files, os, builder);
        ApkCataloger.Catalog(files, os, builder);
        await RpmCataloger.CatalogAsync(files, os, builder, cancellationToken).ConfigureAwait(false);
        DotNetDepsCataloger.Catalog(files, builder);
        return new ImageCatalog(builder.Build(), os);
    }
}
