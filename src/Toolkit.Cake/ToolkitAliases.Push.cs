using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Cake;

public static partial class ToolkitAliases
{
    /// <summary>
    /// Copies an image between any two locations (an OCI layout or archive, a docker archive, a registry)
    /// without changing a byte (unless <see cref="ToolkitPushImageSettings.Format"/> asks for a conversion): to a
    /// registry it skips blobs the repository has, uploads the rest in parallel, pushes manifests only once everything
    /// they name is there, and applies tags last.
    /// </summary>
    /// <example>
    /// <code>
    /// var pushed = ToolkitPushImage(new ToolkitPushImageSettings
    /// {
    ///     Source = "oci:artifacts/image:latest",
    ///     Destination = "registry.example.com/team/app:1.0.0",
    ///     Format = "docker", // optional: write Docker schema 2 manifests for a registry that does not take OCI
    /// });
    /// // To Amazon ECR: AWS credentials from the environment (or Profile), no docker login.
    /// ToolkitPushImage(new ToolkitPushImageSettings
    /// {
    ///     Source = "oci:artifacts/image:latest",
    ///     Destination = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:1.0.0",
    ///     Profile = "release",
    /// });
    /// Information("Pushed {0} ({1} bytes uploaded)", pushed.Digest, pushed.BytesUploaded);
    /// </code>
    /// </example>
    /// <param name="context">The Cake context.</param>
    /// <param name="settings">What to copy where; null stands for default settings, which fail because a source and a destination are required.</param>
    /// <returns>The digest pushed and what it cost.</returns>
    [CakeMethodAlias]
    [CakeAliasCategory("Image")]
    [CakeNamespaceImport("Toolkit.Cake")]
    public static ToolkitPushResult ToolkitPushImage(this ICakeContext context, ToolkitPushImageSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        settings ??= new ToolkitPushImageSettings();
        return Run(context, settings.InsecureRegistries, settings.CaFile, settings, (loggerFactory, registries) =>
        {
            var root = context.Environment.WorkingDirectory;
            var options = new PushOptions
            {
                Tags = [.. settings.Tags],
                MaxParallelUploads = settings.MaxParallelUploads,
                Format = ImageFormats.Parse(settings.Format, "ToolkitPushImageSettings.Format"),
            };
            var result = new RegistryPusher(registries, loggerFactory)
                .PushAsync(
                    ImageLocation.Parse(ToolkitBuildImageSettings.RebaseLocation(settings.Source, root)),
                    ImageLocation.Parse(ToolkitBuildImageSettings.RebaseLocation(settings.Destination, root)),
                    options,
                    CancellationToken.None)
                .GetAwaiter().GetResult();
            return new ToolkitPushResult(result);
        });
    }
}

/// <summary>
/// Settings of <see cref="ToolkitAliases.ToolkitPushImage"/>. Local paths are relative to the Cake working directory. To an
/// Amazon ECR host (<c>&lt;account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c>) the registry password comes from
/// GetAuthorizationToken with the AWS settings (<see cref="ToolkitAwsSettings.Region"/>, <see cref="ToolkitAwsSettings.Profile"/>,
/// <see cref="ToolkitAwsSettings.EndpointUrl"/>, else the AWS environment); no <c>docker login</c> is needed.
/// </summary>
public sealed class ToolkitPushImageSettings : ToolkitAwsSettings
{
    /// <summary>The image to copy: <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:</c>, <c>docker-archive:</c> or a registry reference.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Where to: a registry reference (<c>registry/repo:tag</c>) or a local location.</summary>
    public string Destination { get; set; } = string.Empty;

    /// <summary>Tags to apply instead of the destination's own.</summary>
    public ICollection<string> Tags { get; } = [];

    /// <summary>How many blobs are uploaded at once (1 to 64).</summary>
    public int MaxParallelUploads { get; set; } = PushOptions.DefaultParallelUploads;

    /// <summary>
    /// <c>oci</c> or <c>docker</c>: write manifests in that format, converting those in the other (their digests change);
    /// null keeps them byte for byte.
    /// </summary>
    public string? Format { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP.</summary>
    public ICollection<string> InsecureRegistries { get; } = [];

    /// <summary>A PEM file of extra certificate authorities to trust for registries.</summary>
    public FilePath? CaFile { get; set; }
}

/// <summary>The result of <see cref="ToolkitAliases.ToolkitPushImage"/>.</summary>
public sealed class ToolkitPushResult
{
    internal ToolkitPushResult(PushResult result)
    {
        Digest = result.Root.Digest.ToString();
        MediaType = result.Root.MediaType;
        Destination = result.Destination;
        Tags = result.Tags;
        BytesUploaded = result.BytesUploaded;
        BlobsSkipped = result.BlobsSkipped;
        BlobsMounted = result.BlobsMounted;
        BlobsUploaded = result.BlobsUploaded;
    }

    /// <summary>The digest at the destination (the source's, unless a format conversion changed it).</summary>
    public string Digest { get; }

    /// <summary>The media type of what was pushed (a manifest or an index, OCI or Docker).</summary>
    public string MediaType { get; }

    /// <summary>The destination, as given.</summary>
    public string Destination { get; }

    /// <summary>Tags applied.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>Bytes sent.</summary>
    public long BytesUploaded { get; }

    /// <summary>Blobs the destination already had.</summary>
    public int BlobsSkipped { get; }

    /// <summary>Blobs mounted from another repository of the same registry.</summary>
    public int BlobsMounted { get; }

    /// <summary>Blobs uploaded.</summary>
    public int BlobsUploaded { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Destination} {Digest}";
}
