using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Toolkit.Testing.Aws;

/// <summary>Repositories and their settings, policies and tags.</summary>
public sealed partial class EcrEmulator
{
    private const int MaxTags = 50;

    private static readonly Regex s_tagCharacters = new(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private JsonObject CreateRepository(OperationContext context)
    {
        CheckRegistry(context);
        var name = context.String("repositoryName")!;
        var mutability = context.String("imageTagMutability") ?? "MUTABLE";
        var filters = ExclusionFilters(context, mutability);
        var tags = Tags(context.Element("tags"));
        string encryptionType = "AES256";
        string? kmsKeyArn = null;
        if (context.Element("encryptionConfiguration") is { } encryption)
        {
            encryptionType = encryption.GetProperty("encryptionType").GetString()!;
            var kmsKey = encryption.TryGetProperty("kmsKey", out var key) ? key.GetString() : null;
            if (encryptionType == "AES256" && kmsKey is not null)
            {
                throw new EcrServiceException(
                    "InvalidParameterException",
                    "Invalid parameter at 'encryptionConfiguration' failed to satisfy constraint: 'kmsKey can only be specified when encryptionType is KMS or KMS_DSSE'");
            }

            if (encryptionType != "AES256")
            {
                kmsKeyArn = ResolveKmsKey(kmsKey);
            }
        }

        lock (_lock)
        {
            if (_repositories.ContainsKey(name))
            {
                throw new EcrServiceException("RepositoryAlreadyExistsException", $"The repository with name '{name}' already exists in the registry with id '{AccountId}'");
            }

            var repository = new RepositoryState
            {
                Name = name,
                CreatedAt = TruncateToMilliseconds(TimeProvider.GetUtcNow()),
                TagMutability = mutability,
                ExclusionFilters = filters,
                ScanOnPush = context.Element("imageScanningConfiguration") is { } scanning
                    && scanning.TryGetProperty("scanOnPush", out var scanOnPush) && scanOnPush.GetBoolean(),
                EncryptionType = encryptionType,
                KmsKeyArn = kmsKeyArn,
            };
            SetTags(repository, tags);
            _repositories[name] = repository;
            return new JsonObject { ["repository"] = RepositoryJson(repository) };
        }
    }

    private JsonObject DeleteRepository(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            if (repository.Images.Count > 0 && context.Bool("force") != true)
            {
                throw new EcrServiceException(
                    "RepositoryNotEmptyException",
                    $"The repository with name '{repository.Name}' in registry with id '{AccountId}' cannot be deleted because it still contains images");
            }

            _repositories.Remove(repository.Name);
            return new JsonObject { ["repository"] = RepositoryJson(repository) };
        }
    }

    private JsonObject DescribeRepositories(OperationContext context)
    {
        CheckRegistry(context);
        lock (_lock)
        {
            if (context.Element("repositoryNames") is { } names)
            {
                if (context.Input.TryGetProperty("maxResults", out _) || context.Input.TryGetProperty("nextToken", out _))
                {
                    throw new EcrServiceException(
                        "InvalidParameterException",
                        "Invalid parameter at 'maxResults' failed to satisfy constraint: 'maxResults and nextToken cannot be used with repositoryNames'");
                }

                var repositories = new JsonArray();
                foreach (var name in names.EnumerateArray().Select(n => n.GetString()!).Distinct(StringComparer.Ordinal))
                {
                    repositories.Add(RepositoryJson(_repositories.TryGetValue(name, out var repository) ? repository : throw RepositoryNotFound(name)));
                }

                return new JsonObject { ["repositories"] = repositories };
            }

            var all = _repositories.Values.OrderBy(r => r.CreatedAt).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
            var (page, next) = Paginate(all, context, AccountId);
            var result = new JsonObject { ["repositories"] = new JsonArray([.. page.Select(r => (JsonNode)RepositoryJson(r))]) };
            if (next is not null)
            {
                result["nextToken"] = next;
            }

            return result;
        }
    }

