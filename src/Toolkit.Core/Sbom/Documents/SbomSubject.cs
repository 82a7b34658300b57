using Toolkit.Core.Oci;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>What an SBOM describes: a container image, or a project when there is no image.</summary>
public enum SbomSubjectKind
{
    Image,
    Project,
}

/// <summary>
/// The subject of an SBOM: the component the document is about (CycloneDX <c>metadata.component</c>, the SPDX
/// package the document DESCRIBES), what it descends from (the base image), and the identity its serial number is
/// derived from. Build it with <see cref="ForImage(ImageReference, Digest, Platform?, IReadOnlyDictionary{string, string}?)"/>
/// or <see cref="ForProject"/>.
/// </summary>
public sealed record SbomSubject
{
    /// <summary>Property naming the image's platform, e.g. <c>linux/amd64</c>.</summary>
    public const string PlatformProperty = "toolkit:image:platform";

    // Annotations (or labels) copied onto the image component as properties under their own, already namespaced, keys.
    private static readonly string[] s_annotationProperties =
    [
        AnnotationKeys.Authors, AnnotationKeys.BaseDigest, AnnotationKeys.BaseName, AnnotationKeys.Created,
        AnnotationKeys.Documentation, AnnotationKeys.Revision, AnnotationKeys.Source, AnnotationKeys.Url,
        AnnotationKeys.Vendor, AnnotationKeys.Version,
    ];

    public required SbomSubjectKind Kind { get; init; }

    /// <summary>The component the SBOM describes (type container for an image).</summary>
    public required SbomComponent Component { get; init; }

    /// <summary>What the subject was derived from, nearest first: the base image (CycloneDX <c>pedigree.ancestors</c>, SPDX DESCENDANT_OF).</summary>
    public IReadOnlyList<SbomComponent> Ancestors { get; init; } = [];

    /// <summary>The name the serial number is derived from (the image digest, or the project's identity).</summary>
    public required string Identity { get; init; }

    /// <summary>
    /// An image in a registry: named by its repository (<c>docker.io/library/debian</c>, which also becomes the purl's
    /// <c>repository_url</c>) and tag, identified by its manifest (or index) <paramref name="digest"/>.
    /// </summary>
    /// <param name="reference">The registry reference the image was read from or pushed to; its digest, if any, is ignored.</param>
    /// <param name="digest">The digest of the image's manifest (or of its index, for several platforms).</param>
    /// <param name="platform">The image's platform, when it has one (the purl's <c>arch</c>).</param>
    /// <param name="annotations">The manifest's annotations merged with the config's labels, if known: the base image
    /// (<c>org.opencontainers.image.base.name</c> / <c>.base.digest</c>) and the other OCI keys are read from them.</param>
    public static SbomSubject ForImage(ImageReference reference, Digest digest, Platform? platform = null, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return ForImage(reference.Name, digest, reference.Tag, reference.Name, platform, annotations);
    }

    /// <summary>
    /// An image known by a name (e.g. from an OCI layout or an archive) rather than by a registry reference.
    /// </summary>
    /// <param name="name">The image's name, e.g. <c>myapp</c> or <c>registry.example.com/team/myapp</c>; null uses the
    /// <c>org.opencontainers.image.title</c> annotation, else the digest.</param>
    /// <param name="digest">The digest of the image's manifest (or of its index, for several platforms).</param>
    /// <param name="tag">The tag the image was known by, if any.</param>
    /// <param name="repositoryUrl">Where the image can be fetched (<c>registry/repository</c>), when known.</param>
    /// <param name="platform">The image's platform, when it has one (the purl's <c>arch</c>).</param>
    /// <param name="annotations">The manifest's annotations merged with the config's labels, if known.</param>
    public static SbomSubject ForImage(
        string? name,
        Digest digest,
        string? tag = null,
        string? repositoryUrl = null,
        Platform? platform = null,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentNullException.ThrowIfNull(digest);
        annotations ??= new Dictionary<string, string>();
        name = !string.IsNullOrWhiteSpace(name) ? name
            : annotations.TryGetValue(AnnotationKeys.Title, out var title) && !string.IsNullOrWhiteSpace(title) ? title
            : digest.ToString();
        var purl = OciPackageUrl.Create(name, digest, repositoryUrl, tag, platform?.Architecture);

        var properties = new List<KeyValuePair<string, string>>();
        if (platform is not null)
        {
            properties.Add(new(PlatformProperty, platform.ToString()));
        }

        foreach (var key in s_annotationProperties)
        {
            if (annotations.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value))
            {
                properties.Add(new(key, value));
            }
        }

