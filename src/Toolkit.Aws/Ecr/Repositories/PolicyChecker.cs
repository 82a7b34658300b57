using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// Structural checks of a policy tree: each failure is one coded error naming the file, the member (as a path such as
/// <c>rules[1].selection.countNumber</c>), its line and column, and what is expected there.
/// </summary>
internal sealed class PolicyChecker(string source, ErrorCode code, string guide)
{
    public ToolkitException Fail(PolicyJsonNode at, string path, string problem)
        => new(code, $"{source} at line {at.Line}, column {at.Column} ({path}): {problem}. {guide}");

    public PolicyJsonObject Object(PolicyJsonNode node, string path)
        => node as PolicyJsonObject ?? throw Fail(node, path, $"expected an object, found {node.Kind}");

    public PolicyJsonArray NonEmptyArray(PolicyJsonNode node, string path)
        => node switch
        {
            PolicyJsonArray { Items.Count: > 0 } array => array,
            PolicyJsonArray array => throw Fail(array, path, "the list is empty"),
            _ => throw Fail(node, path, $"expected a list, found {node.Kind}"),
        };

    public string String(PolicyJsonNode node, string path)
        => node is PolicyJsonString s ? s.Value : throw Fail(node, path, $"expected a string, found {node.Kind}");

    public string OneOf(PolicyJsonNode node, string path, params string[] allowed)
    {
        var value = String(node, path);
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw Fail(node, path, $"\"{value}\" is not one of {Quote(allowed)}");
    }

    public long Integer(PolicyJsonNode node, string path, long minimum)
    {
        if (node is not PolicyJsonNumber number || number.AsInteger() is not { } value)
        {
            throw Fail(node, path, node is PolicyJsonNumber n ? $"expected a whole number, found {n.Text}" : $"expected a whole number, found {node.Kind}");
        }

        return value >= minimum ? value : throw Fail(node, path, $"expected a number of at least {minimum}, found {value}");
    }

    /// <summary>A list of non-empty strings.</summary>
    public IReadOnlyList<(string Value, PolicyJsonNode Node)> Strings(PolicyJsonNode node, string path)
    {
        var array = NonEmptyArray(node, path);
        var values = new List<(string, PolicyJsonNode)>();
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            var value = String(item, $"{path}[{i}]");
            if (value.Length == 0)
            {
                throw Fail(item, $"{path}[{i}]", "the string is empty");
            }

            values.Add((value, item));
        }

        return values;
    }

    /// <summary>A string or a non-empty list of strings (IAM's "string or array" elements).</summary>
    public void StringOrStrings(PolicyJsonNode node, string path)
    {
        if (node is PolicyJsonString s)
        {
            if (s.Value.Length == 0)
            {
                throw Fail(node, path, "the string is empty");
            }

            return;
        }

        if (node is not PolicyJsonArray)
        {
            throw Fail(node, path, $"expected a string or a list of strings, found {node.Kind}");
        }

        _ = Strings(node, path);
    }

    public PolicyJsonNode Required(PolicyJsonObject obj, string name, string path)
        => obj.Find(name)?.Value ?? throw Fail(obj, path, $"\"{name}\" is missing");

    /// <summary>Refuses members the service does not know (ECR and IAM refuse them too, later and with less detail).</summary>
    public void OnlyKnown(PolicyJsonObject obj, string path, params string[] known)
    {
        foreach (var property in obj.Properties)
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                var at = new PolicyJsonNull(property.Line, property.Column);
                throw Fail(at, Join(path, property.Name), $"\"{property.Name}\" is not a member ECR accepts here (expected {Quote(known)})");
            }
        }
    }

    public static string Join(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));
}
