using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Sbom.Image;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Core.Storage;

namespace Toolkit.Core.Sbom;

/// <summary>What to describe and how: an image, a project or solution, or both (the project's packages then join the image's contents).</summary>
public sealed record SbomRequest
{
    /// <summary>The image to catalogue (any location); null for a project-only SBOM.</summary>
    public ImageLocation? Image { get; init; }

    /// <summary>A project, solution or folder whose restored NuGet packages are catalogued; null for an image-only SBOM.</summary>
    public string? Project { get; init; }

    /// <summary>How the project's packages are read (target framework, runtime identifier, development dependencies).</summary>
    public NuGetCatalogOptions ProjectOptions { get; init; } = new();

    /// <summary>The platform to describe when the image is an index with several; null takes the only one, else linux/amd64.</summary>
    public Platform? Platform { get; init; }

    /// <summary>
    /// The name the image goes by when its location does not carry one (an <c>oci:</c> layout or an archive, e.g. one about
    /// to be pushed): <c>repository[:tag]</c>, or <c>registry/repository[:tag]</c>, whose <c>registry/repository</c> also
    /// becomes the purl's <c>repository_url</c>. Null names it by its title annotation, else its folder or file name, and
    /// the location's tag. Ignored for a registry location, whose reference is its name.
    /// </summary>
    public string? ImageName { get; init; }

    public SbomFormat Format { get; init; } = SbomFormat.Default;

    /// <summary>The serial number and timestamp, when the caller fixes them.</summary>
    public SbomDocumentOptions Document { get; init; } = new();
}

/// <summary>An SBOM document, its bytes in the requested format, and the image manifest it describes (null for a project).</summary>
public sealed record SbomResult(SbomDocument Document, SbomFormat Format, byte[] Content, Descriptor? ImageManifest)
{
    /// <summary>The artifact type an attached SBOM of this format carries.</summary>
    public string ArtifactType => Format.MediaType;

    /// <summary>Writes the document to <paramref name="path"/> (its folder is created); TK2018 when it cannot be written. Returns the full path.</summary>
    public async Task<string> WriteFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, Content, cancellationToken).ConfigureAwait(false);
            return full;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(
                ErrorCodes.OutputNotWritable,
                $"The SBOM cannot be written to {full} ({exception.GetType().Name}: {exception.Message}); check the path and the folder's permissions.",
                exception);
        }
    }
}

/// <summary>
/// The SBOM stage: catalogues an image (its layers, never extracted) and/or a project's NuGet packages, builds one
/// deterministic document, and attaches it to the image as a referrer of the image manifest it describes.
/// </summary>
public sealed class SbomGenerator
{
    private readonly IRegistryClientFactory? _registryClients;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SbomDocumentBuilder _builder;
    private readonly IEnvironmentVariables _environment;

    /// <param name="registryClients">Clients for registry locations.</param>
    /// <param name="loggerFactory">Where progress and notes are logged.</param>
    /// <param name="environment">Where <c>SOURCE_DATE_EPOCH</c> is read.</param>
    /// <param name="timeProvider">The clock when there is no <c>SOURCE_DATE_EPOCH</c>.</param>
    public SbomGenerator(
        IRegistryClientFactory? registryClients = null,
        ILoggerFactory? loggerFactory = null,
        IEnvironmentVariables? environment = null,
        TimeProvider? timeProvider = null)
    {
        _registryClients = registryClients;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<SbomGenerator>();
        _environment = environment ?? ProcessEnvironmentVariables.Instance;
        _builder = new SbomDocumentBuilder(_environment, timeProvider);
    }

    public async Task<SbomResult> GenerateAsync(SbomRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Image is null && request.Project is null)
        {
            throw new ToolkitException(ErrorCodes.SbomNothingToDescribe, "Nothing to describe: give an image (--image <location>), a project or solution (--project <path>), or both.");
        }

        var results = new List<CatalogResult>();
        SbomSubject? subject = null;
        Descriptor? manifest = null;
        var options = request.Document;
        if (request.Image is { } image)
        {
            (subject, manifest, var catalog, var created) = await CatalogImageAsync(image, request.Platform, request.ImageName, cancellationToken).ConfigureAwait(false);
            results.Add(catalog);

            // Without SOURCE_DATE_EPOCH, an image's SBOM takes the image's own creation time (itself reproducible when the
            // image was built so), so describing the same image twice gives the same bytes.
            if (options.Timestamp is null && string.IsNullOrEmpty(_environment.Get(SourceDateEpoch.VariableName)) && created is not null)
            {
                options = options with { Timestamp = created };
            }
        }

