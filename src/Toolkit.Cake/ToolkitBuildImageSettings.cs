using Cake.Core;
using Cake.Core.IO;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;

namespace Toolkit.Cake;

/// <summary>Settings of <see cref="ToolkitAliases.ToolkitBuildImage"/>. Relative paths are relative to the Cake working directory.</summary>
public sealed class ToolkitBuildImageSettings
{
    /// <summary>The base: <c>scratch</c> (default), <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:</c>, <c>docker-archive:</c>.</summary>
    public string BaseImage { get; set; } = "scratch";

    /// <summary>Where the image goes: <c>oci:&lt;dir&gt;[:tag]</c>, <c>oci-archive:&lt;file&gt;</c>, <c>docker-archive:&lt;file&gt;</c>.</summary>
    public string Output { get; set; } = string.Empty;

    /// <summary>Extra tags.</summary>
    public ICollection<string> Tags { get; } = [];

    /// <summary>A publish folder that becomes the app layer at <see cref="WorkingDirectory"/>; its app host or dll gives the default entrypoint.</summary>
    public DirectoryPath? PublishDirectory { get; set; }

    /// <summary>The app's assembly name, for the default entrypoint.</summary>
    public string? AssemblyName { get; set; }

    /// <summary>More layers: <c>&lt;dir&gt;[:&lt;path-in-image&gt;]</c>, one layer each.</summary>
    public ICollection<string> Layers { get; } = [];

    /// <summary>Platforms to build (<c>linux/amd64</c>, ...); several make an index.</summary>
    public ICollection<string> Platforms { get; } = [];

    /// <summary>Entrypoint arguments; default from <see cref="PublishDirectory"/>.</summary>
    public ICollection<string> Entrypoint { get; } = [];

    /// <summary>Default command arguments.</summary>
    public ICollection<string> Cmd { get; } = [];

    /// <summary>Environment variables.</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>();

    /// <summary>Working directory and app folder in the image (default <c>/app/</c>).</summary>
    public string WorkingDirectory { get; set; } = "/app/";

    /// <summary>User the container runs as.</summary>
    public string? User { get; set; }

    /// <summary>Config labels.</summary>
    public IDictionary<string, string> Labels { get; } = new Dictionary<string, string>();

    /// <summary>Manifest annotations.</summary>
    public IDictionary<string, string> Annotations { get; } = new Dictionary<string, string>();

    /// <summary>Ports to expose (<c>8080/tcp</c>).</summary>
    public ICollection<string> Ports { get; } = [];

    /// <summary>Source repository URL (org.opencontainers.image.source).</summary>
    public string? SourceUrl { get; set; }

    /// <summary>Source revision (org.opencontainers.image.revision).</summary>
    public string? Revision { get; set; }

    /// <summary>Software version (org.opencontainers.image.version).</summary>
    public string? Version { get; set; }

    /// <summary>Fully qualified base name (org.opencontainers.image.base.name).</summary>
    public string? BaseName { get; set; }

    /// <summary>gzip (default), zstd or none.</summary>
    public string Compression { get; set; } = "gzip";

    /// <summary>Owner uid of added files.</summary>
    public int Uid { get; set; }

    /// <summary>Owner gid of added files.</summary>
    public int Gid { get; set; }

    /// <summary>Registries (<c>host:port</c>) that may be reached over plain HTTP.</summary>
    public ICollection<string> InsecureRegistries { get; } = [];

    /// <summary>A PEM file of extra certificate authorities to trust for registries.</summary>
    public FilePath? CaFile { get; set; }

    /// <summary>A folder where built layers are remembered, so unchanged folders are not compressed again (while their blobs are in the output). Null: no cache.</summary>
    public DirectoryPath? LayerCacheDirectory { get; set; }

    /// <summary>Seconds since 1970 for every timestamp; default SOURCE_DATE_EPOCH, else the HEAD commit time, else 0.</summary>
    public long? SourceDateEpoch { get; set; }

    internal Core.Registry.RegistryConnectionOptions ToConnection(ICakeContext context) => new()
    {
        InsecureRegistries = [.. InsecureRegistries],
        CaFile = CaFile?.MakeAbsolute(context.Environment.WorkingDirectory).FullPath,
    };

