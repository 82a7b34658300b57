using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Scanning.Gate;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>
/// Writes the reports of a gate run (<see cref="GateResult"/> and the <see cref="GatePolicy"/> it applied): JSON for
/// machines, Markdown for the GitHub step summary, SARIF 2.1.0 for GitHub code scanning. Every format is UTF-8 without
/// BOM with <c>\n</c> line ends, and the same result, policy and options always give the same bytes.
/// </summary>
public static class GateReport
{
    /// <summary>The version of the JSON report's shape (<c>reportVersion</c>).</summary>
    public const int ReportVersion = 1;

    /// <summary>The serializer metadata of <see cref="GateReportDocument"/> (source-generated, so it works under Native AOT).</summary>
    public static JsonTypeInfo<GateReportDocument> DocumentTypeInfo { get; } = CreateContext().GateReportDocument;

    /// <summary>The file name extension each format is usually saved with (<c>.json</c>, <c>.md</c>, <c>.sarif</c>).</summary>
    public static string FileExtension(GateReportFormat format) => format switch
    {
        GateReportFormat.Json => ".json",
        GateReportFormat.Markdown => ".md",
        GateReportFormat.Sarif => ".sarif",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The JSON report as an object, for front-ends that embed it in their own output (serialize it with <see cref="DocumentTypeInfo"/>).</summary>
    public static GateReportDocument CreateDocument(GateResult result, GatePolicy policy, GateReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        return GateReportDocumentBuilder.Build(result, policy, Validate(options));
    }

    /// <summary>The report in <paramref name="format"/>, as bytes.</summary>
    public static byte[] ToBytes(GateResult result, GatePolicy policy, GateReportFormat format, GateReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        var checkedOptions = Validate(options);
        return format switch
        {
            GateReportFormat.Json => SerializeDocument(GateReportDocumentBuilder.Build(result, policy, checkedOptions)),
            GateReportFormat.Markdown => GateReportMarkdown.Render(result, policy, checkedOptions),
            GateReportFormat.Sarif => GateReportSarif.Render(result, policy, checkedOptions),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "The gate report formats are Json, Markdown and Sarif."),
        };
    }

    /// <summary>Writes the report in <paramref name="format"/> to <paramref name="destination"/> (which is left open).</summary>
    public static async Task WriteAsync(GateResult result, GatePolicy policy, GateReportFormat format, Stream destination, GateReportOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var bytes = ToBytes(result, policy, format, options);
        await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the report in <paramref name="format"/> to the file <paramref name="path"/>, creating its directory. The file
    /// appears whole or not at all (written beside it, then moved over it). TK4040 when it cannot be written.
    /// </summary>
    public static async Task WriteFileAsync(GateResult result, GatePolicy policy, GateReportFormat format, string path, GateReportOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes(result, policy, format, options);
        string target;
        try
        {
            target = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw NotWritable(path, e);
        }

        var directory = Path.GetDirectoryName(target);
        var temp = Path.Combine(directory ?? ".", $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        try
        {
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(target, e);
        }
        finally
        {
            try
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The temporary file is left behind; the error that matters has already been raised.
            }
        }
    }

    internal static byte[] SerializeDocument(GateReportDocument document)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, DocumentTypeInfo);
        var withNewline = new byte[bytes.Length + 1];
        bytes.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return withNewline;
    }

    /// <summary>The one timestamp form the reports use: RFC 3339 in UTC, whole seconds, <c>Z</c>.</summary>
    internal static string FormatTimestamp(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static string FormatDate(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static GateReportJsonContext CreateContext()
    {
        // Non-ASCII text (package descriptions, names) is written as is; only what JSON requires is escaped.
        var options = new JsonSerializerOptions(GateReportJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return new GateReportJsonContext(options);
    }

    private static GateReportOptions Validate(GateReportOptions? options)
    {
        options ??= new GateReportOptions();
        if (options.TopFindings < 0)
        {
            throw InvalidOptions($"The number of top findings is {options.TopFindings.ToString(CultureInfo.InvariantCulture)}; give 0 or more.");
        }

        if (options.MaxSarifResults < 1)
        {
            throw InvalidOptions($"The most SARIF results is {options.MaxSarifResults.ToString(CultureInfo.InvariantCulture)}; give 1 or more (GitHub accepts up to 25000 per run).");
        }

        if (options.MaxMarkdownBytes < GateReportMarkdown.MinimumBytes)
        {
            throw InvalidOptions($"The most Markdown bytes is {options.MaxMarkdownBytes.ToString(CultureInfo.InvariantCulture)}; give at least {GateReportMarkdown.MinimumBytes.ToString(CultureInfo.InvariantCulture)} (GitHub takes up to 1048576).");
        }

        if (options.SarifMinimumSeverity == Severity.Undefined)
        {
            throw InvalidOptions("UNDEFINED is not a minimum severity for the SARIF report (every finding is at or above it); leave it unset to list every finding.");
        }

        if (string.IsNullOrWhiteSpace(options.ToolVersion))
        {
            throw InvalidOptions("The tool version is empty; leave it unset to use the toolkit's own version.");
        }

        if (options.ToolInformationUri is not { IsAbsoluteUri: true })
        {
            throw InvalidOptions("The tool information URI must be an absolute URI (e.g. https://example.com/toolkit); leave it unset for the default.");
        }

        if (options.SarifArtifactUri is { } artifact && (string.IsNullOrWhiteSpace(artifact) || !Uri.TryCreate(artifact, UriKind.RelativeOrAbsolute, out _) || artifact.Contains('\\', StringComparison.Ordinal)))
        {
            throw InvalidOptions($"The SARIF artifact URI '{artifact}' is not a URI reference. Give a path relative to the repository root with forward slashes (e.g. src/App/Dockerfile) or an absolute URI.");
        }

        return options;
    }

    private static ToolkitException InvalidOptions(string message) => new(ErrorCodes.InvalidGateReportOptions, message);

    private static ToolkitException NotWritable(string path, Exception e)
        => new(ErrorCodes.GateReportNotWritable, $"Cannot write the gate report {path}: {e.Message}. Check the path and its permissions, and that no directory has that name.", e);
}
