using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Renders an <see cref="SbomDocument"/> in a <see cref="SbomFormat"/>: UTF-8 JSON without BOM, indented by two
/// spaces, <c>\n</c> line ends (also on Windows) and a final newline; non-ASCII text is written as is, and only what
/// JSON requires (quotes, backslashes, control characters) is escaped. The same document gives the same bytes.
/// </summary>
public static class SbomWriter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(SbomDocument document, SbomFormat format, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(document, format));
    }

    public static async Task WriteAsync(SbomDocument document, SbomFormat format, Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(ToBytes(document, format), cancellationToken).ConfigureAwait(false);
    }

    public static byte[] ToBytes(SbomDocument document, SbomFormat format)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(format);
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            if (format.Standard == SbomStandard.CycloneDx)
            {
                CycloneDxJsonWriter.Write(document, format, writer);
            }
            else
            {
                SpdxJsonWriter.Write(document, writer);
            }
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The one timestamp form both formats use: RFC 3339 in UTC, whole seconds, <c>Z</c>.</summary>
    internal static string FormatTimestamp(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
