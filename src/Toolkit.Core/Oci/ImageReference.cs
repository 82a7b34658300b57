using System.Diagnostics.CodeAnalysis;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>
/// A registry image reference, <c>[registry/]repository[:tag][@digest]</c>, with the grammar and the
/// normalisation docker uses: no registry means <c>docker.io</c>, a single-component repository on
/// docker.io gets <c>library/</c>, and <c>index.docker.io</c> is the same registry as <c>docker.io</c>.
/// </summary>
/// <remarks>
/// Grammar (as distribution/reference defines it):
/// <code>
/// reference  := name [ ":" tag ] [ "@" digest ]
/// name       := [ domain "/" ] path
/// domain     := host [ ":" port ]          host := domain-name | "[" ipv6 "]"
/// path       := component ( "/" component )*
/// component  := [a-z0-9]+ ( separator [a-z0-9]+ )*      separator := "." | "_" | "__" | "-"+
/// tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
/// </code>
/// The first component of a name is the registry only when it contains <c>.</c> or <c>:</c> or is
/// <c>localhost</c>. Unlike docker, an uppercase first component is not taken as a registry: people
/// who write <c>MyOrg/app</c> meant a repository, and the error tells them to use lowercase.
/// A tag is never defaulted here (<see cref="Tag"/> stays null); <see cref="TagOrDefault"/> applies
/// docker's <c>latest</c>.
/// </remarks>
public sealed class ImageReference : IEquatable<ImageReference>
{
    public const string DockerHubRegistry = "docker.io";
    public const string DockerHubApiHost = "registry-1.docker.io";
    public const string DefaultTag = "latest";

    /// <summary>The longest name (registry/repository, normalised) distribution accepts.</summary>
    public const int MaxNameLength = 255;

    /// <summary>The longest tag distribution accepts.</summary>
    public const int MaxTagLength = 128;

    private const string LegacyDockerHubRegistry = "index.docker.io";
    private const string OfficialRepositoryPrefix = "library/";

    private ImageReference(string registry, string repository, string? tag, Digest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The normalised registry: <c>docker.io</c>, <c>localhost:5000</c>, <c>[::1]:5000</c>, <c>ghcr.io</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path, e.g. <c>library/ubuntu</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag as written, or null.</summary>
    public string? Tag { get; }

    /// <summary>The digest as written, or null.</summary>
    public Digest? Digest { get; }

    /// <summary>The tag, or <c>latest</c> when the reference names neither a tag nor a digest.</summary>
    public string? TagOrDefault => Tag ?? (Digest is null ? DefaultTag : null);

    /// <summary>What goes after <c>/manifests/</c> in registry URLs: the digest when there is one, else the tag (or <c>latest</c>).</summary>
    public string Reference => Digest?.ToString() ?? Tag ?? DefaultTag;

    /// <summary>The host name to send registry API requests to (Docker Hub serves its API from <c>registry-1.docker.io</c>).</summary>
    public string RegistryApiHost => Registry == DockerHubRegistry ? DockerHubApiHost : Registry;

    /// <summary>True for <c>localhost</c>, the 127.0.0.0/8 loopback addresses and <c>[::1]</c>, with any port.</summary>
    public bool IsLocalhost
    {
        get
        {
            var host = HostOf(Registry);
            return host == "localhost"
                || host.StartsWith("127.", StringComparison.Ordinal) && System.Net.IPAddress.TryParse(host, out _)
                || host.StartsWith('[') && System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address);
        }
    }

    /// <summary>The name without tag or digest: <c>docker.io/library/ubuntu</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>Docker's short form: <c>ubuntu:22.04</c>, <c>myorg/app@sha256:...</c>, <c>localhost:5000/app:1</c>.</summary>
    public string FamiliarName
    {
        get
        {
            string name;
            if (Registry == DockerHubRegistry)
            {
                var repository = Repository;
                if (repository.StartsWith(OfficialRepositoryPrefix, StringComparison.Ordinal)
                    && repository.IndexOf('/', OfficialRepositoryPrefix.Length) < 0)
                {
                    repository = repository[OfficialRepositoryPrefix.Length..];
                }

                name = repository;
            }
            else
            {
                name = Name;
            }

            return name + Suffix;
        }
    }