    internal ImageBuildRequest ToRequest(ICakeContext context, ILoggerFactory loggerFactory)
    {
        if (string.IsNullOrWhiteSpace(Output))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidLocation,
                $"{nameof(ToolkitBuildImageSettings)}.{nameof(Output)} is required: set it to where the image goes, e.g. oci:artifacts/image:1.0.0, oci-archive:<file> or docker-archive:<file>.");
        }

        var root = context.Environment.WorkingDirectory;
        string Full(string path) => new DirectoryPath(path).MakeAbsolute(root).FullPath;
        var layers = new List<LayerSpec>();
        var entrypoint = Entrypoint.Count > 0 ? Entrypoint.ToArray() : null;
        if (PublishDirectory is not null)
        {
            var publish = PublishDirectory.MakeAbsolute(root).FullPath;
            layers.Add(new LayerSpec(publish, WorkingDirectory));
            if (entrypoint is null && AssemblyName is not null)
            {
                entrypoint = [.. DotNetEntrypoint.Resolve(publish, AssemblyName, WorkingDirectory)];
            }
        }

        layers.AddRange(Layers.Select(l => BuildInputs.ParseLayer(Rebase(l, Full))));
        var environment = new CakeEnvironmentVariables(context.Environment);
        var timestamp = new Core.Oci.Build.SourceDateEpoch(environment, Core.Host.ProcessRunner.Instance, loggerFactory.CreateLogger<ToolkitBuildImageSettings>())
            .ResolveAsync(SourceDateEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture), "SourceDateEpoch", root.FullPath, CancellationToken.None).GetAwaiter().GetResult();

        return new ImageBuildRequest
        {
            BaseImage = ImageLocation.Parse(RebaseLocation(BaseImage, Full)),
            Output = ImageLocation.Parse(RebaseLocation(Output, Full)),
            Tags = [.. Tags],
            Layers = layers,
            Platforms = BuildInputs.ParsePlatforms(Platforms, []),
            Config = new ImageConfigEdits
            {
                Entrypoint = entrypoint,
                Cmd = Cmd.Count > 0 ? [.. Cmd] : null,
                Environment = new Dictionary<string, string>(Environment),
                WorkingDirectory = WorkingDirectory,
                User = User,
                Labels = new Dictionary<string, string>(Labels),
                Ports = [.. Ports],
            },
            Metadata = new ImageMetadata
            {
                Source = SourceUrl,
                Revision = Revision,
                Version = Version,
                BaseName = BaseName,
                Annotations = new Dictionary<string, string>(Annotations),
            },
            Compression = BuildInputs.ParseCompression(Compression),
            Uid = Uid,
            Gid = Gid,
            LayerCacheDirectory = LayerCacheDirectory?.MakeAbsolute(root).FullPath,
            Timestamp = timestamp,
        };
    }

    private static string Rebase(string layer, Func<string, string> full)
    {
        var spec = layer.LastIndexOf(':') is var colon and > 0 && colon < layer.Length - 1 && layer[colon + 1] == '/'
            ? (Dir: layer[..colon], Path: layer[colon..])
            : (Dir: layer, Path: string.Empty);
        return full(spec.Dir) + spec.Path;
    }

    /// <summary>Makes the path of a local location (<c>oci:dir</c>, archives) absolute against the Cake working directory.</summary>
    /// <summary>Makes the path of a local location absolute against <paramref name="root"/>; registry references stay as they are.</summary>
    internal static string RebaseLocation(string location, DirectoryPath root)
        => RebaseLocation(location, path => new DirectoryPath(path).MakeAbsolute(root).FullPath);

    private static string RebaseLocation(string location, Func<string, string> full)
    {
        foreach (var prefix in new[] { "oci:", "oci-archive:", "docker-archive:" })
        {
            if (location.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = location[prefix.Length..];
                var colon = rest.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? prefix + full(rest) : prefix + full(rest[..colon]) + rest[colon..];
            }
        }

        return location;
    }
}
