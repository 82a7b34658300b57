using System.Globalization;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning;

/// <summary>
/// Reading the files a gate takes (scanner reports, allowlists, VEX documents): each kind has its own codes and advice,
/// the way a file fails is the same for all.
/// </summary>
internal static class ScanInputFile
{
    /// <summary>The file's text; a file that cannot be read is <paramref name="unreadable"/>, naming <paramref name="what"/>.</summary>
    public static async Task<string> ReadTextAsync(string path, ErrorCode unreadable, string what, string advice, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(unreadable, $"The {what} '{path}' cannot be read: {e.Message} {advice}", e);
        }
    }

    /// <summary>The parsed JSON (the caller disposes it); malformed JSON is <paramref name="malformed"/> with its line and column.</summary>
    public static JsonDocument ParseJson(string content, string fileName, ErrorCode malformed, string what, string advice, JsonDocumentOptions options = default)
    {
        try
        {
            return JsonDocument.Parse(content, options);
        }
        catch (JsonException e)
        {
            throw new ToolkitException(
                malformed,
                string.Create(CultureInfo.InvariantCulture, $"The {what} '{fileName}' is not well-formed JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}. {advice}"),
                e);
        }
    }
}
