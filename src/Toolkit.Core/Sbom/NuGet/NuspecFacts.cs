using System.Xml;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Licenses;

namespace Toolkit.Core.Sbom.NuGet;

/// <summary>What a package's own <c>.nuspec</c> says that the assets file does not: licence, description, development-only.</summary>
internal sealed record NuspecFacts(IReadOnlyList<SbomLicense> Licenses, string? Description, bool DevelopmentDependency)
{
    /// <summary>The licence name used for a package that only gives a <c>licenseUrl</c> (the URL is the licence's only description).</summary>
    public const string UrlOnlyLicenseName = "Unknown - see URL";

    /// <summary>
    /// Reads the nuspec at <paramref name="path"/>. Licences: <c>&lt;license type="expression"&gt;</c> becomes an SPDX id
    /// (a single standard licence) or an expression; <c>type="file"</c> names the file in the package; otherwise the
    /// <c>&lt;licenseUrl&gt;</c> (never fetched) is kept as the licence's URL.
    /// </summary>
    public static NuspecFacts Read(string path)
    {
        var reader = new NuspecReader(path);
        return new NuspecFacts(ReadLicenses(reader), Describe(reader), reader.GetDevelopmentDependency());
    }

    private static List<SbomLicense> ReadLicenses(NuspecReader reader)
    {
        var metadata = reader.GetLicenseMetadata();
        if (metadata is { Type: LicenseType.Expression } && !string.IsNullOrWhiteSpace(metadata.License))
        {
            return metadata.LicenseExpression is NuGetLicense { IsStandardLicense: true } single && !single.Plus
                ? [new SbomLicense { Id = single.Identifier }]
                : [new SbomLicense { Expression = metadata.License.Trim() }];
        }

        if (metadata is { Type: LicenseType.File } && !string.IsNullOrWhiteSpace(metadata.License))
        {
            // The licence text is a file inside the package; nuget pack writes a placeholder licenseUrl next to it, which says nothing.
            return [new SbomLicense { Name = $"{metadata.License.Trim()} (licence file in the package)" }];
        }

        var url = reader.GetLicenseUrl()?.Trim();
        return string.IsNullOrEmpty(url) ? [] : [new SbomLicense { Name = UrlOnlyLicenseName, Url = url }];
    }

    private static string? Describe(NuspecReader reader)
    {
        foreach (var text in new[] { reader.GetDescription(), reader.GetSummary(), reader.GetTitle() })
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                return text.Trim();
            }
        }

        return null;
    }

    /// <summary>Whether an exception from reading a nuspec means the file is unreadable or malformed (reported, not thrown).</summary>
    public static bool IsReadFailure(Exception exception)
        => exception is IOException or UnauthorizedAccessException or XmlException or PackagingException or InvalidDataException or FormatException or ArgumentException;
}
