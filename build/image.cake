// The main job's image stage: publish the sample app and build its image with the Toolkit Cake addin.
// build/build.cake runs this after compiling the addin into artifacts/addin. To use the addin from a
// package instead, see README.md ("Cake").
#r "../artifacts/addin/Toolkit.Cake.dll"

var configuration = Argument("configuration", "Release");
var baseImage = Argument("base", "scratch");
var pushTo = Argument("push", string.Empty);
var insecureRegistries = Arguments<string>("insecure-registry", Array.Empty<string>());

var repo = MakeAbsolute(Directory(".."));
var publish = repo.Combine("artifacts/publish/Sample.Api");
var imageLayout = repo.Combine("artifacts/image");
var sbomFile = repo.CombineWithFilePath("artifacts/sbom/Sample.Api.cdx.json");

Task("Default")
    .Does(() =>
{
    DotNetPublish(repo.CombineWithFilePath("samples/Sample.Api/Sample.Api.csproj").FullPath, new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = "linux-x64",
        SelfContained = false,
        OutputDirectory = publish,
        // Path-independent, deterministic binaries, so the image digest does not depend on where the repository is.
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("ContinuousIntegrationBuild", "true"),
    });

    var revision = GitRevision();
    var image = ToolkitBuildImage(new ToolkitBuildImageSettings
    {
        BaseImage = baseImage,
        Output = $"oci:{imageLayout.FullPath}:latest",
        PublishDirectory = publish,
        AssemblyName = "Sample.Api",
        Ports = { "8080/tcp" },
        Environment = { ["ASPNETCORE_HTTP_PORTS"] = "8080" },
        Revision = revision,
        Version = "1.0.0",
    });

    Information("Image {0}", imageLayout.FullPath);
    Information("Digest {0}", image.Digest);

    // The SBOM: the image's contents (the app's deps.json, the runtime, OS packages of the base) and the project's
    // NuGet packages, in one CycloneDX document, attached to the image as a referrer of its manifest.
    var sbom = ToolkitGenerateSbom(new ToolkitGenerateSbomSettings
    {
        Image = $"oci:{imageLayout.FullPath}:latest",
        Project = repo.CombineWithFilePath("samples/Sample.Api/Sample.Api.csproj"),
        Output = sbomFile,
        Attach = true,
    });
    Information("SBOM {0} ({1}, {2} components), attached as {3}", sbomFile.FullPath, sbom.Format, sbom.Components, sbom.Referrer);

    if (!string.IsNullOrEmpty(pushTo))
    {
        var settings = new ToolkitPushImageSettings { Source = $"oci:{imageLayout.FullPath}:latest", Destination = pushTo };
        foreach (var registry in insecureRegistries.Where(r => !string.IsNullOrEmpty(r)))
        {
            settings.InsecureRegistries.Add(registry);
        }

        var pushed = ToolkitPushImage(settings);
        Information("Pushed {0} {1} ({2} bytes uploaded, {3} blobs already there)", pushed.Destination, pushed.Digest, pushed.BytesUploaded, pushed.BlobsSkipped);
    }
});

string GitRevision()
{
    try
    {
        var exitCode = StartProcess("git", new ProcessSettings { Arguments = "rev-parse HEAD", RedirectStandardOutput = true, WorkingDirectory = repo }, out var lines);
        return exitCode == 0 ? lines.FirstOrDefault()?.Trim() : null;
    }
    catch (Exception)
    {
        return null; // not a git checkout: no revision label
    }
}

RunTarget("Default");
