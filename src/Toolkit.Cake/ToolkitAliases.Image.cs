using Cake.Core;
using Cake.Core.Annotations;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Registry;

namespace Toolkit.Cake;

/// <summary>Cake aliases of the supply-chain toolkit.</summary>
[CakeAliasCategory("Toolkit")]
public static partial class ToolkitAliases
{
    /// <summary>
    /// Builds a reproducible OCI image from folders on a base, without a Docker daemon.
    /// </summary>
    /// <example>
    /// <code>
    /// var image = ToolkitBuildImage(new ToolkitBuildImageSettings
    /// {
    ///     BaseImage = "scratch",
    ///     Output = "oci:artifacts/image:1.0.0",
    ///     PublishDirectory = "artifacts/publish",
    ///     AssemblyName = "Sample.Api",
    ///     Ports = { "8080/tcp" },
    /// });
    /// Information("Image digest: {0}", image.Digest);
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">What to build; null stands for default settings, which fail with a <see cref="CakeException"/> carrying TK2003 because <see cref="ToolkitBuildImageSettings.Output"/> is required.</param>
    /// <returns>The digest and platforms of the image written.</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("Image")]
    [CakeNamespaceImport("Toolkit.Cake")]
    public static ToolkitImageResult ToolkitBuildImage(this ICakeContext context, ToolkitBuildImageSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitBuildImageSettings();
        using var loggerFactory = CakeLog.For(context.Log);
        try
        {
            var request = settings.ToRequest(context, loggerFactory);
            using var registries = RegistryClientFactory.ForConnection(settings.ToConnection(context), new CakeEnvironmentVariables(context.Environment), loggerFactory);
            var built = new ImageBuilder(loggerFactory, registries).BuildAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            return new ToolkitImageResult(built);
        }
        catch (ToolkitException e)
        {
            // Cake prints the message of what a task throws: keep the code in it, and the exit code of its kind.
            throw new CakeException((int)e.Kind, $"{e.Code}: {e.Message}", e);
        }
    }
}

/// <summary>The result of <see cref="ToolkitAliases.ToolkitBuildImage"/>.</summary>
public sealed class ToolkitImageResult
{
    internal ToolkitImageResult(BuiltImage built)
    {
        Digest = built.Root.Digest.ToString();
        MediaType = built.Root.MediaType;
        Output = built.Output.ToString();
        Platforms = [.. built.Platforms.Select(p => p.Platform.ToString())];
        ManifestDigests = [.. built.Platforms.Select(p => p.Manifest.Digest.ToString())];
    }

    /// <summary>The image digest (of the index when several platforms were built).</summary>
    public string Digest { get; }

    /// <summary>The media type of <see cref="Digest"/>.</summary>
    public string MediaType { get; }

    /// <summary>Where the image was written.</summary>
    public string Output { get; }

    /// <summary>The platforms built, e.g. <c>linux/amd64</c>.</summary>
    public IReadOnlyList<string> Platforms { get; }

    /// <summary>The manifest digest of each platform, in the order of <see cref="Platforms"/>.</summary>
    public IReadOnlyList<string> ManifestDigests { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Output} {Digest}";
}
