using System.CommandLine;
using Microsoft.Extensions.Logging;
using Toolkit.Cli.Progress;
using Toolkit.Core.Oci;
using Toolkit.Core.Host;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;
using Toolkit.Core.Storage;

namespace Toolkit.Cli.Commands;

/// <summary><c>dotnet toolkit image ...</c>: build and inspect images.</summary>
internal static class ImageCommands
{
    public static Command Create(CliHost host)
    {
        var image = new Command("image", "Build, inspect and copy container images.");
        image.Add(CreateBuild(host));
        image.Add(CreateInspect(host));
        image.Add(CreatePush(host));
        image.Add(CreateAttach(host));
        image.Add(CreateReferrers(host));
        return image;
    }

    private static Command CreateBuild(CliHost host)
    {
        var from = new Option<string>("--from") { Description = "Base image: scratch, oci:<dir>[:<tag>], oci-archive:<file>, docker-archive:<file> or a registry reference.", DefaultValueFactory = _ => "scratch" };
        var layers = new Option<string[]>("--layer") { Description = "A folder to add as one layer, at a path in the image: <dir>[:<path-in-image>] (default path /app). Repeatable.", AllowMultipleArgumentsPerToken = false };
        var platformLayers = new Option<string[]>("--platform-layer") { Description = "A layer for one platform only: <os/arch[/variant]>=<dir>[:<path-in-image>]. Repeatable." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the image: oci:<dir>[:<tag>], oci-archive:<file>[:<tag>], docker-archive:<file>[:<repo:tag>].", Required = true };
        var tags = new Option<string[]>("--tag", "-t") { Description = "Extra tag for the output. Repeatable." };
        var platforms = new Option<string[]>("--platform") { Description = "Platform to build, os/arch[/variant] (e.g. linux/amd64). Repeatable: several make an OCI index." };
        var entrypoint = new Option<string[]>("--entrypoint") { Description = "Entrypoint, one argument per use (e.g. --entrypoint dotnet --entrypoint app.dll)." };
        var cmd = new Option<string[]>("--cmd") { Description = "Default command arguments, one per use." };
        var env = new Option<string[]>("--env", "-e") { Description = "Environment variable NAME=VALUE. Repeatable." };
        var workdir = new Option<string?>("--workdir") { Description = "Working directory in the image (absolute)." };
        var user = new Option<string?>("--user") { Description = "User (name or uid[:gid]) the container runs as." };
        var labels = new Option<string[]>("--label") { Description = "Config label KEY=VALUE. Repeatable." };
        var annotations = new Option<string[]>("--annotation") { Description = "Manifest annotation KEY=VALUE. Repeatable." };
        var ports = new Option<string[]>("--port") { Description = "Port to expose: 8080, 8080/tcp or 53/udp. Repeatable." };
        var stopSignal = new Option<string?>("--stop-signal") { Description = "Signal that stops the container, e.g. SIGTERM." };
        var source = new Option<string?>("--source") { Description = "Source repository URL (org.opencontainers.image.source)." };
        var revision = new Option<string?>("--revision") { Description = "Source revision (org.opencontainers.image.revision)." };
        var version = new Option<string?>("--image-version") { Description = "Version of the software (org.opencontainers.image.version)." };
        var baseName = new Option<string?>("--base-name") { Description = "Fully qualified name of the base (org.opencontainers.image.base.name)." };
        var compression = new Option<string>("--compression") { Description = "Layer compression: gzip (default), zstd or none.", DefaultValueFactory = _ => "gzip" };
        compression.AcceptOnlyFromAmong("gzip", "zstd", "none");
        var level = new Option<int?>("--compression-level") { Description = "Compression level (gzip 1-9, default 6; zstd 1-22, default 3)." };
        var uid = new Option<int>("--uid") { Description = "Owner uid of added files (default 0)." };
        var gid = new Option<int>("--gid") { Description = "Owner gid of added files (default 0)." };
        var layerCache = new Option<string?>("--layer-cache") { Description = "A folder to remember built layers in: an unchanged folder is not tarred and compressed again while its blob is in the output." };
        var epoch = new Option<string?>("--source-date-epoch") { Description = "Timestamp for files and config, in seconds since 1970 (default: SOURCE_DATE_EPOCH, else the HEAD commit time, else 0)." };

        var command = new Command("build", "Build an image from folders on a base, without a Docker daemon. The same inputs always give the same digest.")
        {
            from, layers, platformLayers, output, tags, platforms, entrypoint, cmd, env, workdir, user, labels, annotations, ports,
            stopSignal, source, revision, version, baseName, compression, level, uid, gid, layerCache, epoch,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var logger = host.LoggerFactory;
            var timestamp = await new SourceDateEpoch(ProcessEnvironmentVariables.Instance, ProcessRunner.Instance, logger.CreateLogger<SourceDateEpoch>())
                .ResolveAsync(parseResult.GetValue(epoch), "--source-date-epoch", Environment.CurrentDirectory, cancellationToken).ConfigureAwait(false);

            var request = new ImageBuildRequest
            {
                BaseImage = ImageLocation.Parse(parseResult.GetValue(from)!),
                Output = ImageLocation.Parse(parseResult.GetValue(output)!),
                Tags = parseResult.GetValue(tags) ?? [],
                Layers = [.. (parseResult.GetValue(layers) ?? []).Select(BuildInputs.ParseLayer)],
                Platforms = BuildInputs.ParsePlatforms(parseResult.GetValue(platforms) ?? [], parseResult.GetValue(platformLayers) ?? []),
                Config = new ImageConfigEdits
                {
                    Entrypoint = NullIfEmpty(parseResult.GetValue(entrypoint)),
                    Cmd = NullIfEmpty(parseResult.GetValue(cmd)),
                    Environment = BuildInputs.ParsePairs(parseResult.GetValue(env), "--env"),
                    WorkingDirectory = parseResult.GetValue(workdir),
                    User = parseResult.GetValue(user),
                    Labels = BuildInputs.ParsePairs(parseResult.GetValue(labels), "--label"),
                    Ports = parseResult.GetValue(ports) ?? [],
                    StopSignal = parseResult.GetValue(stopSignal),
                },
                Metadata = new ImageMetadata
                {
                    Source = parseResult.GetValue(source),
                    Revision = parseResult.GetValue(revision),
                    Version = parseResult.GetValue(version),
                    BaseName = parseResult.GetValue(baseName),
                    Annotations = BuildInputs.ParsePairs(parseResult.GetValue(annotations), "--annotation"),
                },
                Compression = BuildInputs.ParseCompression(parseResult.GetValue(compression)),
                CompressionLevel = parseResult.GetValue(level),
                Uid = parseResult.GetValue(uid),
                Gid = parseResult.GetValue(gid),
                LayerCacheDirectory = parseResult.GetValue(layerCache),
                Timestamp = timestamp,
            };

            var built = await new ImageBuilder(logger, host.RegistryClients(parseResult)).BuildAsync(request, cancellationToken).ConfigureAwait(false);
            await ResultWriter.WriteBuildAsync(host, parseResult, built, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateInspect(CliHost host)
    {
        var location = new Argument<string>("image") { Description = "The image: oci:<dir>[:<tag>], oci-archive:<file>, docker-archive:<file> or a registry reference." };
        var command = new Command("inspect", "Show an image's manifest, platforms, configuration and layers.") { location };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var inspection = await new ImageInspector(host.LoggerFactory, host.RegistryClients(parseResult))
                .InspectAsync(ImageLocation.Parse(parseResult.GetValue(location)!), cancellationToken).ConfigureAwait(false);
            await ResultWriter.WriteInspectionAsync(host, parseResult, inspection, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreatePush(CliHost host)
    {
        var source = new Argument<string>("source") { Description = "The image to copy: oci:<dir>[:<tag>], oci-archive:<file>, docker-archive:<file> or a registry reference." };
        var destination = new Argument<string>("destination") { Description = "Where to put it: a registry reference (registry/repo:tag or @sha256:...) or any local location." };
        var tags = new Option<string[]>("--tag", "-t") { Description = "Tag to apply at the destination instead of its own. Repeatable." };
        var parallel = new Option<int>("--parallel") { Description = "Blobs uploaded at the same time (1-64).", DefaultValueFactory = _ => PushOptions.DefaultParallelUploads };
        var chunkSize = new Option<string?>("--chunk-size") { Description = "Upload large blobs in parts of this size (bytes or a number with K, M or G, at least 1M), for registries or proxies that limit request sizes; by default each blob is streamed in one request." };
        var format = new Option<string?>("--format", "-f") { Description = "Write manifests as oci or docker (schema 2), converting those in the other format; their digests change. Default: keep them byte for byte." };
        format.AcceptOnlyFromAmong("oci", "docker");
        var ensureRepository = new Option<bool>("--ensure-repository") { Description = "Pushing to Amazon ECR: first create the repository when it is missing (ECR does not create repositories on push). For its settings (encryption, immutability, scanning, policies) use 'ecr ensure-repository'." };
        var command = new Command("push", "Copy an image between two locations, to or from a registry, keeping every digest (unless --format converts).")
        {
            source, destination, tags, parallel, chunkSize, format, ensureRepository,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var upload = new BlobUploadOptions();
            if (parseResult.GetValue(chunkSize) is { } chunk)
            {
                upload = upload with { ChunkSize = PushOptions.ParseChunkSize(chunk) };
            }

            var from = ImageLocation.Parse(parseResult.GetValue(source)!);
            var to = ImageLocation.Parse(parseResult.GetValue(destination)!);
            if (parseResult.GetValue(ensureRepository))
            {
                await EcrCommands.EnsureRepositoryBeforePushAsync(host, parseResult, to, cancellationToken).ConfigureAwait(false);
            }

            using var progress = host.ShowsProgress(parseResult) ? new PushProgressView(host.ErrorConsole, host.Terminal, to.ToString(), TimeProvider.System) : null;
            var options = new PushOptions
            {
                Tags = parseResult.GetValue(tags) ?? [],
                MaxParallelUploads = parseResult.GetValue(parallel),
                Upload = upload,
                Format = ImageFormats.Parse(parseResult.GetValue(format)),
                Progress = progress,
            };
            var started = TimeProvider.System.GetTimestamp();
            var result = await new RegistryPusher(host.RegistryClients(parseResult), host.LoggerFactory).PushAsync(from, to, options, cancellationToken).ConfigureAwait(false);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            progress?.Dispose();
            await ResultWriter.WritePushAsync(host, parseResult, result, elapsed, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateAttach(CliHost host)
    {
        var location = new Argument<string>("image") { Description = "The image to attach to (the subject): a registry reference or oci:<dir>[:<tag>]." };
        var artifactType = new Option<string>("--artifact-type") { Description = "The artifact's type, a media type such as application/spdx+json or application/vnd.cncf.notary.signature.", Required = true };
        var files = new Option<string[]>("--file") { Description = "A file to attach, one layer each: <path>[:<mediaType>] (default application/octet-stream). Repeatable." };
        var config = new Option<string?>("--config") { Description = "A config blob, <path>:<mediaType> (default: the empty config application/vnd.oci.empty.v1+json)." };
        var annotations = new Option<string[]>("--annotation") { Description = "Manifest annotation KEY=VALUE (e.g. org.opencontainers.image.created=...). Repeatable." };
        var command = new Command("attach", "Attach an artifact (SBOM, signature, attestation) to an image as an OCI 1.1 referrer; prints the referrer's digest.")
        {
            location, artifactType, files, config, annotations,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var layers = new List<ArtifactBlob>();
            foreach (var file in parseResult.GetValue(files) ?? [])
            {
                layers.Add(await ArtifactBlob.FromFileSpecAsync(file, cancellationToken).ConfigureAwait(false));
            }

            var artifact = new Artifact
            {
                ArtifactType = parseResult.GetValue(artifactType)!,
                Layers = layers,
                Config = parseResult.GetValue(config) is { } configSpec ? await ArtifactBlob.FromFileSpecAsync(configSpec, cancellationToken).ConfigureAwait(false) : null,
                Annotations = BuildInputs.ParsePairs(parseResult.GetValue(annotations), "--annotation"),
            };
            var attached = await new ImageReferrers(host.RegistryClients(parseResult), host.LoggerFactory)
                .AttachAsync(ImageLocation.Parse(parseResult.GetValue(location)!), artifact, cancellationToken).ConfigureAwait(false);
            await ResultWriter.WriteAttachAsync(host, parseResult, attached, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateReferrers(CliHost host)
    {
        var location = new Argument<string>("image") { Description = "The image (the subject): a registry reference or oci:<dir>[:<tag>]." };
        var artifactType = new Option<string?>("--artifact-type") { Description = "Only referrers of this artifact type." };
        var command = new Command("referrers", "List the artifacts attached to an image (OCI 1.1 referrers): Referrers API, else the referrers tag schema.") { location, artifactType };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var listing = await new ImageReferrers(host.RegistryClients(parseResult), host.LoggerFactory)
                .ListAsync(ImageLocation.Parse(parseResult.GetValue(location)!), parseResult.GetValue(artifactType), cancellationToken).ConfigureAwait(false);
            await ResultWriter.WriteReferrersAsync(host, parseResult, listing, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
