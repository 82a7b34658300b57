using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>
/// The one place the command line gets its registry clients from. This build has no HTTP registry client yet, so
/// every registry location fails with TK2015 instead of pretending to work; when the client lands, return its factory here.
/// </summary>
internal static class RegistryClients
{
    public static IRegistryClientFactory Create(RegistryConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Unavailable();
    }

    private sealed class Unavailable : IRegistryClientFactory
    {
        public IRegistryClient Create(string registry)
            => throw new ToolkitException(
                ErrorCodes.UnsupportedLocation,
                $"Registries are not available in this build, so '{registry}' cannot be reached. Use oci:<dir>, oci-archive:<file> or docker-archive:<file>, "
                + "or copy with 'skopeo copy' until the registry client ships.");
    }
}
