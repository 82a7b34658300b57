using Toolkit.Core.Oci;
using Toolkit.Core.Sbom;
using Toolkit.Core.Sbom.Documents;

namespace Toolkit.Core.Tests.Sbom.Documents;

/// <summary>
/// A hand-made SBOM of an image that exercises every field the writers render: an OS, Debian packages with
/// licenses that are and are not SPDX, NuGet packages reported by two catalogers (merged), a development-only
/// analyzer, an optional native file, a URL-only license, a LicenseRef expression, a framework, evidence with and without layers,
/// properties, hashes given in hex and in base64, and a name with non-ASCII characters and quotes.
/// </summary>
internal static class SbomSamples
{
    public static readonly Digest ImageDigest = Digest.Parse("sha256:" + new string('a', 64));
    public static readonly Digest BaseDigest = Digest.Parse("sha256:" + new string('b', 64));
    public static readonly Digest BaseLayer = Digest.Parse("sha256:" + new string('1', 64));
    public static readonly Digest AppLayer = Digest.Parse("sha256:" + new string('2', 64));

    public static readonly DateTimeOffset Timestamp = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public static readonly SbomTool Tool = new("dotnet-toolkit", "1.2.3");

    public const string Newtonsoft = "pkg:nuget/Newtonsoft.Json@13.0.3";
    public const string Logging = "pkg:nuget/Microsoft.Extensions.Logging@8.0.1";
    public const string LoggingAbstractions = "pkg:nuget/Microsoft.Extensions.Logging.Abstractions@8.0.2";
    public const string Analyzer = "pkg:nuget/StyleCop.Analyzers@1.1.118";
    public const string Legacy = "pkg:nuget/Legacy.Library@1.0.0";
    public const string Custom = "pkg:nuget/Custom.Licensed@2.0.0";
    public const string Unicode = "pkg:nuget/Caf%C3%A9.%22Quoted%22@1.0.0";
    public const string Libc = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
    public const string BaseFiles = "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12";
    public const string Os = "pkg:generic/debian@12";
    public const string Runtime = "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.5";
    public const string Project = "project:App@1.0.0";
    public const string NativeFile = "file:/app/runtimes/linux-x64/native/libe_sqlite3.so";

    public static SbomSubject Subject() => SbomSubject.ForImage(
        ImageReference.Parse("registry.example.com/team/app:1.0"),
        ImageDigest,
        Platform.LinuxAmd64,
        new Dictionary<string, string>
        {
            [AnnotationKeys.BaseName] = "docker.io/library/debian:12-slim",
            [AnnotationKeys.BaseDigest] = BaseDigest.ToString(),
            [AnnotationKeys.Source] = "https://github.com/example/app",
            [AnnotationKeys.Revision] = "0123456789abcdef0123456789abcdef01234567",
            [AnnotationKeys.Licenses] = "Apache-2.0",
            [AnnotationKeys.Description] = "The example app",
        });

    public static SbomDocumentOptions Options() => new() { Timestamp = Timestamp, Tools = [Tool] };

