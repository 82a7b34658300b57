using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Reports;

/// <summary>
/// Reads scan reports of scanners other than a registry's own: Trivy JSON (<c>trivy image --format json</c>, schema
/// version 2) and Grype JSON (<c>grype -o json</c>), recognised by their shape. Each report is one image; a
/// vulnerability is one <see cref="Finding"/> per package, as both tools report it.
/// </summary>
public static class ScanReportReader
{
    public static async Task<ScanResult> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var content = await ScanInputFile.ReadTextAsync(path, ErrorCodes.ScanReportUnreadable, "scan report", "Check the path.", cancellationToken).ConfigureAwait(false);

        return Parse(content, path);
    }

    public static ScanResult Parse(string content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        var json = ScanInputFile.ParseJson(content, fileName, ErrorCodes.ScanReportMalformed, "scan report", "Produce it again with 'trivy image --format json' or 'grype -o json'.");

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("SchemaVersion", out _))
            {
                return TrivyReport.Read(root, fileName);
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("matches", out _))
            {
                return GrypeReport.Read(root, fileName);
            }

            throw Malformed(fileName, "it is neither a Trivy report (SchemaVersion, Results) nor a Grype report (matches)");
        }
    }

    internal static ToolkitException Malformed(string fileName, string problem) =>
        new(ErrorCodes.ScanReportMalformed, $"The scan report '{fileName}' cannot be read: {problem}. Produce it with 'trivy image --format json' or 'grype -o json'.");

    internal static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    internal static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : null;

    internal static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    internal static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>Splits <c>registry/team/app@sha256:...</c> into the repository path without the registry host, and the digest.</summary>
    internal static (string? Repository, string? Digest) SplitRepoDigest(string? repoDigest)
    {
        if (string.IsNullOrWhiteSpace(repoDigest))
        {
            return (null, null);
        }

        var at = repoDigest.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? repoDigest : repoDigest[..at];
        var digest = at < 0 ? null : repoDigest[(at + 1)..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var first = name[..slash];
            if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
            {
                name = name[(slash + 1)..];
            }
        }

        return (name.Length == 0 ? null : name, digest);
    }
}
