namespace Toolkit.Core.Registry;

/// <summary>
/// Gives the <see cref="IRegistryClient"/> for a registry. The composition root (a front-end) makes one from
/// <see cref="RegistryConnectionOptions"/>; the engine asks it for a client whenever a location names a registry.
/// </summary>
public interface IRegistryClientFactory
{
    /// <summary>The client for <paramref name="registry"/> as named in references (e.g. <c>ghcr.io</c>, <c>127.0.0.1:5000</c>).</summary>
    IRegistryClient Create(string registry);
}

/// <summary>How to reach registries: what every front-end maps its TLS options onto.</summary>
public sealed record RegistryConnectionOptions
{
    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>A PEM file of extra certificate authorities to trust for TLS.</summary>
    public string? CaFile { get; init; }
}
