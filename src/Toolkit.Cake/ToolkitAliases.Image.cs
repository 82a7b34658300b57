using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Microsoft.Extensions.Logging;
using Toolkit.Aws.Ecr.Login;
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
        return Run(context, settings.InsecureRegistries, settings.CaFile, (loggerFactory, registries) =>
        {
            var request = settings.ToRequest(context, loggerFactory);
            var built = new ImageBuilder(loggerFactory, registries).BuildAsync(request, CancellationToken.None).GetAwaiter().GetResult();
            return new ToolkitImageResult(built);
        });
    }

    /// <summary>
    /// The body of every alias: a logger on Cake's log and registry clients for the given connection settings; a coded
    /// error becomes a <see cref="CakeException"/> whose message keeps the code and whose exit code is the error's kind.
    /// </summary>
    private static T Run<T>(ICakeContext context, IEnumerable<string> insecureRegistries, FilePath? caFile, Func<ILoggerFactory, IRegistryClientFactory, T> body)
        => Run(context, insecureRegistries, caFile, null, body);

    /// <summary>
    /// With <paramref name="aws"/> (or the AWS environment when null) for Amazon ECR hosts: their registry password comes from
    /// GetAuthorizationToken, every other registry's from the docker config.
    /// </summary>
    private static T Run<T>(ICakeContext context, IEnumerable<string> insecureRegistries, FilePath? caFile, ToolkitAwsSettings? aws, Func<ILoggerFactory, IRegistryClientFactory, T> body)
    {
        using var loggerFactory = CakeLog.For(context.Log);
        try
        {
            var connection = new RegistryConnectionOptions
            {
                InsecureRegistries = [.. insecureRegistries],
                CaFile = caFile?.MakeAbsolute(context.Environment.WorkingDirectory).FullPath,
            };
            var awsConnection = (aws ?? new ToolkitEcrLoginSettings()).ToConnectionOptions(context, loggerFactory);
            using var registries = EcrRegistryClients.ForConnection(connection, awsConnection, new CakeEnvironmentVariables(context.Environment), loggerFactory);
            return body(loggerFactory, registries);
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