    /// <summary>What a NuGet cataloger would report for the project.</summary>
    public static CatalogResult NuGet() => new()
    {
        Components =
        [
            new SbomComponent
            {
                BomRef = Project,
                Type = SbomComponentType.Application,
                Name = "App",
                Version = "1.0.0",
                Evidence = [new SbomEvidence("src/App/App.csproj")],
            },
            new SbomComponent
            {
                BomRef = Newtonsoft,
                Type = SbomComponentType.Library,
                Name = "Newtonsoft.Json",
                Version = "13.0.3",
                Purl = Newtonsoft,
                Supplier = "James Newton-King",
                Description = "Json.NET is a popular high-performance JSON framework for .NET",
                // As project.assets.json stores it: base64.
                Hashes = [new SbomHash("sha512", Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()))],
                Licenses = [new SbomLicense { Expression = "MIT" }],
                Properties = [new("toolkit:nuget:targetFramework", "net8.0")],
            },
            new SbomComponent
            {
                BomRef = Logging,
                Type = SbomComponentType.Library,
                Name = "Microsoft.Extensions.Logging",
                Version = "8.0.1",
                Purl = Logging,
                Licenses = [new SbomLicense { Expression = "mit or apache-2.0" }],
                Hashes = [new SbomHash("SHA-512", new string('C', 128))],
            },
            new SbomComponent
            {
                BomRef = LoggingAbstractions,
                Type = SbomComponentType.Library,
                Name = "Microsoft.Extensions.Logging.Abstractions",
                Version = "8.0.2",
                Purl = LoggingAbstractions,
                Licenses = [new SbomLicense { Id = "MIT", Url = "https://licenses.nuget.org/MIT" }],
            },
            new SbomComponent
            {
                BomRef = Analyzer,
                Type = SbomComponentType.Library,
                Name = "StyleCop.Analyzers",
                Version = "1.1.118",
                Purl = Analyzer,
                Scope = SbomComponentScope.Excluded,
                Licenses = [new SbomLicense { Expression = "MIT" }],
                Properties = [new("toolkit:nuget:developmentDependency", "true")],
            },
            new SbomComponent
            {
                BomRef = Legacy,
                Type = SbomComponentType.Library,
                Name = "Legacy.Library",
                Version = "1.0.0",
                Purl = Legacy,
                Licenses = [new SbomLicense { Url = "https://example.com/legacy/LICENSE.txt" }],
            },
            new SbomComponent
            {
                BomRef = Custom,
                Type = SbomComponentType.Library,
                Name = "Custom.Licensed",
                Version = "2.0.0",
                Purl = Custom,
                Licenses = [new SbomLicense { Expression = "LicenseRef-Custom-EULA OR GPL-3.0-or-later WITH Classpath-exception-2.0" }],
            },
            new SbomComponent
            {
                BomRef = Unicode,
                Type = SbomComponentType.Library,
                Name = "Café.\"Quoted\"",
                Version = "1.0.0",
                Purl = Unicode,
                Description = "Ünïcødé \"quotes\", a back\\slash, a tab\tand <html> & 日本語 😀",
                Licenses = [new SbomLicense { Name = "Ünïcødé Licence \"v1\"" }],
            },
        ],
        Dependencies =
        [
            new SbomDependency(Project, [Newtonsoft, Logging, Analyzer, Legacy, Custom, Unicode]),
            new SbomDependency(Logging, [LoggingAbstractions]),
            new SbomDependency(LoggingAbstractions, []),
            new SbomDependency(Newtonsoft, []),
        ],
        Notes = ["NuGet: the package folder lacks Legacy.Library's .nuspec; its license URL comes from the assets file."],
    };

    /// <summary>What an image cataloger would report: the OS, dpkg packages, deps.json libraries (overlapping NuGet's).</summary>
    public static CatalogResult Image() => new()
    {
        Components =
        [
            new SbomComponent
            {
                BomRef = Os,
                Type = SbomComponentType.OperatingSystem,
                Name = "debian",
                Version = "12",
                Description = "Debian GNU/Linux 12 (bookworm)",
                Evidence = [new SbomEvidence("/etc/os-release", BaseLayer)],
            },
            new SbomComponent
            {
                BomRef = Libc,
                Type = SbomComponentType.Library,
                Name = "libc6",
                Version = "2.36-9+deb12u4",
                Purl = Libc,
                Supplier = "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
                Licenses = [new SbomLicense { Id = "LGPL-2.1" }, new SbomLicense { Id = "GPL-2+" }],
                Evidence = [new SbomEvidence("/var/lib/dpkg/status", BaseLayer)],
                Hashes = [new SbomHash("MD5", "0123456789ABCDEF0123456789ABCDEF")],
            },
            new SbomComponent
            {
                BomRef = BaseFiles,
                Type = SbomComponentType.Library,
                Name = "base-files",
                Group = "debian",
                Version = "12.4+deb12u5",
                Purl = BaseFiles,
                Licenses = [new SbomLicense { Name = "GPL" }],
                Evidence = [new SbomEvidence("/var/lib/dpkg/status", BaseLayer)],
            },
            new SbomComponent
            {
                BomRef = NativeFile,
                Type = SbomComponentType.File,
                Name = "libe_sqlite3.so",
                Scope = SbomComponentScope.Optional,
                Hashes = [new SbomHash("SHA-256", new string('d', 64)), new SbomHash("SHA-1", new string('e', 40))],
                Evidence = [new SbomEvidence("/app/runtimes/linux-x64/native/libe_sqlite3.so", AppLayer)],
            },
            new SbomComponent
            {
                BomRef = Runtime,
                Type = SbomComponentType.Framework,
                Name = "Microsoft.NETCore.App.Runtime.linux-x64",
                Version = "8.0.5",
                Purl = Runtime,
                Evidence = [new SbomEvidence("/app/App.deps.json", AppLayer)],
            },
            new SbomComponent
            {
                BomRef = Newtonsoft,
                Type = SbomComponentType.Library,
                Name = "Newtonsoft.Json",
                Version = "13.0.3",
                Purl = Newtonsoft,
                Hashes = [new SbomHash("SHA-512", Convert.ToHexStringLower(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()))],
                Evidence = [new SbomEvidence("/app/App.deps.json", AppLayer), new SbomEvidence("/app/Newtonsoft.Json.dll", AppLayer)],
                Properties = [new("toolkit:dotnet:assemblyVersion", "13.0.0.0")],
            },
        ],
        Dependencies =
        [
            new SbomDependency(Libc, []),
            new SbomDependency(BaseFiles, []),
        ],
        Notes = ["rpm: no rpm database in the image."],
    };

    public static SbomDocument Document() => new SbomDocumentBuilder(new Toolkit.Core.Host.DictionaryEnvironmentVariables(new Dictionary<string, string>()))
        .Build(Subject(), [NuGet(), Image()], Options());
}