        if (request.Project is { } project)
        {
            var catalog = await new NuGetCataloger(_loggerFactory).CatalogAsync(project, request.ProjectOptions, cancellationToken).ConfigureAwait(false);
            subject ??= ProjectSubject(project, catalog);
            results.Add(catalog);
        }

        var document = _builder.Build(subject!, results, options);
        foreach (var note in document.Notes)
        {
            _logger.LogWarning("{Note}", note);
        }

        var content = SbomWriter.ToBytes(document, request.Format);
        _logger.LogInformation(
            "SBOM of {Subject}: {Components} component(s), {Format}, {Bytes} bytes.",
            subject!.Component.Name, document.Components.Count, request.Format, content.Length);
        return new SbomResult(document, request.Format, content, manifest);
    }

    /// <summary>
    /// Attaches an SBOM to the image at <paramref name="image"/>: a referrer of the image manifest it describes (the
    /// manifest of <paramref name="platform"/> when the location names an index), with artifact type and layer media type
    /// <paramref name="format"/>'s media type.
    /// </summary>
    public async Task<AttachedReferrer> AttachAsync(ImageLocation image, ReadOnlyMemory<byte> content, SbomFormat format, Platform? platform, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(format);
        var referrers = new ImageReferrers(_registryClients, _loggerFactory);
        var (store, root) = await referrers.OpenAsync(image, cancellationToken).ConfigureAwait(false);
        var subject = root;
        if (MediaTypes.IsIndex(root.MediaType))
        {
            var source = await new ImageLocations(_loggerFactory, _registryClients).OpenSourceAsync(image, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                subject = await SelectPlatformAsync(source, root, platform, cancellationToken).ConfigureAwait(false);
            }
        }

        var artifact = new Artifact
        {
            ArtifactType = format.MediaType,
            Layers = [ArtifactBlob.FromBytes(format.MediaType, content.Span, new Dictionary<string, string> { [AnnotationKeys.Title] = "sbom" + format.FileExtension })],
        };
        artifact.Validate();
        var attached = await store.AttachAsync(ArtifactManifest.Create(subject, artifact), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Attached the SBOM {Referrer} to {Subject} at {Image}.", attached.Referrer.Digest, subject.Digest, image);
        return attached with { Location = image.ToString() };
    }

    private async Task<(SbomSubject Subject, Descriptor Manifest, CatalogResult Result, DateTimeOffset? Created)> CatalogImageAsync(ImageLocation image, Platform? platform, string? imageName, CancellationToken cancellationToken)
    {
        var source = await new ImageLocations(_loggerFactory, _registryClients).OpenSourceAsync(image, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var root = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
            var manifest = MediaTypes.IsIndex(root.MediaType) ? await SelectPlatformAsync(source, root, platform, cancellationToken).ConfigureAwait(false) : root;
            var parsed = OciJson.ParseManifest(await source.ReadContentAsync(manifest, cancellationToken).ConfigureAwait(false));
            var config = OciJson.ParseConfig(await source.ReadContentAsync(parsed.Config, cancellationToken).ConfigureAwait(false));

            // Labels first, then manifest annotations, which describe this very manifest and win.
            var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in config.Config?.Labels ?? [])
            {
                annotations[key] = value;
            }

            foreach (var (key, value) in parsed.Annotations ?? [])
            {
                annotations[key] = value;
            }

            var imagePlatform = manifest.Platform ?? (config.Os is { Length: > 0 } os && config.Architecture is { Length: > 0 } arch ? new Platform(os, arch) { Variant = config.Variant } : null);
            var catalog = await ImageCataloger.CatalogAsync(source, manifest with { Platform = null }, options: null, cancellationToken).ConfigureAwait(false);
            var subject = image is RegistryLocation registry
                ? SbomSubject.ForImage(registry.Reference, manifest.Digest, imagePlatform, annotations)
                : !string.IsNullOrWhiteSpace(imageName)
                    ? NamedSubject(imageName.Trim(), LocalTag(image), manifest.Digest, imagePlatform, annotations)
                    : SbomSubject.ForImage(LocalName(image, annotations), manifest.Digest, LocalTag(image), repositoryUrl: null, imagePlatform, annotations);
            DateTimeOffset? created = DateTimeOffset.TryParse(config.Created, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when) ? when : null;
            return (subject, manifest with { Platform = null }, catalog.Result, created);
        }
    }

    /// <summary>
    /// A project-only SBOM describes the project (one project) or the solution or folder; the project's own component, which
    /// the NuGet cataloger reports as <c>project:&lt;name&gt;</c>, merges into it.
    /// </summary>
    private static SbomSubject ProjectSubject(string path, CatalogResult catalog)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var name = Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileNameWithoutExtension(full);
        var root = catalog.Roots.Count == 1 ? catalog.Roots[0] : null;
        return root is not null && root.StartsWith("project:", StringComparison.Ordinal)
            ? SbomSubject.ForProject(root["project:".Length..], identity: "project:" + name)
            : SbomSubject.ForProject(name, identity: "project:" + name);
    }

    private static async Task<Descriptor> SelectPlatformAsync(IImageSource source, Descriptor root, Platform? wanted, CancellationToken cancellationToken)
    {
        var index = OciJson.ParseIndex(await source.ReadContentAsync(root, cancellationToken).ConfigureAwait(false));
        var images = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) && m.Platform is { Os: not "unknown" }).ToList();
        var chosen = wanted is not null
            ? images.FirstOrDefault(m => m.Platform!.Os == wanted.Os && m.Platform.Architecture == wanted.Architecture && (wanted.Variant is null || m.Platform.Variant == wanted.Variant))
            : images.Count == 1 ? images[0] : images.FirstOrDefault(m => m.Platform!.Os == Platform.LinuxAmd64.Os && m.Platform.Architecture == Platform.LinuxAmd64.Architecture);
        return chosen ?? throw new ToolkitException(
            ErrorCodes.SbomPlatformNotFound,
            $"{source.DisplayName} is an index of {images.Count} platform image(s) ({string.Join(", ", images.Select(m => m.Platform!.ToString()))}), "
            + (wanted is null ? "none of them linux/amd64" : $"none of them {wanted}") + ". Choose one with --platform <os/arch[/variant]>.");
    }

    // A name given for a local image: "repository[:tag]" or "registry/repository[:tag]"; the first segment is a registry
    // when it looks like a host (a dot, a port or localhost), as docker decides it, and then names where the image is.
    private static SbomSubject NamedSubject(string name, string? locationTag, Digest digest, Platform? platform, Dictionary<string, string> annotations)
    {
        // A digest in the name adds nothing: the digest described is the one read.
        var at = name.IndexOf('@', StringComparison.Ordinal);
        name = at < 0 ? name : name[..at];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        var repository = colon < 0 ? name : name[..colon];
        var tag = colon < 0 ? locationTag : name[(colon + 1)..];
        var firstSlash = repository.IndexOf('/', StringComparison.Ordinal);
        var host = firstSlash < 0 ? null : repository[..firstSlash];
        var hasRegistry = host is not null && (host.Contains('.', StringComparison.Ordinal) || host.Contains(':', StringComparison.Ordinal) || host == "localhost");
        return SbomSubject.ForImage(repository, digest, string.IsNullOrEmpty(tag) ? null : tag, hasRegistry ? repository : null, platform, annotations);
    }

    // An oci: layout or archive has no registry name: the title annotation, else the folder or file name.
    private static string LocalName(ImageLocation image, Dictionary<string, string> annotations)
    {
        if (annotations.TryGetValue(AnnotationKeys.Title, out var title) && !string.IsNullOrWhiteSpace(title))
        {
            return title;
        }

        var path = image switch
        {
            OciLayoutLocation layout => layout.Path,
            OciArchiveLocation archive => archive.Path,
            DockerArchiveLocation archive => archive.Path,
            _ => image.ToString(),
        };
        var name = Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        return string.IsNullOrEmpty(name) ? "image" : name.ToLowerInvariant();
    }

    private static string? LocalTag(ImageLocation image) => image switch
    {
        OciLayoutLocation layout => layout.Reference,
        OciArchiveLocation archive => archive.Reference,
        _ => null,
    };
}
