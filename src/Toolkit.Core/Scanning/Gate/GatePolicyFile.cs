using System.Globalization;
using System.Text.Json;
using Toolkit.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// A gate policy as a file states it (<c>--policy</c>), before options override it. Every member is optional; paths are
/// already resolved against the file's folder.
/// </summary>
public sealed record GatePolicyFile
{
    /// <summary>The file the policy was read from.</summary>
    public required string Source { get; init; }

    public Severity? FailOn { get; init; }

    public IReadOnlyDictionary<Severity, int> MaxCounts { get; init; } = new Dictionary<Severity, int>();

    public bool? IgnoreUnfixed { get; init; }

    public ScanUnavailableAction? OnScanUnavailable { get; init; }

    /// <summary>The allowlist file, resolved against the policy file's folder.</summary>
    public string? Allowlist { get; init; }

    /// <summary>The OpenVEX documents, resolved against the policy file's folder.</summary>
    public IReadOnlyList<string> Vex { get; init; } = [];
}

/// <summary>
/// Reads gate policy files, JSON or YAML (by a <c>.yaml</c>/<c>.yml</c> name), version 1:
/// <code>
/// version: 1
/// failOn: HIGH
/// maxCounts: {CRITICAL: 0, MEDIUM: 5}
/// ignoreUnfixed: true
/// onScanUnavailable: warn
/// allowlist: allowlist.yaml
/// vex: [app.vex.json]
/// </code>
/// YAML goes through YamlDotNet's node tree and is mapped by hand (no reflection, so Native AOT stays warning-free).
/// Syntax errors are TK4015 with line and column, a missing or other version TK4016, a wrong or unknown member TK4017
/// naming where it is (YAML line and column, or JSON path).
/// </summary>
public static class GatePolicyFileReader
{
    private static readonly string[] KnownMembers = ["version", "failOn", "maxCounts", "ignoreUnfixed", "onScanUnavailable", "allowlist", "vex"];

