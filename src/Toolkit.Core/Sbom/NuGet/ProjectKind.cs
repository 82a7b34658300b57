using System.Xml;
using System.Xml.Linq;

namespace Toolkit.Core.Sbom.NuGet;

/// <summary>Whether a project builds an application or a library, read from the project file itself (no MSBuild evaluation).</summary>
internal static class ProjectKind
{
    /// <summary>SDKs whose projects are executables unless they say otherwise.</summary>
    private static readonly string[] ApplicationSdks =
    [
        "Microsoft.NET.Sdk.Web", "Microsoft.NET.Sdk.Worker", "Microsoft.NET.Sdk.BlazorWebAssembly", "Aspire.AppHost.Sdk",
    ];

    /// <summary>
    /// An application when the project's <c>OutputType</c> is an executable, when its SDK makes one (web, worker), or when
    /// it references the test SDK (a test host); a library otherwise, and when the file cannot be read.
    /// </summary>
    public static bool IsApplication(string projectPath)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(projectPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException)
        {
            return false;
        }

        var root = document.Root;
        if (root is null)
        {
            return false;
        }

        var outputType = root.Descendants().LastOrDefault(e => e.Name.LocalName == "OutputType")?.Value.Trim();
        if (outputType is { Length: > 0 })
        {
            return !string.Equals(outputType, "Library", StringComparison.OrdinalIgnoreCase)
                   && !string.Equals(outputType, "Module", StringComparison.OrdinalIgnoreCase);
        }

        var sdks = ((string?)root.Attribute("Sdk") ?? string.Empty).Split(';', StringSplitOptions.TrimEntries)
            .Concat(root.Elements().Where(e => e.Name.LocalName is "Sdk" or "Import").Select(e => (string?)e.Attribute("Name") ?? (string?)e.Attribute("Sdk") ?? string.Empty))
            .Select(s => s.Split('/')[0]);
        if (sdks.Any(s => ApplicationSdks.Contains(s, StringComparer.OrdinalIgnoreCase)))
        {
            return true;
        }

        return root.Descendants()
            .Where(e => e.Name.LocalName == "PackageReference")
            .Any(e => string.Equals((string?)e.Attribute("Include"), "Microsoft.NET.Test.Sdk", StringComparison.OrdinalIgnoreCase));
    }
}
