using System.Text.RegularExpressions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// A repository policy is an IAM resource policy: <c>{"Version", "Id"?, "Statement": [{"Sid"?, "Effect",
/// "Principal"|"NotPrincipal", "Action"|"NotAction", "Resource"|"NotResource"?, "Condition"?}]}</c>.
/// <para>
/// Comparison follows what IAM treats as the same policy, because ECR (like IAM) hands policies back rewritten:
/// a single <c>Statement</c> object is a list of one; in <c>Action</c>, <c>NotAction</c>, <c>Resource</c>,
/// <c>NotResource</c>, principal and condition values a string is a list of one, and lists are sets (order and
/// repeats do not count); <c>"Principal": "*"</c> is <c>{"AWS": "*"}</c>; an account's root ARN
/// (<c>arn:aws:iam::123456789012:root</c>) is the account ID; condition values compare as strings
/// (<c>true</c> and <c>"true"</c> alike). Statement order and everything else compare as written.
/// </para>
/// </summary>
internal static partial class RepositoryPolicyRules
{
    private const string Guide = "See 'Private repository policies' in the Amazon ECR User Guide (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html) and the IAM JSON policy reference.";

    private static readonly string[] s_setElements = ["Action", "NotAction", "Resource", "NotResource"];

    public static void Check(PolicyJsonNode root, string source)
    {
        var check = new PolicyChecker(source, ErrorCodes.RepositoryPolicyInvalid, Guide);
        var policy = check.Object(root, "$");
        check.OnlyKnown(policy, string.Empty, "Version", "Id", "Statement");
        check.OneOf(check.Required(policy, "Version", "$"), "Version", "2012-10-17", "2008-10-17");
        if (policy.Find("Id") is { } id)
        {
            check.String(id.Value, "Id");
        }

        var statementNode = check.Required(policy, "Statement", "$");
        IReadOnlyList<PolicyJsonNode> statements = statementNode is PolicyJsonObject single ? [single] : check.NonEmptyArray(statementNode, "Statement").Items;
        var sids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < statements.Count; i++)
        {
            var path = statementNode is PolicyJsonObject ? "Statement" : $"Statement[{i}]";
            var statement = check.Object(statements[i], path);
            check.OnlyKnown(statement, path, "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition");
            if (statement.Find("Sid") is { } sidProperty)
            {
                var sid = check.String(sidProperty.Value, $"{path}.Sid");
                if (!sids.TryAdd(sid, path))
                {
                    throw check.Fail(sidProperty.Value, $"{path}.Sid", $"Sid \"{sid}\" is also the Sid of {sids[sid]}; Sids must be unique in a policy");
                }
            }

            check.OneOf(check.Required(statement, "Effect", path), $"{path}.Effect", "Allow", "Deny");
            CheckPrincipal(check, statement, path);
            var action = Exactly(check, statement, path, "Action", "NotAction", required: true);
            check.StringOrStrings(action!.Value, $"{path}.{action.Name}");
            if (Exactly(check, statement, path, "Resource", "NotResource", required: false) is { } resource)
            {
                check.StringOrStrings(resource.Value, $"{path}.{resource.Name}");
            }

            if (statement.Find("Condition") is { } condition)
            {
                CheckCondition(check, condition.Value, $"{path}.Condition");
            }
        }
    }

    /// <summary>The policy rewritten to one spelling of each of IAM's equivalent forms (see the type's summary).</summary>
    public static PolicyJsonNode Normalize(PolicyJsonNode root)
    {
        if (root is not PolicyJsonObject policy)
        {
            return root;
        }

        return policy with
        {
            Properties = [.. policy.Properties.Select(p => p.Name == "Statement" ? p with { Value = NormalizeStatements(p.Value) } : p)],
        };
    }

    private static PolicyJsonNode NormalizeStatements(PolicyJsonNode node)
    {
        var statements = node switch
        {
            PolicyJsonObject single => [single],
            PolicyJsonArray array => array.Items,
            _ => null,
        };
        if (statements is null)
        {
            return node;
        }

        return new PolicyJsonArray([.. statements.Select(NormalizeStatement)], node.Line, node.Column);
    }

    private static PolicyJsonNode NormalizeStatement(PolicyJsonNode node)
    {
        if (node is not PolicyJsonObject statement)
        {
            return node;
        }

        return statement with
        {
            Properties = [.. statement.Properties.Select(p => p.Name switch
            {
                _ when s_setElements.Contains(p.Name, StringComparer.Ordinal) => p with { Value = StringSet(p.Value, static s => s) },
                "Principal" or "NotPrincipal" => p with { Value = NormalizePrincipal(p.Value) },
                "Condition" => p with { Value = NormalizeCondition(p.Value) },
                _ => p,
            })],
        };
    }

    private static PolicyJsonNode NormalizePrincipal(PolicyJsonNode node)
    {
        if (node is PolicyJsonString { Value: "*" } star)
        {
            return new PolicyJsonObject([new PolicyJsonProperty("AWS", new PolicyJsonArray([star], star.Line, star.Column), star.Line, star.Column)], star.Line, star.Column);
        }

        if (node is not PolicyJsonObject principal)
        {
            return node;
        }

        return principal with
        {
            Properties = [.. principal.Properties.Select(p => p with { Value = StringSet(p.Value, p.Name == "AWS" ? AccountOfRootArn : static s => s) })],
        };
    }

    private static PolicyJsonNode NormalizeCondition(PolicyJsonNode node)
    {
        if (node is not PolicyJsonObject condition)
        {
            return node;
        }

        return condition with
        {
            Properties = [.. condition.Properties.Select(op => op.Value is PolicyJsonObject keys
                ? op with { Value = keys with { Properties = [.. keys.Properties.Select(k => k with { Value = StringSet(k.Value, static s => s) })] } }
                : op)],
        };
    }

    /// <summary>A string, number, boolean or list of them, as a sorted list of distinct strings; anything else unchanged.</summary>
    private static PolicyJsonNode StringSet(PolicyJsonNode node, Func<string, string> rewrite)
    {
        IEnumerable<PolicyJsonNode> items = node is PolicyJsonArray array ? array.Items : [node];
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var text = item switch
            {
                PolicyJsonString s => s.Value,
                PolicyJsonNumber n => n.Normalized,
                PolicyJsonBoolean b => b.Value ? "true" : "false",
                _ => null,
            };
            if (text is null)
            {
                return node;
            }

            values.Add(rewrite(text));
        }

        return new PolicyJsonArray([.. values.Select(v => new PolicyJsonString(v, node.Line, node.Column))], node.Line, node.Column);
    }

    private static string AccountOfRootArn(string principal)
        => RootArn().Match(principal) is { Success: true } match ? match.Groups["account"].Value : principal;

    private static void CheckPrincipal(PolicyChecker check, PolicyJsonObject statement, string path)
    {
        var principal = Exactly(check, statement, path, "Principal", "NotPrincipal", required: true)!;
        var principalPath = $"{path}.{principal.Name}";
        if (principal.Value is PolicyJsonString s)
        {
            if (s.Value != "*")
            {
                throw check.Fail(s, principalPath, $"a principal string can only be \"*\"; name principals in an object such as {{\"AWS\": \"arn:aws:iam::123456789012:root\"}}, not \"{s.Value}\"");
            }

            return;
        }

        var map = check.Object(principal.Value, principalPath);
        if (map.Properties.Count == 0)
        {
            throw check.Fail(map, principalPath, "the principal names no one");
        }

        check.OnlyKnown(map, principalPath, "AWS", "Service", "Federated", "CanonicalUser");
        foreach (var entry in map.Properties)
        {
            check.StringOrStrings(entry.Value, $"{principalPath}.{entry.Name}");
        }
    }

    private static void CheckCondition(PolicyChecker check, PolicyJsonNode node, string path)
    {
        var condition = check.Object(node, path);
        foreach (var op in condition.Properties)
        {
            var keys = check.Object(op.Value, $"{path}.{op.Name}");
            foreach (var key in keys.Properties)
            {
                var keyPath = $"{path}.{op.Name}.{key.Name}";
                IEnumerable<PolicyJsonNode> values = key.Value is PolicyJsonArray array ? array.Items : [key.Value];
                foreach (var value in values)
                {
                    if (value is not (PolicyJsonString or PolicyJsonNumber or PolicyJsonBoolean))
                    {
                        throw check.Fail(value, keyPath, $"a condition value is a string, number or boolean (or a list of them), not {value.Kind}");
                    }
                }
            }
        }
    }

    private static PolicyJsonProperty? Exactly(PolicyChecker check, PolicyJsonObject statement, string path, string name, string negated, bool required)
    {
        var positive = statement.Find(name);
        var negative = statement.Find(negated);
        if (positive is not null && negative is not null)
        {
            throw check.Fail(negative.Value, $"{path}.{negated}", $"a statement has {name} or {negated}, not both");
        }

        if (required && positive is null && negative is null)
        {
            throw check.Fail(statement, path, $"\"{name}\" (or \"{negated}\") is missing");
        }

        return positive ?? negative;
    }

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::(?<account>[0-9]{12}):root$")]
    private static partial Regex RootArn();
}
