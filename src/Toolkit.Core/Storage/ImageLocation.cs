using System.Diagnostics.CodeAnalysis;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;

namespace Toolkit.Core.Storage;

/// <summary>
/// Where an image is read from or written to, in skopeo's spelling: <c>oci:&lt;dir&gt;[:&lt;ref&gt;]</c>,
/// <c>oci-archive:&lt;file&gt;[:&lt;ref&gt;]</c>, <c>docker-archive:&lt;file&gt;[:&lt;repo:tag&gt;]</c>, <c>scratch</c>
/// (a base only) or a registry reference. <see cref="ToString"/> gives text that parses back to an equal location.
/// </summary>
public abstract record ImageLocation
{
    public const string OciPrefix = "oci:";
    public const string OciArchivePrefix = "oci-archive:";
    public const string DockerArchivePrefix = "docker-archive:";
    public const string ScratchName = "scratch";
    private const string DockerTransportPrefix = "docker://";

    /// <summary>skopeo transports people may type that the toolkit does not read or write.</summary>
    private static readonly string[] s_otherTransports =
        ["dir", "docker-daemon", "containers-storage", "ostree", "sif", "tarball", "atomic"];

    private protected ImageLocation()
    {
    }

    /// <summary>The accepted forms, for messages.</summary>
    public static string AcceptedForms =>
        "oci:<dir>[:<tag>], oci-archive:<file>[:<tag>], docker-archive:<file>[:<repo:tag>], scratch (as a base only), "
        + "or a registry reference such as registry.example.com/repo:tag or registry.example.com/repo@sha256:<hex>";

    public static ImageLocation Parse(string text)
    {
        if (TryParse(text, out var location, out var error, out var code))
        {
            return location;
        }

        throw new ToolkitException(code, error);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ImageLocation? location)
        => TryParse(text, out location, out _, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out ImageLocation? location, out string error, out ErrorCode code)
    {
        location = null;
        error = string.Empty;
        code = ErrorCodes.InvalidLocation;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"An image location is required. Use one of: {AcceptedForms}.";
            return false;
        }

        if (text.Trim().Length != text.Length)
        {
            error = $"'{text}' has leading or trailing spaces. Use one of: {AcceptedForms}.";
            return false;
        }

        if (text == ScratchName)
        {
            location = ScratchLocation.Instance;
            return true;
        }

        if (TrySplitPath(text, OciPrefix, out var path, out var reference, out error))
        {
            location = new OciLayoutLocation(path, reference);
            return true;
        }

        if (TrySplitPath(text, OciArchivePrefix, out path, out reference, out error))
        {
            location = new OciArchiveLocation(path, reference);
            return true;
        }

        if (TrySplitPath(text, DockerArchivePrefix, out path, out reference, out error))
        {
            location = new DockerArchiveLocation(path, reference);
            return true;
        }

        if (error.Length > 0)
        {
            return false;
        }

        var registryText = text.StartsWith(DockerTransportPrefix, StringComparison.Ordinal) ? text[DockerTransportPrefix.Length..] : text;
        if (!LooksLikeRegistryReference(registryText, out error))
        {
            return false;
        }

        try
        {
            location = new RegistryLocation(ImageReference.Parse(registryText));
            return true;
        }
        catch (ToolkitException e)
        {
            error = e.Message;
            code = e.ErrorCode;
            return false;
        }
    }

    private static bool TrySplitPath(string text, string prefix, out string path, out string? reference, out string error)
    {
        path = string.Empty;
        reference = null;
        error = string.Empty;
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = text[prefix.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        path = colon < 0 ? rest : rest[..colon];
        reference = colon < 0 ? null : rest[(colon + 1)..];
        if (path.Length == 0)
        {
            error = $"'{text}' has no path after '{prefix}'. Use one of: {AcceptedForms}.";
            return false;
        }

        if (reference is { Length: 0 })
        {
            error = $"'{text}' ends with ':' but names no tag. Leave out the ':' or add a tag. Accepted forms: {AcceptedForms}.";
            return false;
        }

        return true;
    }

    private static bool LooksLikeRegistryReference(string text, out string error)
    {
        error = string.Empty;
        if (text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || text.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{text}' is not an image location. Use one of: {AcceptedForms}.";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (colon < 0 || (slash >= 0 && slash < colon) || (at >= 0 && at < colon))
        {
            // No colon in the first path component: a plain "repo", "host/repo:tag" or "repo@sha256:...".
            return true;
        }

        var prefix = text[..colon];
        var rest = text[(colon + 1)..];
        if (s_otherTransports.Contains(prefix, StringComparer.Ordinal))
        {
            error = $"'{text}' uses skopeo's '{prefix}:' transport, which the toolkit does not support. Use one of: {AcceptedForms}.";
            return false;
        }

        // "host:port/repo..." or "repo:tag" are registry references; anything else is an unknown transport.
        var digits = rest.TakeWhile(char.IsAsciiDigit).Count();
        var isPort = digits > 0 && digits < rest.Length && rest[digits] == '/';
        if (isPort || IsTag(rest))
        {
            return true;
        }

        error = $"'{text}' starts with '{prefix}:', which is not a known location type. Use one of: {AcceptedForms}.";
        return false;
    }

    private static bool IsTag(string value)
        => value.Length is > 0 and <= 128
           && (char.IsAsciiLetterOrDigit(value[0]) || value[0] == '_')
           && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private protected static string WithReference(string prefix, string path, string? reference)
        => reference is null ? prefix + path : $"{prefix}{path}:{reference}";
}

/// <summary>An OCI image layout directory, <c>oci:&lt;dir&gt;[:&lt;ref&gt;]</c>.</summary>
public sealed record OciLayoutLocation(string Path, string? Reference = null) : ImageLocation
{
    public override string ToString() => WithReference(OciPrefix, Path, Reference);
}

/// <summary>A tar of an OCI image layout, <c>oci-archive:&lt;file&gt;[:&lt;ref&gt;]</c>.</summary>
public sealed record OciArchiveLocation(string Path, string? Reference = null) : ImageLocation
{
    public override string ToString() => WithReference(OciArchivePrefix, Path, Reference);
}

/// <summary>
/// A <c>docker save</c> archive (also what the .NET SDK writes for <c>ContainerArchiveOutputPath</c>),
/// <c>docker-archive:&lt;file&gt;[:&lt;repo:tag&gt;]</c>; as a source the reference may also be <c>@&lt;index&gt;</c>.
/// </summary>
public sealed record DockerArchiveLocation(string Path, string? Reference = null) : ImageLocation
{
    public override string ToString() => WithReference(DockerArchivePrefix, Path, Reference);
}

/// <summary>The empty base image. Only valid as the base of a build.</summary>
public sealed record ScratchLocation : ImageLocation
{
    private ScratchLocation()
    {
    }

    public static ScratchLocation Instance { get; } = new();

    public override string ToString() => ScratchName;
}

/// <summary>An image in a registry, by its normalised reference.</summary>
public sealed record RegistryLocation(ImageReference Reference) : ImageLocation
{
    public override string ToString() => Reference.ToString();
}
