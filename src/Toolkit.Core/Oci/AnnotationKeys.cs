namespace Toolkit.Core.Oci;

/// <summary>Pre-defined OCI annotation keys (also used as image labels).</summary>
public static class AnnotationKeys
{
    public const string Created = "org.opencontainers.image.created";
    public const string Authors = "org.opencontainers.image.authors";
    public const string Url = "org.opencontainers.image.url";
    public const string Documentation = "org.opencontainers.image.documentation";
    public const string Source = "org.opencontainers.image.source";
    public const string Version = "org.opencontainers.image.version";
    public const string Revision = "org.opencontainers.image.revision";
    public const string Vendor = "org.opencontainers.image.vendor";
    public const string Licenses = "org.opencontainers.image.licenses";
    public const string RefName = "org.opencontainers.image.ref.name";
    public const string Title = "org.opencontainers.image.title";
    public const string Description = "org.opencontainers.image.description";
    public const string BaseDigest = "org.opencontainers.image.base.digest";
    public const string BaseName = "org.opencontainers.image.base.name";
}
