using System.Globalization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci.Build;

/// <summary>Applies <see cref="ImageConfigEdits"/> and new layers to a base image config. Pure: no I/O.</summary>
public static class ImageConfigEditor
{
    /// <summary>The config of the new image.</summary>
    /// <param name="baseConfig">The base's config (a fresh one for <c>scratch</c>).</param>
    /// <param name="edits">Changes to the container configuration.</param>
    /// <param name="labels">All labels to add (OCI metadata labels merged with the user's, user's winning).</param>
    /// <param name="newLayers">The diff_ids of the added layers with their history text, in order.</param>
    /// <param name="created">The build timestamp in RFC 3339.</param>
    public static ImageConfig Apply(
        ImageConfig baseConfig,
        ImageConfigEdits edits,
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<(Digest DiffId, string CreatedBy)> newLayers,
        string created)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(edits);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(newLayers);

        var container = baseConfig.Config ?? new ContainerConfig();

        var cmd = edits.Cmd ?? (edits.Entrypoint is not null ? null : container.Cmd);
        var mergedLabels = Merge(container.Labels, labels);
        var ports = container.ExposedPorts is null
            ? new SortedDictionary<string, EmptyObject>(StringComparer.Ordinal)
            : new SortedDictionary<string, EmptyObject>(container.ExposedPorts, StringComparer.Ordinal);
        foreach (var port in edits.Ports)
        {
            ports[NormalisePort(port)] = EmptyObject.Instance;
        }

        container = container with
        {
            Entrypoint = edits.Entrypoint ?? container.Entrypoint,
            Cmd = cmd is { Count: 0 } ? null : cmd,
            Env = MergeEnvironment(container.Env, edits.Environment),
            WorkingDir = edits.WorkingDirectory is null ? container.WorkingDir : ValidateWorkingDirectory(edits.WorkingDirectory),
            User = edits.User ?? container.User,
            Labels = mergedLabels.Count == 0 ? null : mergedLabels,
            ExposedPorts = ports.Count == 0 ? null : ports,
            StopSignal = edits.StopSignal ?? container.StopSignal,
        };

        var history = new List<HistoryEntry>(baseConfig.History ?? []);
        foreach (var (_, createdBy) in newLayers)
        {
            history.Add(new HistoryEntry { Created = created, CreatedBy = createdBy });
        }

        return baseConfig with
        {
            Created = created,
            Config = container,
            RootFs = new RootFs { DiffIds = [.. baseConfig.RootFs.DiffIds, .. newLayers.Select(l => l.DiffId)] },
            History = history,
        };
    }

    /// <summary>Normalises <c>8080</c> to <c>8080/tcp</c> and validates number and protocol.</summary>
    public static string NormalisePort(string port)
    {
        ArgumentNullException.ThrowIfNull(port);
        var parts = port.Trim().ToLowerInvariant().Split('/');
        var protocol = parts.Length == 2 ? parts[1] : "tcp";
        if (parts.Length > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number is < 1 or > 65535
            || protocol is not ("tcp" or "udp" or "sctp"))
        {
            throw new ToolkitException(
                ErrorCodes.InvalidImageConfig,
                $"'{port}' is not a port; use a number from 1 to 65535 with an optional /tcp, /udp or /sctp, e.g. 8080/tcp.");
        }

        return $"{number.ToString(CultureInfo.InvariantCulture)}/{protocol}";
    }

    private static string ValidateWorkingDirectory(string directory)
        => directory.StartsWith('/')
            ? directory
            : throw new ToolkitException(ErrorCodes.InvalidImageConfig, $"The working directory '{directory}' must be an absolute path in the image, e.g. /app.");

    private static SortedDictionary<string, string> Merge(IReadOnlyDictionary<string, string>? first, IReadOnlyDictionary<string, string> second)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in first ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        foreach (var (key, value) in second)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ToolkitException(ErrorCodes.InvalidImageConfig, "A label needs a non-empty name.");
            }

            merged[key] = value;
        }

        return merged;
    }

    private static List<string>? MergeEnvironment(IReadOnlyList<string>? baseEnvironment, IReadOnlyDictionary<string, string> changes)
    {
        // Order: the base's variables in their order (changed in place), then new ones sorted by name.
        var result = new List<string>(baseEnvironment ?? []);
        foreach (var (name, value) in changes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || name.Contains('=', StringComparison.Ordinal))
            {
                throw new ToolkitException(ErrorCodes.InvalidImageConfig, $"'{name}' is not an environment variable name; names are non-empty and contain no '='.");
            }

            var entry = $"{name}={value}";
            var index = result.FindIndex(e => e.StartsWith(name + "=", StringComparison.Ordinal) || e == name);
            if (index >= 0)
            {
                result[index] = entry;
            }
            else
            {
                result.Add(entry);
            }
        }

        return result.Count == 0 ? null : result;
    }
}