    public static async Task<GatePolicyFile> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var content = await ScanInputFile.ReadTextAsync(path, ErrorCodes.GatePolicyFileUnreadable, "gate policy file", "Check the path given with --policy.", cancellationToken).ConfigureAwait(false);
        return Parse(content, path);
    }

    /// <summary>Parses a policy; <paramref name="fileName"/> names it in messages, picks YAML for <c>.yaml</c>/<c>.yml</c> and is the base of relative paths.</summary>
    public static GatePolicyFile Parse(string content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        var extension = Path.GetExtension(fileName);
        var root = extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase)
            ? FromYaml(content, fileName)
            : FromJson(content, fileName);
        return Validate(root, fileName);
    }

    private static GatePolicyFile Validate(PolicyNode root, string fileName)
    {
        if (root.Kind != PolicyNodeKind.Mapping)
        {
            throw Invalid(fileName, root.Where, "the policy is not a mapping of settings (version, failOn, maxCounts, ...)");
        }

        var members = new Dictionary<string, PolicyNode>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Members)
        {
            if (!KnownMembers.Contains(key, StringComparer.Ordinal))
            {
                throw Invalid(fileName, value.Where, $"\"{key}\" is not a policy setting (version, failOn, maxCounts, ignoreUnfixed, onScanUnavailable, allowlist, vex)");
            }

            members[key] = value;
        }

        if (!members.TryGetValue("version", out var version) || version.Kind == PolicyNodeKind.Null)
        {
            throw new ToolkitException(ErrorCodes.GatePolicyFileVersionUnsupported, $"The gate policy '{fileName}' has no \"version\". Add version: 1.");
        }

        if (version.Text != "1")
        {
            throw new ToolkitException(ErrorCodes.GatePolicyFileVersionUnsupported, $"The gate policy '{fileName}' has version {version.Text ?? "(not a number)"}; this toolkit reads version 1. Write it in version 1, or update the toolkit.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(fileName)) ?? Directory.GetCurrentDirectory();
        string Resolve(string path) => Path.GetFullPath(Path.Combine(folder, path));

        Severity? failOn = null;
        if (Text(members, "failOn", fileName) is { } failOnNode)
        {
            if (!SeverityText.TryParseName(failOnNode.Text, out var threshold) || threshold == Severity.Undefined)
            {
                throw Invalid(fileName, failOnNode.Where, $"failOn is '{failOnNode.Text}'; use CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL");
            }

            failOn = threshold;
        }

        var maxCounts = new Dictionary<Severity, int>();
        if (members.TryGetValue("maxCounts", out var maxNode) && maxNode.Kind != PolicyNodeKind.Null)
        {
            if (maxNode.Kind != PolicyNodeKind.Mapping)
            {
                throw Invalid(fileName, maxNode.Where, "maxCounts is not a mapping of severity to count (e.g. CRITICAL: 0, MEDIUM: 5)");
            }

            foreach (var (key, value) in maxNode.Members)
            {
                if (!SeverityText.TryParseName(key, out var severity))
                {
                    throw Invalid(fileName, value.Where, $"maxCounts has '{key}', not a severity (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED)");
                }

                if (!value.IsNumber || !int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    throw Invalid(fileName, value.Where, $"maxCounts.{key} is '{value.Text ?? "(not a number)"}', not a count of 0 or more");
                }

                maxCounts[severity] = count;
            }
        }

        bool? ignoreUnfixed = null;
        if (Scalar(members, "ignoreUnfixed", fileName) is { } ignoreNode)
        {
            ignoreUnfixed = !ignoreNode.IsBoolean ? throw Invalid(fileName, ignoreNode.Where, $"ignoreUnfixed is '{ignoreNode.Text}', not true or false") : ignoreNode.Text switch
            {
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => throw Invalid(fileName, ignoreNode.Where, $"ignoreUnfixed is '{ignoreNode.Text}', not true or false"),
            };
        }

        ScanUnavailableAction? onUnavailable = null;
        if (Text(members, "onScanUnavailable", fileName) is { } unavailableNode)
        {
            onUnavailable = unavailableNode.Text?.Trim().ToUpperInvariant() switch
            {
                "FAIL" => ScanUnavailableAction.Fail,
                "WARN" => ScanUnavailableAction.Warn,
                _ => throw Invalid(fileName, unavailableNode.Where, $"onScanUnavailable is '{unavailableNode.Text}'; use fail or warn"),
            };
        }

        string? allowlist = null;
        if (Text(members, "allowlist", fileName) is { } allowlistNode)
        {
            allowlist = string.IsNullOrWhiteSpace(allowlistNode.Text)
                ? throw Invalid(fileName, allowlistNode.Where, "allowlist is empty; give the path of an allowlist file")
                : Resolve(allowlistNode.Text);
        }

        var vex = new List<string>();
        if (members.TryGetValue("vex", out var vexNode) && vexNode.Kind != PolicyNodeKind.Null)
        {
            IEnumerable<PolicyNode> items = vexNode.Kind switch
            {
                PolicyNodeKind.Sequence => vexNode.Items,
                PolicyNodeKind.Scalar => [vexNode],
                _ => throw Invalid(fileName, vexNode.Where, "vex is not a list of OpenVEX document paths"),
            };
            foreach (var item in items)
            {
                if (!item.IsText || string.IsNullOrWhiteSpace(item.Text))
                {
                    throw Invalid(fileName, item.Where, "an entry of vex is not the path of an OpenVEX document");
                }

                vex.Add(Resolve(item.Text));
            }
        }

        return new GatePolicyFile
        {
            Source = fileName,
            FailOn = failOn,
            MaxCounts = maxCounts,
            IgnoreUnfixed = ignoreUnfixed,
            OnScanUnavailable = onUnavailable,
            Allowlist = allowlist,
            Vex = vex,
        };
    }

    private static PolicyNode? Scalar(Dictionary<string, PolicyNode> members, string name, string fileName)
    {
        if (!members.TryGetValue(name, out var node) || node.Kind == PolicyNodeKind.Null)
        {
            return null;
        }

        return node.Kind == PolicyNodeKind.Scalar ? node : throw Invalid(fileName, node.Where, $"{name} is not a single value");
    }

    private static PolicyNode? Text(Dictionary<string, PolicyNode> members, string name, string fileName)
    {
        var node = Scalar(members, name, fileName);
        return node is null || node.IsText ? node : throw Invalid(fileName, node.Where, $"{name} is {node.Text}, not text");
    }

    private static PolicyNode FromJson(string content, string fileName)
    {
        var json = ScanInputFile.ParseJson(content, fileName, ErrorCodes.GatePolicyFileMalformed, "gate policy", "Fix the file (or write it as YAML with a .yaml name).", new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        using (json)
        {
            return FromJson(json.RootElement, "$");
        }
    }

    private static PolicyNode FromJson(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => new PolicyNode(PolicyNodeKind.Mapping, null, path)
        {
            Members = [.. element.EnumerateObject().Select(p => (p.Name, FromJson(p.Value, $"{path}.{p.Name}")))],
        },
        JsonValueKind.Array => new PolicyNode(PolicyNodeKind.Sequence, null, path)
        {
            Items = [.. element.EnumerateArray().Select((e, i) => FromJson(e, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")))],
        },
        JsonValueKind.Null => new PolicyNode(PolicyNodeKind.Null, null, path),
        JsonValueKind.String => new PolicyNode(PolicyNodeKind.Scalar, element.GetString(), path) { JsonKind = JsonValueKind.String },
        _ => new PolicyNode(PolicyNodeKind.Scalar, element.GetRawText(), path) { JsonKind = element.ValueKind },
    };

    private static PolicyNode FromYaml(string content, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content));
        }
        catch (YamlException e)
        {
            var message = e.Message;
            var end = message.IndexOf('\n', StringComparison.Ordinal);
            throw new ToolkitException(
                ErrorCodes.GatePolicyFileMalformed,
                string.Create(CultureInfo.InvariantCulture, $"The gate policy '{fileName}' is not well-formed YAML at line {e.Start.Line}, column {e.Start.Column}: {(end < 0 ? message : message[..end]).Trim()} Fix the file."),
                e);
        }

        if (stream.Documents.Count != 1)
        {
            throw Invalid(fileName, "the file", "it is not one YAML document");
        }

        return FromYaml(stream.Documents[0].RootNode);
    }

    private static PolicyNode FromYaml(YamlNode node)
    {
        var where = string.Create(CultureInfo.InvariantCulture, $"line {node.Start.Line}, column {node.Start.Column}");
        return node switch
        {
            YamlMappingNode mapping => new PolicyNode(PolicyNodeKind.Mapping, null, where)
            {
                Members = [.. mapping.Children.Select(c => ((c.Key as YamlScalarNode)?.Value ?? string.Empty, FromYaml(c.Value)))],
            },
            YamlSequenceNode sequence => new PolicyNode(PolicyNodeKind.Sequence, null, where) { Items = [.. sequence.Children.Select(FromYaml)] },
            YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } => new PolicyNode(PolicyNodeKind.Null, null, where),
            YamlScalarNode scalar => new PolicyNode(PolicyNodeKind.Scalar, scalar.Value, where),
            _ => new PolicyNode(PolicyNodeKind.Null, null, where),
        };
    }

    private static ToolkitException Invalid(string fileName, string where, string problem) =>
        new(ErrorCodes.GatePolicyFileInvalid, $"The gate policy '{fileName}' ({where}): {problem}. See docs/scanning.md for the format.");

    private enum PolicyNodeKind
    {
        Null,
        Scalar,
        Mapping,
        Sequence,
    }

    /// <summary>A JSON or YAML value as the validation sees it, with where it is written.</summary>
    private sealed record PolicyNode(PolicyNodeKind Kind, string? Text, string Where)
    {
        /// <summary>For a JSON scalar, its JSON type (a string, number or boolean); null for YAML, whose scalars are text.</summary>
        public JsonValueKind? JsonKind { get; init; }

        public bool IsText => Kind == PolicyNodeKind.Scalar && JsonKind is null or JsonValueKind.String;

        public bool IsNumber => Kind == PolicyNodeKind.Scalar && JsonKind is null or JsonValueKind.Number;

        public bool IsBoolean => Kind == PolicyNodeKind.Scalar && JsonKind is null or JsonValueKind.True or JsonValueKind.False;

        public IReadOnlyList<(string Key, PolicyNode Value)> Members { get; init; } = [];

        public IReadOnlyList<PolicyNode> Items { get; init; } = [];
    }
}
