using System.CommandLine;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;
using Toolkit.Core.Sbom.NuGet;
using Toolkit.Core.Storage;

namespace Toolkit.Cli.Commands;

/// <summary><c>dotnet toolkit sbom ...</c>: describe an image and/or a project, and attach the description to the image.</summary>
internal static class SbomCommands
{
    public static Command Create(CliHost host)
    {
        var sbom = new Command("sbom", "Generate SBOMs (CycloneDX, SPDX) of images and projects, and attach them to images.");
        sbom.Add(CreateGenerate(host));
        sbom.Add(CreateAttach(host));
        return sbom;
    }

    private static Command CreateGenerate(CliHost host)
    {
        var image = new Option<string?>("--image") { Description = "The image to describe: oci:<dir>[:<tag>], oci-archive:<file>, docker-archive:<file> or a registry reference." };
        var project = new Option<string?>("--project") { Description = "A project, solution or folder whose restored NuGet packages to describe (with --image: added to the image's contents)." };
        var format = new Option<string>("--format", "-f") { Description = "cyclonedx-json (1.6), cyclonedx-json@1.5, cyclonedx-json@1.7 or spdx-json (2.3).", DefaultValueFactory = _ => "cyclonedx-json" };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write; without it (and without --attach) the document goes to standard output." };
        var platform = new Option<string?>("--platform") { Description = "The platform to describe when the image is an index of several (os/arch[/variant]; default: the only one, else linux/amd64)." };
        var attach = new Option<bool>("--attach") { Description = "Also attach the SBOM to the image (a referrer of the manifest it describes), in a registry or an oci: layout." };
        var serial = new Option<string?>("--serial-number") { Description = "The serial number (urn:uuid:<uuid>); default: derived from the image digest, so it is the same on every run." };
        var excludeDev = new Option<bool>("--exclude-dev") { Description = "Leave out development-only packages (analyzers, PrivateAssets=all build tools, developmentDependency) instead of marking them excluded." };
        var framework = new Option<string?>("--framework") { Description = "Only the packages of this target framework of the project (e.g. net10.0)." };
        var runtime = new Option<string?>("--runtime", "-r") { Description = "Only the packages of this runtime identifier of the project (e.g. linux-x64)." };
        var command = new Command("generate", "Describe an image (its OS packages, .NET apps and runtime, read from its layers) and/or a project's NuGet packages in one SBOM.")
        {
            image, project, format, output, platform, attach, serial, excludeDev, framework, runtime,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var imageText = parseResult.GetValue(image);
            var location = imageText is null ? null : ImageLocation.Parse(imageText);
            var sbomFormat = SbomFormat.Parse(parseResult.GetValue(format)!);
            var request = new SbomRequest
            {
                Image = location,
                Project = parseResult.GetValue(project),
                Format = sbomFormat,
                Platform = parseResult.GetValue(platform) is { } p ? Platform.Parse(p) : null,
                Document = new SbomDocumentOptions { SerialNumber = parseResult.GetValue(serial) is { } s ? SbomDocumentOptions.ParseSerialNumber(s) : null },
                ProjectOptions = new NuGetCatalogOptions
                {
                    ExcludeDevelopmentDependencies = parseResult.GetValue(excludeDev),
                    TargetFramework = parseResult.GetValue(framework),
                    RuntimeIdentifier = parseResult.GetValue(runtime),
                },
            };
            var wantsAttach = parseResult.GetValue(attach);
            if (wantsAttach && location is null)
            {
                throw new ToolkitException(ErrorCodes.InvalidOption, "--attach needs --image: an SBOM is attached to the image it describes.");
            }

            var generator = new SbomGenerator(host.RegistryClients(parseResult), host.LoggerFactory);
            var result = await generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
            var file = parseResult.GetValue(output);
            if (file is not null)
            {
                await result.WriteFileAsync(file, cancellationToken).ConfigureAwait(false);
            }

            string? referrer = null;
            if (wantsAttach)
            {
                var attached = await generator.AttachAsync(location!, result.Content, sbomFormat, request.Platform, cancellationToken).ConfigureAwait(false);
                referrer = attached.Referrer.Digest.ToString();
            }

            if (file is null && !wantsAttach)
            {
                await host.Output.WriteAsync(System.Text.Encoding.UTF8.GetString(result.Content).AsMemory(), cancellationToken).ConfigureAwait(false);
                await host.Output.WriteLineAsync().ConfigureAwait(false);
                return ToolkitCommandLine.Success;
            }

            await ResultWriter.WriteSbomAsync(host, parseResult, result, file, referrer, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }

    private static Command CreateAttach(CliHost host)
    {
        var image = new Option<string>("--image") { Description = "The image the SBOM describes: a registry reference or oci:<dir>[:<tag>].", Required = true };
        var file = new Argument<string>("file") { Description = "The SBOM file (CycloneDX or SPDX JSON)." };
        var platform = new Option<string?>("--platform") { Description = "When the image is an index: the platform manifest to attach to (default: the only one, else linux/amd64)." };
        var command = new Command("attach", "Attach an SBOM file to an image as a referrer of its manifest (artifact type application/vnd.cyclonedx+json or application/spdx+json); prints the referrer's digest.")
        {
            image, file, platform,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(file)!;
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new ToolkitException(ErrorCodes.ArtifactFileNotFound, $"The SBOM file {path} cannot be read ({exception.GetType().Name}): check the path.");
            }

            var format = SbomFormat.Detect(content, path);
            var attached = await new SbomGenerator(host.RegistryClients(parseResult), host.LoggerFactory)
                .AttachAsync(ImageLocation.Parse(parseResult.GetValue(image)!), content, format, parseResult.GetValue(platform) is { } p ? Platform.Parse(p) : null, cancellationToken)
                .ConfigureAwait(false);
            await ResultWriter.WriteAttachAsync(host, parseResult, attached, cancellationToken).ConfigureAwait(false);
            return ToolkitCommandLine.Success;
        });
        return command;
    }
}
