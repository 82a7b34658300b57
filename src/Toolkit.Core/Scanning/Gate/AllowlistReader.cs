using System.Globalization;
using System.Text.Json;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Scanning.Gate;

/// <summary>
/// Reads allowlist files, JSON or YAML, version 1:
/// <code>{"version": 1, "ignore": [{"id": "CVE-2024-1234", "reason": "...", "expires": "2027-01-31", "package": "libc6", "repository": "team/app"}]}</code>
/// <c>id</c>, <c>reason</c> and <c>expires</c> (<c>yyyy-MM-dd</c>) are required; <c>package</c> and <c>repository</c> narrow the
/// entry. An entry that lacks a required member, has a malformed date or an unknown member is an error (TK4013) naming the
/// file and the entry, so an acceptance never slips in without a reason or an end.
/// </summary>
public static class AllowlistReader
{
    private static readonly string[] KnownMembers = ["id", "reason", "expires", "package", "repository"];

    /// <summary>Reads the file; <c>.yaml</c>/<c>.yml</c> files are YAML, any other is JSON.</summary>
    public static async Task<Allowlist> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var content = await ScanInputFile.ReadTextAsync(path, ErrorCodes.AllowlistUnreadable, "allowlist file", "Check the path given with --allowlist.", cancellationToken).ConfigureAwait(false);

        return Parse(content, path);
    }

    /// <summary>Parses an allowlist; <paramref name="fileName"/> names it in messages and picks YAML for <c>.yaml</c>/<c>.yml</c>.</summary>
    public static Allowlist Parse(string content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        var extension = Path.GetExtension(fileName);
        var document = extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase)
            ? AllowlistYaml.Read(content, fileName)
            : ReadJson(content, fileName);
        return Validate(document, fileName);
    }

    private static RawAllowlist ReadJson(string content, string fileName)
    {
        var json = ScanInputFile.ParseJson(content, fileName, ErrorCodes.AllowlistMalformed, "allowlist", "Fix the file (or write it as YAML with a .yaml name).", new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(fileName, "its top level is not an object with \"version\" and \"ignore\"");
            }

            string? version = null;
            var entries = new List<RawEntry>();
            var sawIgnore = false;
            foreach (var member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "version":
                        version = member.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String ? member.Value.ToString() : "(not a number)";
                        break;
                    case "ignore":
                        sawIgnore = true;
                        if (member.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (member.Value.ValueKind != JsonValueKind.Array)
                        {
                            throw Malformed(fileName, "\"ignore\" is not a list of entries");
                        }

                        var index = 0;
                        foreach (var item in member.Value.EnumerateArray())
                        {
                            var where = string.Create(CultureInfo.InvariantCulture, $"entry {index + 1} (ignore[{index}])");
                            if (item.ValueKind != JsonValueKind.Object)
                            {
                                throw EntryInvalid(fileName, where, "it is not an object with \"id\", \"reason\" and \"expires\"");
                            }

                            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                            foreach (var field in item.EnumerateObject())
                            {
                                fields[field.Name] = field.Value.ValueKind switch
                                {
                                    JsonValueKind.String => field.Value.GetString(),
                                    JsonValueKind.Null => null,
                                    _ => throw EntryInvalid(fileName, where, $"\"{field.Name}\" is not a string"),
                                };
                            }

                            entries.Add(new RawEntry(where, fields));
                            index++;
                        }

                        break;
                    default:
                        throw Malformed(fileName, $"it has an unknown member \"{member.Name}\" (only \"version\" and \"ignore\")");
                }
            }

            return new RawAllowlist(version, sawIgnore, entries);
        }
    }

    private static Allowlist Validate(RawAllowlist document, string fileName)
    {
        if (document.Version is null)
        {
            throw new ToolkitException(ErrorCodes.AllowlistVersionUnsupported, $"The allowlist '{fileName}' has no \"version\". Add \"version\": 1.");
        }

        if (document.Version != "1")
        {
            throw new ToolkitException(ErrorCodes.AllowlistVersionUnsupported, $"The allowlist '{fileName}' has version {document.Version}; this toolkit reads version 1. Write it in version 1, or update the toolkit.");
        }

        if (!document.HasIgnore)
        {
            throw Malformed(fileName, "it has no \"ignore\" list");
        }

        var entries = new List<AllowlistEntry>(document.Entries.Count);
        foreach (var raw in document.Entries)
        {
            var unknown = raw.Fields.Keys.FirstOrDefault(k => !KnownMembers.Contains(k, StringComparer.Ordinal));
            if (unknown is not null)
            {
                throw EntryInvalid(fileName, raw.Where, $"\"{unknown}\" is not an entry member (id, reason, expires, package, repository)");
            }

            var id = Required(raw, "id", fileName, "the vulnerability id (e.g. CVE-2024-1234)");
            var reason = Required(raw, "reason", fileName, "why the vulnerability is accepted");
            var expiresText = Required(raw, "expires", fileName, "the last day it is accepted, as yyyy-MM-dd");
            if (!DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
            {
                throw EntryInvalid(fileName, raw.Where, $"\"expires\" is '{expiresText}', not a date written yyyy-MM-dd (e.g. 2027-01-31)");
            }

            entries.Add(new AllowlistEntry
            {
                Id = id,
                Reason = reason,
                Expires = expires,
                Package = Optional(raw, "package"),
                Repository = Optional(raw, "repository"),
                Location = $"{fileName}, {raw.Where}",
            });
        }

        return new Allowlist(entries) { Source = fileName };
    }

    private static string Required(RawEntry raw, string name, string fileName, string meaning)
    {
        raw.Fields.TryGetValue(name, out var value);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw EntryInvalid(fileName, raw.Where, $"it has no \"{name}\" ({meaning}); every entry needs an id, a reason and an expiry date");
        }

        return value.Trim();
    }

    private static string? Optional(RawEntry raw, string name) =>
        raw.Fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    internal static ToolkitException Malformed(string fileName, string problem) =>
        new(ErrorCodes.AllowlistMalformed, $"The allowlist '{fileName}' cannot be used: {problem}. See docs/scanning.md for the format.");

    internal static ToolkitException EntryInvalid(string fileName, string where, string problem) =>
        new(ErrorCodes.AllowlistEntryInvalid, $"The allowlist '{fileName}', {where}: {problem}. Fix the entry or remove it.");
}

/// <summary>An allowlist as written, before validation.</summary>
internal sealed record RawAllowlist(string? Version, bool HasIgnore, IReadOnlyList<RawEntry> Entries);

/// <summary>An entry as written: where it is and its scalar members.</summary>
internal sealed record RawEntry(string Where, IReadOnlyDictionary<string, string?> Fields);
