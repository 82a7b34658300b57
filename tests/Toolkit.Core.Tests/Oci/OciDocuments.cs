using Toolkit.Core.Oci;

namespace Toolkit.Core.Tests.Oci;

/// <summary>Fully populated sample documents for the canonical JSON tests (maps filled out of order on purpose).</summary>
internal static class OciDocuments
{
    public static Digest DigestOf(string text) => Digest.Compute(System.Text.Encoding.UTF8.GetBytes(text));

    public static Descriptor Descriptor() => new(MediaTypes.OciLayerGzip, DigestOf("layer"), 3_374_446)
    {
        ArtifactType = "application/vnd.example.thing.v1",
        Urls = ["https://mirror.example.com/blobs/layer", "https://example.com/blobs/layer"],
        Annotations = new() { ["zeta"] = "last", [AnnotationKeys.Title] = "layer.tar.gz", ["Zeta"] = "upper case sorts first", ["alpha"] = "a" },
        Data = [0x7b, 0x7d],
        Platform = new Platform("linux", "arm64") { Variant = "v8", OsFeatures = ["feature-a"], Features = ["sse4"] },
    };

    public static ImageManifest Manifest() => new()
    {
        Config = new Descriptor(MediaTypes.OciConfig, DigestOf("config"), 1_035),
        Layers =
        [
            new Descriptor(MediaTypes.OciLayerGzip, DigestOf("base layer"), 3_374_446),
            new Descriptor(MediaTypes.OciLayerZstd, DigestOf("app layer"), 52_100)
            {
                Annotations = new() { [AnnotationKeys.Title] = "app", ["com.example.layer"] = "application" },
            },
        ],
        Subject = new Descriptor(MediaTypes.OciManifest, DigestOf("subject"), 481),
        Annotations = new()
        {
            [AnnotationKeys.Source] = "https://github.com/example/app",
            [AnnotationKeys.Created] = "2024-01-02T03:04:05Z",
            [AnnotationKeys.BaseName] = "mcr.microsoft.com/dotnet/aspnet:10.0",
            ["Org.Example.Upper"] = "sorts before lower case",
        },
    };

    public static ImageIndex Index() => new()
    {
        Manifests =
        [
            new Descriptor(MediaTypes.OciManifest, DigestOf("amd64 manifest"), 1_201)
            {
                Platform = new Platform("linux", "amd64"),
                Annotations = new() { [AnnotationKeys.RefName] = "1.0" },
            },
            new Descriptor(MediaTypes.OciManifest, DigestOf("arm64 manifest"), 1_202)
            {
                Platform = new Platform("linux", "arm64") { Variant = "v8" },
            },
            new Descriptor(MediaTypes.OciManifest, DigestOf("windows manifest"), 1_203)
            {
                Platform = new Platform("windows", "amd64") { OsVersion = "10.0.20348.2227", OsFeatures = ["win32k"] },
            },
        ],
        Annotations = new() { [AnnotationKeys.Version] = "1.0.0", [AnnotationKeys.Revision] = "0123456789abcdef" },
    };

    public static ImageConfig Config() => new()
    {
        Created = "2024-01-02T03:04:05Z",
        Author = "Toolkit tests",
        Architecture = "arm64",
        Os = "linux",
        Variant = "v8",
        Config = new ContainerConfig
        {
            User = "app:app",
            ExposedPorts = new() { ["8080/tcp"] = EmptyObject.Instance, ["443/tcp"] = EmptyObject.Instance, ["53/udp"] = EmptyObject.Instance },
            Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_UID=1654", "DOTNET_RUNNING_IN_CONTAINER=true"],
            Entrypoint = ["dotnet", "App.dll"],
            Cmd = ["--urls", "http://+:8080"],
            Volumes = new() { ["/data"] = EmptyObject.Instance },
            WorkingDir = "/app",
            Labels = new()
            {
                [AnnotationKeys.Version] = "1.0.0",
                ["maintainer"] = "team@example.com",
                ["Maintainer"] = "upper case sorts first",
                [AnnotationKeys.Created] = "2024-01-02T03:04:05Z",
            },
            StopSignal = "SIGTERM",
        },
        RootFs = new RootFs { DiffIds = [DigestOf("base diff"), DigestOf("app diff")] },
        History =
        [
            new HistoryEntry { Created = "2023-12-01T00:00:00Z", CreatedBy = "/bin/sh -c #(nop) ADD file:abc in / " },
            new HistoryEntry { Created = "2023-12-01T00:00:01Z", CreatedBy = "/bin/sh -c #(nop)  CMD [\"bash\"]", EmptyLayer = true },
            new HistoryEntry { Created = "2024-01-02T03:04:05Z", CreatedBy = "toolkit image build", Author = "Toolkit tests", Comment = "app layer" },
        ],
    };
}
