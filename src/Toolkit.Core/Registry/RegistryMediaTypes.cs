using Toolkit.Core.Oci;

namespace Toolkit.Core.Registry;

/// <summary>What the registry stage asks for when it reads manifests.</summary>
public static class RegistryMediaTypes
{
    /// <summary>The <c>Accept</c> list for manifests: OCI and Docker, single images and indexes.</summary>
    public static IReadOnlyList<string> ManifestAccept { get; } =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];
}
