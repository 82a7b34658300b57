using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;

namespace Toolkit.MSBuild.Tasks;

public sealed partial class BuildImage : ToolkitRegistryTask
{
    protected override (ErrorCode Code, string Hint) DescribeIOFailure() => (ErrorCodes.OutputNotWritable, "Check that the publish folder, the base and the output exist and that the build may read and write them.");

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken)
    {
        using var loggerFactory = MSBuildLog.For(Log);
        var workingDirectory = string.IsNullOrEmpty(WorkingDirectory) ? "/app/" : WorkingDirectory;
        var timestamp = await new Core.Oci.Build.SourceDateEpoch(ProcessEnvironmentVariables.Instance, ProcessRunner.Instance, loggerFactory.CreateLogger(nameof(BuildImage)))
            .ResolveAsync(SourceDateEpoch, "ToolkitSourceDateEpoch", ProjectDirectory, cancellationToken).ConfigureAwait(false);

        var appLayer = new LayerSpec(PublishDirectory, workingDirectory);
        var entrypointSource = PublishDirectory;
        IReadOnlyList<LayerSpec> layers = [appLayer];
        IReadOnlyList<PlatformLayers> platforms = string.IsNullOrEmpty(RuntimeIdentifier)
            ? []
            : [new PlatformLayers(Platform.FromRuntimeIdentifier(RuntimeIdentifier), [])];
        if (PlatformPublishDirectories.Length > 0)
        {
            layers = [];
            platforms = [.. PlatformPublishDirectories.Select(d => new PlatformLayers(
                Platform.FromRuntimeIdentifier(d.GetMetadata("RuntimeIdentifier")),
                [new LayerSpec(d.ItemSpec, workingDirectory)]))];
            entrypointSource = PlatformPublishDirectories[0].ItemSpec;
        }

        var request = new ImageBuildRequest
        {
            BaseImage = ImageLocation.Parse(string.IsNullOrWhiteSpace(BaseImage) ? "scratch" : BaseImage),
            Output = ImageLocation.Parse(Output),
            Tags = Tags,
            Layers = layers,
            Platforms = platforms,
            Config = new ImageConfigEdits
            {
                Entrypoint = Entrypoint.Length > 0
                    ? [.. Entrypoint.Select(i => i.ItemSpec)]
                    : DotNetEntrypoint.Resolve(entrypointSource, AssemblyName, workingDirectory, UseAppHost),
                Cmd = DefaultArgs.Length > 0 ? [.. DefaultArgs.Select(i => i.ItemSpec)] : null,
                Environment = Pairs(EnvironmentVariables),
                WorkingDirectory = workingDirectory,
                User = string.IsNullOrEmpty(User) ? null : User,
                Labels = Pairs(Labels),
                Ports = [.. Ports.Select(p => string.IsNullOrEmpty(p.GetMetadata("Type")) ? p.ItemSpec : $"{p.ItemSpec}/{p.GetMetadata("Type")}")],
            },
            Metadata = new ImageMetadata
            {
                Source = GenerateLabels ? NullIfEmpty(SourceUrl) : null,
                Revision = GenerateLabels ? NullIfEmpty(Revision) : null,
                Version = GenerateLabels ? NullIfEmpty(Version) : null,
                BaseName = NullIfEmpty(BaseName),
                IncludeCreated = GenerateLabels,
                Annotations = Pairs(Annotations),
            },
            Compression = BuildInputs.ParseCompression(Compression),
            CompressionLevel = CompressionLevel > 0 ? CompressionLevel : null,
            Uid = Uid,
            Gid = Gid,
            LayerCacheDirectory = NullIfEmpty(LayerCacheDirectory),
            Timestamp = timestamp,
        };

        using var registries = Registries(InsecureRegistries, RegistryCaFile, loggerFactory);
        var built = await new ImageBuilder(loggerFactory, registries).BuildAsync(request, cancellationToken).ConfigureAwait(false);
        ImageDigest = built.Root.Digest.ToString();
        ImageMediaType = built.Root.MediaType;
        Log.LogMessage(MessageImportance.High, "Built image {0} {1}", built.Output, ImageDigest);
    }

    private static Dictionary<string, string> Pairs(ITaskItem[] items)
        => items.GroupBy(i => i.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