    private JsonObject PutImageScanningConfiguration(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var scanning = context.Element("imageScanningConfiguration")!.Value;
            repository.ScanOnPush = scanning.TryGetProperty("scanOnPush", out var scanOnPush) && scanOnPush.GetBoolean();
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = repository.ScanOnPush },
            };
        }
    }

    private JsonObject PutImageTagMutability(OperationContext context)
    {
        var mutability = context.String("imageTagMutability")!;
        var filters = ExclusionFilters(context, mutability);
        lock (_lock)
        {
            var repository = Repository(context);
            repository.TagMutability = mutability;
            repository.ExclusionFilters = filters;
            var result = new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["imageTagMutability"] = mutability,
            };
            if (filters.Count > 0)
            {
                result["imageTagMutabilityExclusionFilters"] = ExclusionFiltersJson(filters);
            }

            return result;
        }
    }

    private static List<string> ExclusionFilters(OperationContext context, string mutability)
    {
        var filters = context.Element("imageTagMutabilityExclusionFilters") is { } list
            ? list.EnumerateArray().Select(f => f.GetProperty("filter").GetString()!).ToList()
            : [];
        var withExclusion = mutability.EndsWith("_WITH_EXCLUSION", StringComparison.Ordinal);
        if (withExclusion && filters.Count == 0)
        {
            throw new EcrServiceException(
                "InvalidParameterException",
                $"Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'must be specified when imageTagMutability is {mutability}'");
        }

        if (!withExclusion && filters.Count > 0)
        {
            throw new EcrServiceException(
                "InvalidParameterException",
                $"Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'can only be specified when imageTagMutability is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not {mutability}'");
        }

        return filters;
    }

    private JsonObject PutLifecyclePolicy(OperationContext context)
    {
        var text = context.String("lifecyclePolicyText")!;
        var normalised = ValidateLifecyclePolicy(text);
        lock (_lock)
        {
            var repository = Repository(context);
            repository.LifecyclePolicy = normalised;
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["lifecyclePolicyText"] = normalised,
            };
        }
    }

    private JsonObject GetLifecyclePolicy(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["lifecyclePolicyText"] = repository.LifecyclePolicy ?? throw LifecyclePolicyNotFound(repository),
            };
        }
    }

    private JsonObject DeleteLifecyclePolicy(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var text = repository.LifecyclePolicy ?? throw LifecyclePolicyNotFound(repository);
            repository.LifecyclePolicy = null;
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["lifecyclePolicyText"] = text,
            };
        }
    }

    private EcrServiceException LifecyclePolicyNotFound(RepositoryState repository)
        => new("LifecyclePolicyNotFoundException", $"Lifecycle policy does not exist for the repository with name '{repository.Name}' in the registry with id '{AccountId}'");

    /// <summary>
    /// Checks a lifecycle policy like the service (a JSON object with a non-empty <c>rules</c> array; each rule with a unique
    /// positive <c>rulePriority</c>, a <c>selection</c> and an <c>action</c>) and returns it as the service stores it: compact JSON.
    /// </summary>
    private static string ValidateLifecyclePolicy(string text)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw LifecycleInvalid($"the policy is not valid JSON ({exception.Message})");
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("rules", out var rules) || rules.ValueKind != JsonValueKind.Array)
        {
            throw LifecycleInvalid("object has missing required properties ([\"rules\"])");
        }

        if (rules.GetArrayLength() == 0)
        {
            throw LifecycleInvalid("'rules' must contain at least one rule");
        }

        var priorities = new HashSet<int>();
        foreach (var rule in rules.EnumerateArray())
        {
            if (rule.ValueKind != JsonValueKind.Object
                || !rule.TryGetProperty("rulePriority", out var priority) || priority.ValueKind != JsonValueKind.Number || !priority.TryGetInt32(out var number) || number < 1)
            {
                throw LifecycleInvalid("every rule needs a rulePriority that is a positive integer");
            }

            if (!priorities.Add(number))
            {
                throw LifecycleInvalid($"rulePriority {number} is used by more than one rule");
            }

            if (!rule.TryGetProperty("selection", out var selection) || selection.ValueKind != JsonValueKind.Object)
            {
                throw LifecycleInvalid($"rule {number} has no selection");
            }

            var tagStatus = selection.TryGetProperty("tagStatus", out var status) ? status.GetString() : null;
            if (tagStatus is not ("tagged" or "untagged" or "any"))
            {
                throw LifecycleInvalid($"rule {number}: tagStatus must be tagged, untagged or any");
            }

            if (tagStatus == "tagged" && !selection.TryGetProperty("tagPrefixList", out _) && !selection.TryGetProperty("tagPatternList", out _))
            {
                throw LifecycleInvalid($"rule {number}: a tagged selection needs tagPrefixList or tagPatternList");
            }

            var countType = selection.TryGetProperty("countType", out var type) ? type.GetString() : null;
            if (countType is not ("imageCountMoreThan" or "sinceImagePushed" or "sinceImagePulled" or "sinceImageTransitioned"))
            {
                throw LifecycleInvalid($"rule {number}: countType must be imageCountMoreThan, sinceImagePushed, sinceImagePulled or sinceImageTransitioned");
            }

            if (!selection.TryGetProperty("countNumber", out var count) || count.ValueKind != JsonValueKind.Number || !count.TryGetInt32(out var countNumber) || countNumber < 1)
            {
                throw LifecycleInvalid($"rule {number}: countNumber must be a positive integer");
            }

            var hasUnit = selection.TryGetProperty("countUnit", out var unit);
            if (countType == "imageCountMoreThan" ? hasUnit : !hasUnit || unit.GetString() != "days")
            {
                throw LifecycleInvalid($"rule {number}: countUnit must be 'days' for {countType} and absent for imageCountMoreThan");
            }

            if (!rule.TryGetProperty("action", out var action) || !action.TryGetProperty("type", out var actionType) || actionType.GetString() is not ("expire" or "transition"))
            {
                throw LifecycleInvalid($"rule {number}: action.type must be expire or transition");
            }
        }

        return Compact(root);

        static EcrServiceException LifecycleInvalid(string detail)
            => new("InvalidParameterException", $"Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: {detail}'");
    }

    private static string Compact(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private JsonObject SetRepositoryPolicy(OperationContext context)
    {
        var text = context.String("policyText")!;
        JsonElement policy;
        try
        {
            using var document = JsonDocument.Parse(text);
            policy = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw InvalidRepositoryPolicy();
        }

        if (policy.ValueKind != JsonValueKind.Object || !policy.TryGetProperty("Statement", out var statement) || statement.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
        {
            throw InvalidRepositoryPolicy();
        }

        var stored = JacksonPretty(policy);
        lock (_lock)
        {
            var repository = Repository(context);
            repository.RepositoryPolicy = stored;
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["policyText"] = stored,
            };
        }

        static EcrServiceException InvalidRepositoryPolicy()
            => new("InvalidParameterException", "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'");
    }

    private JsonObject GetRepositoryPolicy(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["policyText"] = repository.RepositoryPolicy ?? throw RepositoryPolicyNotFound(repository),
            };
        }
    }

    private JsonObject DeleteRepositoryPolicy(OperationContext context)
    {
        lock (_lock)
        {
            var repository = Repository(context);
            var text = repository.RepositoryPolicy ?? throw RepositoryPolicyNotFound(repository);
            repository.RepositoryPolicy = null;
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["repositoryName"] = repository.Name,
                ["policyText"] = text,
            };
        }
    }

    private EcrServiceException RepositoryPolicyNotFound(RepositoryState repository)
        => new("RepositoryPolicyNotFoundException", $"Repository policy does not exist for the repository with name '{repository.Name}' in the registry with id '{AccountId}'");

    private JsonObject TagResource(OperationContext context)
    {
        var tags = Tags(context.Element("tags"));
        lock (_lock)
        {
            var repository = RepositoryByArn(context.String("resourceArn")!);
            SetTags(repository, tags);
            return [];
        }
    }

    private JsonObject UntagResource(OperationContext context)
    {
        var keys = context.Element("tagKeys")!.Value.EnumerateArray().Select(k => k.GetString()!).ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            var repository = RepositoryByArn(context.String("resourceArn")!);
            repository.Tags.RemoveAll(t => keys.Contains(t.Key));
            return [];
        }
    }

    private JsonObject ListTagsForResource(OperationContext context)
    {
        lock (_lock)
        {
            var repository = RepositoryByArn(context.String("resourceArn")!);
            return new JsonObject
            {
                ["tags"] = new JsonArray([.. repository.Tags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]),
            };
        }
    }

    private RepositoryState RepositoryByArn(string arn)
    {
        var prefix = $"arn:{Partition}:ecr:{Region}:{AccountId}:repository/";
        if (!arn.StartsWith(prefix, StringComparison.Ordinal) || arn.Length == prefix.Length)
        {
            throw new EcrServiceException("InvalidParameterException", $"Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN: {arn}'");
        }

        var name = arn[prefix.Length..];
        return _repositories.TryGetValue(name, out var repository) ? repository : throw RepositoryNotFound(name);
    }

    /// <summary>Tags as given, checked like the service: keys 1-128 characters, values at most 256, no <c>aws:</c> prefix, tag characters only.</summary>
    private static List<KeyValuePair<string, string>> Tags(JsonElement? element)
    {
        var tags = new List<KeyValuePair<string, string>>();
        if (element is not { } list)
        {
            return tags;
        }

        foreach (var tag in list.EnumerateArray())
        {
            var key = tag.GetProperty("Key").GetString()!;
            var value = tag.GetProperty("Value").GetString()!;
            if (key.Length is 0 or > 128 || value.Length > 256 || !s_tagCharacters.IsMatch(key) || !s_tagCharacters.IsMatch(value))
            {
                throw new EcrServiceException(
                    "InvalidTagParameterException",
                    $"Invalid parameter at 'tags' failed to satisfy constraint: 'tag keys must be 1 to 128 and values at most 256 characters of letters, digits, spaces and _.:/=+-@' (key '{key}')");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new EcrServiceException("InvalidTagParameterException", $"Invalid parameter at 'tags' failed to satisfy constraint: 'tag keys must not start with aws:' (key '{key}')");
            }

            tags.RemoveAll(t => t.Key == key);
            tags.Add(new(key, value));
        }

        return tags;
    }

    private static void SetTags(RepositoryState repository, List<KeyValuePair<string, string>> tags)
    {
        var keys = repository.Tags.Select(t => t.Key).Concat(tags.Select(t => t.Key)).Distinct(StringComparer.Ordinal).Count();
        if (keys > MaxTags)
        {
            throw new EcrServiceException("TooManyTagsException", $"A repository can have at most {MaxTags} tags; this request would give '{repository.Name}' {keys}.");
        }

        foreach (var tag in tags)
        {
            var index = repository.Tags.FindIndex(t => t.Key == tag.Key);
            if (index >= 0)
            {
                repository.Tags[index] = tag;
            }
            else
            {
                repository.Tags.Add(tag);
            }
        }
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
}