        var component = new SbomComponent
        {
            BomRef = purl,
            Type = SbomComponentType.Container,
            Name = name,
            Version = tag ?? digest.ToString(),
            Purl = purl,
            Description = Annotation(annotations, AnnotationKeys.Description),
            Supplier = Annotation(annotations, AnnotationKeys.Vendor),
            Hashes = [new SbomHash(digest.Algorithm == Digest.Sha256 ? "SHA-256" : "SHA-512", digest.Encoded)],
            Licenses = Annotation(annotations, AnnotationKeys.Licenses) is { } licenses ? [new SbomLicense { Expression = licenses }] : [],
            Properties = properties,
        };

        var baseImage = BaseImage(annotations);
        return new SbomSubject
        {
            Kind = SbomSubjectKind.Image,
            Component = component,
            Ancestors = baseImage is null ? [] : [baseImage],
            Identity = digest.ToString(),
        };
    }

    /// <summary>
    /// A project (an application built from source) when the SBOM has no image.
    /// </summary>
    /// <param name="name">The project's name, e.g. its assembly or package id.</param>
    /// <param name="version">The project's version, if known.</param>
    /// <param name="purl">The project's own package URL, if it has one (e.g. a NuGet package id and version).</param>
    /// <param name="identity">What identifies the project across runs (e.g. its path in the repository); the serial
    /// number is derived from it. Null uses <c>name@version</c>.</param>
    public static SbomSubject ForProject(string name, string? version = null, string? purl = null, string? identity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var nameAndVersion = version is null ? name : name + "@" + version;
        return new SbomSubject
        {
            Kind = SbomSubjectKind.Project,
            Component = new SbomComponent
            {
                BomRef = purl ?? "project:" + nameAndVersion,
                Type = SbomComponentType.Application,
                Name = name,
                Version = version,
                Purl = purl,
            },
            Identity = "project:" + (identity ?? nameAndVersion),
        };
    }

    /// <summary>
    /// The base image the OCI annotations name, as a container component: <c>base.name</c> is a reference
    /// (<c>docker.io/library/debian:12</c>), <c>base.digest</c> its manifest digest. Null when neither is set.
    /// </summary>
    public static SbomComponent? BaseImage(IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        var baseName = Annotation(annotations, AnnotationKeys.BaseName);
        var baseDigestText = Annotation(annotations, AnnotationKeys.BaseDigest);
        var baseDigest = Digest.TryParse(baseDigestText, out var parsed) ? parsed : null;
        if (baseName is null && baseDigest is null)
        {
            return null;
        }

        string name;
        string? tag = null;
        string? repositoryUrl = null;
        if (baseName is not null && ImageReference.TryParse(baseName, out var reference))
        {
            name = reference.Name;
            tag = reference.Tag;
            repositoryUrl = reference.Name;
            baseDigest ??= reference.Digest;
        }
        else
        {
            name = baseName ?? baseDigest!.ToString();
        }

        var purl = baseDigest is null ? null : OciPackageUrl.Create(name, baseDigest, repositoryUrl, tag);
        return new SbomComponent
        {
            BomRef = purl ?? "base-image:" + (tag is null ? name : name + ":" + tag),
            Type = SbomComponentType.Container,
            Name = name,
            Version = tag ?? baseDigest?.ToString(),
            Purl = purl,
            Hashes = baseDigest is null ? [] : [new SbomHash(baseDigest.Algorithm == Digest.Sha256 ? "SHA-256" : "SHA-512", baseDigest.Encoded)],
        };
    }

    private static string? Annotation(IReadOnlyDictionary<string, string> annotations, string key)
        => annotations.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