    private string Suffix => (Tag is null ? string.Empty : ":" + Tag) + (Digest is null ? string.Empty : "@" + Digest);

    /// <summary>Parses a reference, throwing <see cref="ToolkitException"/> (TK2001) with what is wrong.</summary>
    public static ImageReference Parse(string value)
    {
        if (TryParse(value, out var reference, out var error))
        {
            return reference;
        }

        throw new ToolkitException(ErrorCodes.InvalidReference, error);
    }

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out ImageReference? reference)
        => TryParse(value, out reference, out _);

    /// <summary>The same repository with this tag; a digest, if any, is kept (as docker does).</summary>
    public ImageReference WithTag(string tag)
    {
        if (!IsValidTag(tag, out var error))
        {
            throw new ToolkitException(ErrorCodes.InvalidReference, error);
        }

        return new ImageReference(Registry, Repository, tag, Digest);
    }

    /// <summary>The same repository with this digest; a tag, if any, is kept (as docker does).</summary>
    public ImageReference WithDigest(Digest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return new ImageReference(Registry, Repository, Tag, digest);
    }

    /// <summary>The fully normalised reference: <c>docker.io/library/ubuntu:22.04</c>.</summary>
    public override string ToString() => Name + Suffix;

    public bool Equals(ImageReference? other)
        => other is not null && Registry == other.Registry && Repository == other.Repository
           && Tag == other.Tag && Digest == other.Digest;

    public override bool Equals(object? obj) => obj is ImageReference other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Registry, Repository, Tag, Digest);

    public static bool operator ==(ImageReference? left, ImageReference? right) => Equals(left, right);

    public static bool operator !=(ImageReference? left, ImageReference? right) => !Equals(left, right);

    private static bool TryParse(string? value, [NotNullWhen(true)] out ImageReference? reference, out string error)
    {
        reference = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "An image reference is required, e.g. docker.io/library/ubuntu:22.04 or myregistry.example.com/app@sha256:<64 hex digits>.";
            return false;
        }

        var shown = Shorten(value);
        if (value.Any(char.IsWhiteSpace))
        {
            error = $"Image reference '{shown}' contains whitespace; remove it.";
            return false;
        }

        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            error = $"Image reference '{shown}' must not start with a URL scheme ('{value[..(scheme + 3)]}'); write registry/repository[:tag], e.g. {value[(scheme + 3)..]}.";
            return false;
        }

        // Docker refuses a bare 64-hex name: it is an image ID, and pulling it by name would surprise.
        if (value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            error = $"Image reference '{shown}' looks like an image ID (64 hex digits), not a repository name; use repository@sha256:<digest> to name content by digest.";
            return false;
        }

        // Split off the digest first: '@' appears nowhere else in the grammar.
        var rest = value;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var digestText = rest[(at + 1)..];
            if (!Digest.TryParse(digestText, out digest))
            {
                error = $"Image reference '{shown}' has an invalid digest '{Shorten(digestText)}'; expected sha256:<64 lowercase hex digits> or sha512:<128 lowercase hex digits>.";
                return false;
            }

            rest = rest[..at];
        }

        // The tag separator is the last ':' after the last '/', so a registry port is not mistaken for a tag.
        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            if (!IsValidTag(tag, out var tagError))
            {
                error = $"Image reference '{shown}': {tagError}";
                return false;
            }

            rest = rest[..colon];
        }

        if (rest.Length == 0)
        {
            error = $"Image reference '{shown}' has no repository name.";
            return false;
        }

        // Split the registry from the repository the way docker does.
        string registry;
        string repository;
        var firstSlash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = firstSlash < 0 ? null : rest[..firstSlash];
        if (first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            if (!IsValidDomain(first, out var domainError))
            {
                error = $"Image reference '{shown}' has an invalid registry '{Shorten(first)}': {domainError}";
                return false;
            }

            registry = first == LegacyDockerHubRegistry ? DockerHubRegistry : first;
            repository = rest[(firstSlash + 1)..];
        }
        else
        {
            registry = DockerHubRegistry;
            repository = rest;
        }

        if (!IsValidPath(repository, out var pathError))
        {
            error = $"Image reference '{shown}' has an invalid repository name '{Shorten(repository)}': {pathError}";
            return false;
        }

        if (registry == DockerHubRegistry && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = OfficialRepositoryPrefix + repository;
        }

        var nameLength = registry.Length + 1 + repository.Length;
        if (nameLength > MaxNameLength)
        {
            error = $"Image reference '{shown}' is too long: the name '{registry}/{Shorten(repository)}' has {nameLength} characters and at most {MaxNameLength} are allowed.";
            return false;
        }

        reference = new ImageReference(registry, repository, tag, digest);
        error = string.Empty;
        return true;
    }

    private static bool IsValidTag(string? tag, out string error)
    {
        if (string.IsNullOrEmpty(tag))
        {
            error = "the tag after ':' is empty; write a tag such as 1.0 or latest, or leave out the ':'.";
            return false;
        }

        if (tag.Length > MaxTagLength)
        {
            error = $"the tag '{Shorten(tag)}' has {tag.Length} characters; at most {MaxTagLength} are allowed.";
            return false;
        }

        if (!IsWordChar(tag[0]) || !tag.All(c => IsWordChar(c) || c is '.' or '-'))
        {
            error = $"the tag '{Shorten(tag)}' is invalid; a tag is letters, digits, '_', '.' and '-', and must not start with '.' or '-'.";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsValidDomain(string domain, out string error)
    {
        var hostEnd = domain.Length;
        if (domain.StartsWith('['))
        {
            var close = domain.IndexOf(']', StringComparison.Ordinal);
            var inner = close < 0 ? string.Empty : domain[1..close];
            if (close < 0 || inner.Length == 0 || !inner.All(c => char.IsAsciiHexDigit(c) || c == ':'))
            {
                error = "an IPv6 address must be written in brackets, e.g. [::1]:5000.";
                return false;
            }

            hostEnd = close + 1;
            if (hostEnd < domain.Length && domain[hostEnd] != ':')
            {
                error = "only ':<port>' may follow a bracketed IPv6 address.";
                return false;
            }
        }
        else
        {
            var portColon = domain.IndexOf(':', StringComparison.Ordinal);
            if (portColon >= 0)
            {
                hostEnd = portColon;
            }

            var host = domain[..hostEnd];
            foreach (var label in host.Split('.'))
            {
                if (label.Length == 0 || !char.IsAsciiLetterOrDigit(label[0]) || !char.IsAsciiLetterOrDigit(label[^1])
                    || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    error = "a host name is dot-separated labels of letters, digits and inner '-'.";
                    return false;
                }
            }
        }

        if (hostEnd < domain.Length)
        {
            var port = domain[(hostEnd + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit))
            {
                error = $"the port '{port}' is not a number.";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static bool IsValidPath(string path, out string error)
    {
        if (path.Any(char.IsAsciiLetterUpper))
        {
            error = $"repository names must be lowercase; use '{path.ToLowerInvariant()}'.";
            return false;
        }

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
            {
                error = "it has an empty path component ('//' or a leading or trailing '/').";
                return false;
            }

            if (!IsValidComponent(component))
            {
                error = $"the path component '{component}' is invalid; use lowercase letters and digits, separated by one '.', one or two '_', or one or more '-' (not at the start or end).";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static bool IsValidComponent(string component)
    {
        var i = 0;
        while (true)
        {
            // An alphanumeric run ...
            var start = i;
            while (i < component.Length && (char.IsAsciiDigit(component[i]) || char.IsAsciiLetterLower(component[i])))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            if (i == component.Length)
            {
                return true;
            }

            // ... then one separator: '.', '_', '__' or a run of '-'.
            switch (component[i])
            {
                case '.':
                    i++;
                    break;
                case '_':
                    i += i + 1 < component.Length && component[i + 1] == '_' ? 2 : 1;
                    break;
                case '-':
                    while (i < component.Length && component[i] == '-')
                    {
                        i++;
                    }

                    break;
                default:
                    return false;
            }
        }
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static string HostOf(string registry)
    {
        if (registry.StartsWith('['))
        {
            return registry[..(registry.IndexOf(']', StringComparison.Ordinal) + 1)];
        }

        var colon = registry.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? registry : registry[..colon];
    }

    private static string Shorten(string value) => value.Length <= 100 ? value : value[..97] + "...";
}
