using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// What ECR accepts in a lifecycle policy (Amazon ECR User Guide, "Lifecycle policy properties"):
/// <c>{"rules":[{"rulePriority", "description"?, "selection":{"tagStatus", "tagPrefixList"|"tagPatternList",
/// "storageClass"?, "countType", "countUnit"?, "countNumber"}, "action":{"type", "targetStorageClass"?}}]}</c>.
/// Checked here so a mistake is reported with its line before anything is sent.
/// </summary>
internal static class LifecyclePolicyRules
{
    private const string Guide = "See 'Lifecycle policy properties' in the Amazon ECR User Guide (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).";
    private const int MaxWildcardsPerPattern = 4;

    public static void Check(PolicyJsonNode root, string source)
    {
        var check = new PolicyChecker(source, ErrorCodes.LifecyclePolicyInvalid, Guide);
        var policy = check.Object(root, "$");
        check.OnlyKnown(policy, string.Empty, "rules");
        var rules = check.NonEmptyArray(check.Required(policy, "rules", "$"), "rules");

        var priorities = new Dictionary<long, string>();
        var anyRules = new List<(long Priority, string Path, PolicyJsonNode Node)>();
        long highest = long.MinValue;
        for (var i = 0; i < rules.Items.Count; i++)
        {
            var path = $"rules[{i}]";
            var rule = check.Object(rules.Items[i], path);
            check.OnlyKnown(rule, path, "rulePriority", "description", "selection", "action");
            var priorityNode = check.Required(rule, "rulePriority", path);
            var priority = check.Integer(priorityNode, $"{path}.rulePriority", 1);
            if (!priorities.TryAdd(priority, path))
            {
                throw check.Fail(priorityNode, $"{path}.rulePriority", $"rulePriority {priority} is also the priority of {priorities[priority]}; each rule needs its own");
            }

            highest = Math.Max(highest, priority);
            if (rule.Find("description") is { } description)
            {
                check.String(description.Value, $"{path}.description");
            }

            var tagStatus = CheckSelection(check, check.Required(rule, "selection", path), $"{path}.selection", out var countType);
            CheckAction(check, check.Required(rule, "action", path), $"{path}.action", countType);
            if (tagStatus == "any")
            {
                anyRules.Add((priority, path, priorityNode));
            }
        }

        foreach (var any in anyRules.Where(r => r.Priority != highest))
        {
            throw check.Fail(any.Node, $"{any.Path}.rulePriority", $"a rule with tagStatus \"any\" must have the highest rulePriority (it is evaluated last), but {any.Priority} is lower than {highest}");
        }
    }

    private static string CheckSelection(PolicyChecker check, PolicyJsonNode node, string path, out string countType)
    {
        var selection = check.Object(node, path);
        check.OnlyKnown(selection, path, "tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType", "countUnit", "countNumber");
        var tagStatus = check.OneOf(check.Required(selection, "tagStatus", path), $"{path}.tagStatus", "tagged", "untagged", "any");
        var patterns = selection.Find("tagPatternList");
        var prefixes = selection.Find("tagPrefixList");
        if (tagStatus == "tagged")
        {
            if (patterns is null && prefixes is null)
            {
                throw check.Fail(selection, path, "tagStatus \"tagged\" needs a tagPatternList (or a tagPrefixList) naming the tags the rule selects");
            }

            if (patterns is not null && prefixes is not null)
            {
                throw check.Fail(prefixes.Value, $"{path}.tagPrefixList", "give either tagPatternList or tagPrefixList, not both");
            }

            if (patterns is not null)
            {
                foreach (var (pattern, at) in check.Strings(patterns.Value, $"{path}.tagPatternList"))
                {
                    if (pattern.Count(c => c == '*') > MaxWildcardsPerPattern)
                    {
                        throw check.Fail(at, $"{path}.tagPatternList", $"\"{pattern}\" has more than {MaxWildcardsPerPattern} wildcards (*)");
                    }
                }
            }
            else
            {
                _ = check.Strings(prefixes!.Value, $"{path}.tagPrefixList");
            }
        }
        else if ((patterns ?? prefixes) is { } list)
        {
            throw check.Fail(list.Value, $"{path}.{list.Name}", $"{list.Name} is only for tagStatus \"tagged\"; remove it or select tagged images");
        }

        countType = check.OneOf(check.Required(selection, "countType", path), $"{path}.countType", "imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned");
        var countUnit = selection.Find("countUnit");
        if (countType == "imageCountMoreThan")
        {
            if (countUnit is not null)
            {
                throw check.Fail(countUnit.Value, $"{path}.countUnit", "countUnit is only for the since* count types; imageCountMoreThan counts images");
            }
        }
        else
        {
            check.OneOf(check.Required(selection, "countUnit", path), $"{path}.countUnit", "days");
        }

        check.Integer(check.Required(selection, "countNumber", path), $"{path}.countNumber", 1);

        var storageClass = selection.Find("storageClass") is { } storage
            ? check.OneOf(storage.Value, $"{path}.storageClass", "standard", "archive")
            : "standard";
        if (countType == "sinceImageTransitioned" && storageClass != "archive")
        {
            throw check.Fail(selection, path, "countType \"sinceImageTransitioned\" selects archived images: it needs \"storageClass\": \"archive\"");
        }

        if (countType != "sinceImageTransitioned" && storageClass == "archive")
        {
            throw check.Fail(selection.Find("storageClass")!.Value, $"{path}.storageClass", $"storageClass \"archive\" goes with countType \"sinceImageTransitioned\", not \"{countType}\"");
        }

        return tagStatus;
    }

    private static void CheckAction(PolicyChecker check, PolicyJsonNode node, string path, string countType)
    {
        var action = check.Object(node, path);
        check.OnlyKnown(action, path, "type", "targetStorageClass");
        var type = check.OneOf(check.Required(action, "type", path), $"{path}.type", "expire", "transition");
        var target = action.Find("targetStorageClass");
        if (type == "transition")
        {
            check.OneOf(check.Required(action, "targetStorageClass", path), $"{path}.targetStorageClass", "archive");
            if (countType == "sinceImageTransitioned")
            {
                throw check.Fail(action, path, "images selected by sinceImageTransitioned are archived already; their action can only be \"expire\"");
            }
        }
        else if (target is not null)
        {
            throw check.Fail(target.Value, $"{path}.targetStorageClass", "targetStorageClass is only for the \"transition\" action");
        }
    }
}
