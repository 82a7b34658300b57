using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci.Build;

/// <summary>
/// Parses the textual inputs every front-end takes (<c>dir:/path</c> layers, <c>KEY=VALUE</c> pairs,
/// platforms), so the CLI, MSBuild and Cake accept exactly the same spellings.
/// </summary>
public static class BuildInputs
{
    public const string DefaultPathInImage = "/app";

    /// <summary>
    /// <c>&lt;dir&gt;[:&lt;path-in-image&gt;]</c>. The path part must be absolute, so a Windows drive
    /// (<c>C:\app</c>) is never mistaken for it.
    /// </summary>
    public static LayerSpec ParseLayer(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.LastIndexOf(':');
        string directory;
        string pathInImage;
        if (colon > 0 && colon < value.Length - 1 && value[colon + 1] == '/')
        {
            directory = value[..colon];
            pathInImage = value[(colon + 1)..];
        }
        else
        {
            directory = value;
            pathInImage = DefaultPathInImage;
        }

        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new ToolkitException(ErrorCodes.InvalidOption, $"'{value}' names no folder; use <dir>[:<path-in-image>], e.g. bin/publish:/app.");
        }

        return new LayerSpec(Path.GetFullPath(directory), pathInImage);
    }

    /// <summary>Platforms to build, each with the layers given for it with <c>&lt;platform&gt;=&lt;dir&gt;[:&lt;path&gt;]</c>.</summary>
    public static IReadOnlyList<PlatformLayers> ParsePlatforms(IEnumerable<string> platforms, IEnumerable<string> platformLayers)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        ArgumentNullException.ThrowIfNull(platformLayers);
        var result = new List<(Platform Platform, List<LayerSpec> Layers)>();
        foreach (var text in platforms.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var platform = Platform.Parse(text);
            if (!result.Any(r => r.Platform == platform))
            {
                result.Add((platform, []));
            }
        }

        foreach (var text in platformLayers)
        {
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ToolkitException(ErrorCodes.InvalidOption, $"'{text}' is not a platform layer; use <os/arch>=<dir>[:<path-in-image>], e.g. linux/arm64=bin/arm64/publish:/app.");
            }

            var platform = Platform.Parse(text[..equals]);
            var layer = ParseLayer(text[(equals + 1)..]);
            var index = result.FindIndex(r => r.Platform == platform);
            if (index < 0)
            {
                result.Add((platform, [layer]));
            }
            else
            {
                result[index].Layers.Add(layer);
            }
        }

        return [.. result.Select(r => new PlatformLayers(r.Platform, r.Layers))];
    }

    /// <summary><c>KEY=VALUE</c> pairs; the last value of a repeated key wins.</summary>
    public static IReadOnlyDictionary<string, string> ParsePairs(IEnumerable<string>? values, string optionName)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ToolkitException(ErrorCodes.InvalidOption, $"{optionName} '{value}' is not KEY=VALUE.");
            }

            result[value[..equals]] = value[(equals + 1)..];
        }

        return result;
    }

    public static LayerCompression ParseCompression(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "gzip" => LayerCompression.Gzip,
        "zstd" => LayerCompression.Zstd,
        "none" or "uncompressed" => LayerCompression.None,
        _ => throw new ToolkitException(ErrorCodes.InvalidOption, $"Compression '{value}' is not known; use gzip, zstd or none."),
    };
}
