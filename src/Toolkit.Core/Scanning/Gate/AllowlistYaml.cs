using System.Globalization;
using Toolkit.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// Reads a YAML allowlist into the node tree of YamlDotNet's parser and maps it by hand (no reflection, so Native AOT stays
/// warning-free). Entry positions are the line and column of the entry.
/// </summary>
internal static class AllowlistYaml
{
    public static RawAllowlist Read(string content, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content));
        }
        catch (YamlException e)
        {
            throw new ToolkitException(
                ErrorCodes.AllowlistMalformed,
                string.Create(CultureInfo.InvariantCulture, $"The allowlist '{fileName}' is not well-formed YAML at line {e.Start.Line}, column {e.Start.Column}: {FirstLine(e.Message)} Fix the file."),
                e);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw AllowlistReader.Malformed(fileName, "it is not one YAML document with \"version\" and \"ignore\"");
        }

        string? version = null;
        var sawIgnore = false;
        var entries = new List<RawEntry>();
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((keyNode as YamlScalarNode)?.Value) ?? string.Empty;
            switch (key)
            {
                case "version":
                    version = value is YamlScalarNode v ? v.Value : "(not a number)";
                    break;
                case "ignore":
                    sawIgnore = true;
                    if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
                    {
                        break;
                    }

                    if (value is not YamlSequenceNode list)
                    {
                        throw AllowlistReader.Malformed(fileName, "\"ignore\" is not a list of entries");
                    }

                    var index = 0;
                    foreach (var item in list.Children)
                    {
                        var where = string.Create(CultureInfo.InvariantCulture, $"entry {index + 1} (line {item.Start.Line}, column {item.Start.Column})");
                        if (item is not YamlMappingNode mapping)
                        {
                            throw AllowlistReader.EntryInvalid(fileName, where, "it is not a mapping with id, reason and expires");
                        }

                        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                        foreach (var (fieldKey, fieldValue) in mapping.Children)
                        {
                            var name = ((fieldKey as YamlScalarNode)?.Value) ?? string.Empty;
                            fields[name] = fieldValue is YamlScalarNode scalar
                                ? scalar.Value
                                : throw AllowlistReader.EntryInvalid(fileName, where, $"\"{name}\" is not a single value");
                        }

                        entries.Add(new RawEntry(where, fields));
                        index++;
                    }

                    break;
                default:
                    throw AllowlistReader.Malformed(fileName, $"it has an unknown member \"{key}\" (only \"version\" and \"ignore\")");
            }
        }

        return new RawAllowlist(version, sawIgnore, entries);
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
