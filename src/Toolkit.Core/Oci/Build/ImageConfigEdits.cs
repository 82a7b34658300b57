namespace Toolkit.Core.Oci.Build;

/// <summary>
/// Changes to the base image's container configuration. Unset members keep what the base has; maps
/// merge by key (ours wins). Setting an entrypoint without a command clears the base command, as a
/// Dockerfile <c>ENTRYPOINT</c> does.
/// </summary>
public sealed record ImageConfigEdits
{
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Environment variables to set (name -> value).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    /// <summary>Labels to set in the config (also see <see cref="ImageMetadata"/> for the OCI ones).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Ports to expose: <c>8080</c>, <c>8080/tcp</c>, <c>53/udp</c>.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    public string? StopSignal { get; init; }
}

/// <summary>
/// What the image says about where it came from. Written both as config labels and as manifest
/// annotations (<c>org.opencontainers.image.*</c>). Explicit labels and annotations override these.
/// </summary>
public sealed record ImageMetadata
{
    /// <summary>Source repository URL (<c>org.opencontainers.image.source</c>).</summary>
    public string? Source { get; init; }

    /// <summary>Source revision, e.g. the commit (<c>org.opencontainers.image.revision</c>).</summary>
    public string? Revision { get; init; }

    /// <summary>Version of the packaged software (<c>org.opencontainers.image.version</c>).</summary>
    public string? Version { get; init; }

    /// <summary>Fully qualified reference of the base image (<c>org.opencontainers.image.base.name</c>); taken from a registry base when not set.</summary>
    public string? BaseName { get; init; }

    /// <summary>Whether to write <c>org.opencontainers.image.created</c> (the build timestamp).</summary>
    public bool IncludeCreated { get; init; } = true;

    /// <summary>Extra annotations for the manifest (and the index when there is one).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
