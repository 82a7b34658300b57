using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Referrers;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>Writes command results: a table for people, or one JSON document with <c>--json</c>.</summary>
internal static class ResultWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteBuildAsync(CliHost host, ParseResult parseResult, BuiltImage built, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["digest"] = built.Root.Digest.ToString(),
                ["mediaType"] = built.Root.MediaType,
                ["size"] = built.Root.Size,
                ["output"] = built.Output.ToString(),
                ["tags"] = new JsonArray([.. built.Tags.Select(t => JsonValue.Create(t))]),
                ["created"] = built.Timestamp.Rfc3339,
                ["timestampSource"] = built.Timestamp.Source.ToString(),
                ["platforms"] = new JsonArray([.. built.Platforms.Select(p => new JsonObject
                {
                    ["platform"] = p.Platform.ToString(),
                    ["manifest"] = p.Manifest.Digest.ToString(),
                    ["config"] = p.Config.Digest.ToString(),
                    ["layers"] = new JsonArray([.. p.Layers.Select(l => (JsonNode)Descriptor(l))]),
                    ["newLayers"] = new JsonArray([.. p.NewLayers.Select(l => new JsonObject
                    {
                        ["digest"] = l.Descriptor.Digest.ToString(),
                        ["diffId"] = l.DiffId.ToString(),
                        ["size"] = l.Descriptor.Size,
                        ["uncompressedSize"] = l.UncompressedSize,
                        ["entries"] = l.EntryCount,
                    })]),
                })]),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        foreach (var platform in built.Platforms)
        {
            var added = platform.NewLayers.Sum(l => l.Descriptor.Size);
            text.Append(CultureInfo.InvariantCulture, $"{platform.Platform,-16} {platform.Manifest.Digest}  {platform.Layers.Count} layers, {platform.NewLayers.Count} new ({FormatSize(added)})").AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"Built {built.Output} {built.Root.Digest}");
        await host.Output.WriteLineAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteInspectionAsync(CliHost host, ParseResult parseResult, ImageInspection inspection, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["location"] = inspection.Location,
                ["digest"] = inspection.Root.Digest.ToString(),
                ["mediaType"] = inspection.Root.MediaType,
                ["size"] = inspection.Root.Size,
                ["annotations"] = Map(inspection.Annotations),
                ["platforms"] = new JsonArray([.. inspection.Platforms.Select(p => new JsonObject
                {
                    ["platform"] = p.Platform.ToString(),
                    ["manifest"] = Descriptor(p.Manifest),
                    ["config"] = JsonNode.Parse(OciJson.Serialize(p.ConfigDocument)),
                    ["configDigest"] = p.Config.Digest.ToString(),
                    ["layers"] = new JsonArray([.. p.Layers.Select(l => (JsonNode)Descriptor(l))]),
                    ["annotations"] = Map(p.Annotations),
                })]),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Image      {inspection.Location}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Digest     {inspection.Root.Digest}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Media type {inspection.Root.MediaType}").AppendLine();
        AppendMap(text, "Annotation", inspection.Annotations);
        foreach (var platform in inspection.Platforms)
        {
            var config = platform.ConfigDocument.Config;
            text.AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Platform   {platform.Platform}  manifest {platform.Manifest.Digest}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Created    {platform.ConfigDocument.Created ?? "-"}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Entrypoint {Join(config?.Entrypoint)}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Cmd        {Join(config?.Cmd)}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"WorkingDir {config?.WorkingDir ?? "-"}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"User       {config?.User ?? "-"}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"Ports      {(config?.ExposedPorts is { Count: > 0 } ports ? string.Join(' ', ports.Keys) : "-")}").AppendLine();
            foreach (var variable in config?.Env ?? [])
            {
                text.Append(CultureInfo.InvariantCulture, $"Env        {variable}").AppendLine();
            }

            AppendMap(text, "Label", config?.Labels ?? new SortedDictionary<string, string>());
            text.Append(CultureInfo.InvariantCulture, $"Layers     {platform.Layers.Count} ({FormatSize(platform.Layers.Sum(l => l.Size))})").AppendLine();
            foreach (var layer in platform.Layers)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {layer.Digest}  {FormatSize(layer.Size),10}  {layer.MediaType}").AppendLine();
            }
        }

        await host.Output.WriteAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    public static async Task WritePushAsync(CliHost host, ParseResult parseResult, PushResult result, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["source"] = result.Source,
                ["destination"] = result.Destination,
                ["digest"] = result.Root.Digest.ToString(),
                ["mediaType"] = result.Root.MediaType,
                ["size"] = result.Root.Size,
                ["tags"] = new JsonArray([.. result.Tags.Select(t => JsonValue.Create(t))]),
                ["bytesUploaded"] = result.BytesUploaded,
                ["blobsSkipped"] = result.BlobsSkipped,
                ["blobsMounted"] = result.BlobsMounted,
                ["blobsUploaded"] = result.BlobsUploaded,
                ["manifests"] = new JsonArray([.. result.Manifests.Select(m => new JsonObject
                {
                    ["platform"] = m.Platform?.ToString(),
                    ["digest"] = m.Manifest.Digest.ToString(),
                    ["size"] = m.Manifest.Size,
                })]),
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        await host.Output.WriteLineAsync(PushSummary(result, elapsed).AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What <c>sbom generate</c> wrote and attached: one line, or with <c>--json</c> the facts scripts need.</summary>
    public static async Task WriteSbomAsync(CliHost host, ParseResult parseResult, Toolkit.Core.Sbom.SbomResult result, string? file, string? referrer, CancellationToken cancellationToken)
    {
        var document = result.Document;
        if (host.Json(parseResult))
        {
            var json = new JsonObject
            {
                ["format"] = result.Format.ToString(),
                ["mediaType"] = result.Format.MediaType,
                ["serialNumber"] = "urn:uuid:" + document.SerialNumber.ToString("D"),
                ["subject"] = document.Subject.Component.BomRef,
                ["components"] = document.Components.Count,
                ["bytes"] = result.Content.Length,
                ["file"] = file,
                ["imageManifest"] = result.ImageManifest?.Digest.ToString(),
                ["referrer"] = referrer,
            };
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        var where = file is null ? string.Empty : $" to {file}";
        var attached = referrer is null ? string.Empty : $"; attached to {result.ImageManifest?.Digest} as {referrer}";
        var line = string.Create(CultureInfo.InvariantCulture, $"Wrote the SBOM of {document.Subject.Component.Name} ({result.Format}, {document.Components.Count} components){where}{attached}");
        await host.Output.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The referrer's digest for people and scripts; with <c>--json</c>, its descriptor (with artifactType and annotations).</summary>
    public static async Task WriteAttachAsync(CliHost host, ParseResult parseResult, AttachedReferrer attached, CancellationToken cancellationToken)
    {
        var text = host.Json(parseResult)
            ? Descriptor(attached.Referrer.Descriptor).ToJsonString(s_json)
            : attached.Referrer.Digest.ToString();
        await host.Output.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A table of the referrers; with <c>--json</c>, a list of their descriptors.</summary>
    public static async Task WriteReferrersAsync(CliHost host, ParseResult parseResult, ReferrerListing listing, CancellationToken cancellationToken)
    {
        if (host.Json(parseResult))
        {
            var json = new JsonArray([.. listing.Referrers.Select(r => (JsonNode)Descriptor(r.Descriptor))]);
            await host.WriteJsonAsync(json, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (listing.Referrers.Count == 0)
        {
            var filter = listing.ArtifactType is null ? string.Empty : $" with artifact type {listing.ArtifactType}";
            await host.Output.WriteLineAsync($"No referrers of {listing.Subject.Digest} at {listing.Location}{filter}.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return;
        }

        var typeWidth = Math.Max("ARTIFACT TYPE".Length, listing.Referrers.Max(r => (r.ArtifactType ?? "-").Length));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"DIGEST",-71}  {"ARTIFACT TYPE".PadRight(typeWidth)}  {"SIZE",10}  CREATED").AppendLine();
        foreach (var referrer in listing.Referrers)
        {
            var created = referrer.Annotations.TryGetValue(AnnotationKeys.Created, out var value) ? value : "-";
            text.Append(CultureInfo.InvariantCulture, $"{referrer.Digest,-71}  {(referrer.ArtifactType ?? "-").PadRight(typeWidth)}  {FormatSize(referrer.Descriptor.Size),10}  {created}").AppendLine();
        }

        await host.Output.WriteAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The one line a push prints for people: what is where now, what it cost, how long it took.</summary>
    internal static string PushSummary(PushResult result, TimeSpan elapsed)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"Pushed {result.Root.Digest} to {result.Destination}: {result.BlobsUploaded} uploaded ({FormatSize(result.BytesUploaded)}), "
            + $"{result.BlobsSkipped} skipped, {result.BlobsMounted} mounted in {elapsed.TotalSeconds:0.0} s");

    private static JsonObject Descriptor(Descriptor descriptor)
        => JsonNode.Parse(OciJson.Serialize(descriptor))!.AsObject();

    private static JsonObject Map(IReadOnlyDictionary<string, string> map)
        => new(map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));

    private static void AppendMap(StringBuilder text, string title, IReadOnlyDictionary<string, string> map)
    {
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{title,-10} {key}={value}").AppendLine();
        }
    }

    private static string Join(IReadOnlyList<string>? values)
        => values is { Count: > 0 } ? new JsonArray([.. values.Select(v => (JsonNode?)v)]).ToJsonString(s_jsonCompact) : "-";

    private static readonly JsonSerializerOptions s_jsonCompact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };
}
