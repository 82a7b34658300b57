using System.Text.RegularExpressions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>
/// How an ECR repository should be. A setting left null is not managed: a new repository gets ECR's default for it
/// (no scan on push, MUTABLE tags, AES256 encryption) and an existing repository keeps what it has. Tags are added or
/// updated; tags the repository has and the spec does not name are left alone.
/// </summary>
public sealed partial record RepositorySpec
{
    /// <summary>The most tags a repository may have (TooManyTagsException above it).</summary>
    public const int MaxTags = 50;

    /// <summary>The repository name, e.g. <c>team/app</c> (lower case; 2–256 characters).</summary>
    public required string Name { get; init; }

    /// <summary>The 12-digit account of the registry; null for the caller's own (default) registry.</summary>
    public string? RegistryId { get; init; }

    /// <summary>Whether every pushed image is scanned (basic scanning); null leaves it as it is.</summary>
    public bool? ScanOnPush { get; init; }

    /// <summary>Whether tags may move to another image, with exclusions; null leaves it as it is.</summary>
    public TagMutabilitySpec? TagMutability { get; init; }

    /// <summary>
    /// Encryption at rest. It is chosen when the repository is created and cannot change afterwards: an existing
    /// repository encrypted otherwise is reported as drift (<see cref="ErrorCodes.RepositoryEncryptionDrift"/>).
    /// Null creates with AES256 and does not check an existing repository.
    /// </summary>
    public RepositoryEncryption? Encryption { get; init; }

    /// <summary>Resource tags to add or update (key to value).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A lifecycle policy file to apply (checked first; sent only when it differs from the repository's).</summary>
    public string? LifecyclePolicyFile { get; init; }

    /// <summary>A repository policy file to apply (checked first; sent only when it differs from the repository's).</summary>
    public string? RepositoryPolicyFile { get; init; }

    /// <summary>Refuses settings ECR would refuse, before any request (<see cref="ErrorCodes.InvalidRepositorySettings"/>).</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name.Length is < 2 or > 256 || !RepositoryName().IsMatch(Name))
        {
            throw Invalid($"'{Name}' is not an ECR repository name: 2 to 256 lower-case letters and digits, separated by '.', '_', '__', '-' or '/' (e.g. team/app).");
        }

        if (RegistryId is not null && !AccountId().IsMatch(RegistryId))
        {
            throw Invalid($"'{RegistryId}' is not a registry ID; it is the 12-digit AWS account of the registry.");
        }

        TagMutability?.Validate();
        Encryption?.Validate();
        if (Tags.Count > MaxTags)
        {
            throw Invalid($"{Tags.Count} tags are given; a repository has at most {MaxTags}.");
        }

        foreach (var (key, value) in Tags)
        {
            if (key.Length is < 1 or > 128)
            {
                throw Invalid($"The tag key '{key}' must have 1 to 128 characters.");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"The tag key '{key}' starts with 'aws:', which AWS reserves for its own tags.");
            }

            if (value is null || value.Length > 256)
            {
                throw Invalid($"The value of tag '{key}' must have at most 256 characters.");
            }
        }
    }

    /// <summary>
    /// <see cref="Validate"/>, then reads and checks the policy files (<see cref="PolicyDocument.ReadFileAsync"/>), so a
    /// front-end can report every local mistake before it resolves AWS credentials or sends anything.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        Validate();
        if (LifecyclePolicyFile is { } lifecycle)
        {
            await PolicyDocument.ReadFileAsync(PolicyKind.Lifecycle, lifecycle, cancellationToken).ConfigureAwait(false);
        }

        if (RepositoryPolicyFile is { } policy)
        {
            await PolicyDocument.ReadFileAsync(PolicyKind.Repository, policy, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static ToolkitException Invalid(string message) => new(ErrorCodes.InvalidRepositorySettings, message);

    // The service model's RepositoryName pattern, anchored.
    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[0-9]{12}$")]
    internal static partial Regex AccountId();
}

/// <summary>
/// Tag mutability: <see cref="Immutable"/> with no exclusions is <c>IMMUTABLE</c>; immutable with exclusion filters is
/// <c>IMMUTABLE_WITH_EXCLUSION</c> (tags matching a filter can still move, e.g. <c>latest</c>); mutable with filters
/// is <c>MUTABLE_WITH_EXCLUSION</c> (tags matching a filter are fixed, e.g. <c>v*</c>). Filters are wildcards
/// (<c>*</c>), at most 5.
/// </summary>
public sealed partial record TagMutabilitySpec(bool Immutable, IReadOnlyList<string> ExclusionFilters)
{
    public const int MaxExclusionFilters = 5;

    public static TagMutabilitySpec Mutable { get; } = new(false, []);

    public static TagMutabilitySpec ImmutableTags { get; } = new(true, []);

    /// <summary>
    /// The setting front-ends ask for with <c>--immutable</c>, <c>--immutable-exclude</c> and <c>--mutable-exclude</c>:
    /// exceptions to immutability imply immutable tags, exceptions to mutability imply mutable ones, and the two
    /// together (or with the opposite <paramref name="immutable"/>) are <see cref="ErrorCodes.InvalidRepositorySettings"/>.
    /// Null when nothing is asked (the setting is not managed).
    /// </summary>
    public static TagMutabilitySpec? From(bool? immutable, IEnumerable<string>? immutableExclusions, IEnumerable<string>? mutableExclusions)
    {
        var mutableExceptions = (immutableExclusions ?? []).Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => f.Trim()).ToArray();
        var immutableExceptions = (mutableExclusions ?? []).Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => f.Trim()).ToArray();
        if (mutableExceptions.Length > 0 && immutableExceptions.Length > 0)
        {
            throw RepositorySpec.Invalid("Give exceptions to immutable tags (--immutable-exclude) or to mutable tags (--mutable-exclude), not both: a repository is IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.");
        }

        if (mutableExceptions.Length > 0)
        {
            return immutable == false
                ? throw RepositorySpec.Invalid("--immutable-exclude names tags that stay mutable in an immutable repository, but the tags are asked to be mutable; use --mutable-exclude for tags that must not move.")
                : new TagMutabilitySpec(true, mutableExceptions);
        }

        if (immutableExceptions.Length > 0)
        {
            return immutable == true
                ? throw RepositorySpec.Invalid("--mutable-exclude names tags that are fixed in a mutable repository, but the tags are asked to be immutable; use --immutable-exclude for tags that may still move.")
                : new TagMutabilitySpec(false, immutableExceptions);
        }

        return immutable is { } value ? new TagMutabilitySpec(value, []) : null;
    }

    /// <summary>The service's value: MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.</summary>
    public string Value => (Immutable, ExclusionFilters.Count > 0) switch
    {
        (true, false) => "IMMUTABLE",
        (true, true) => "IMMUTABLE_WITH_EXCLUSION",
        (false, false) => "MUTABLE",
        _ => "MUTABLE_WITH_EXCLUSION",
    };

    /// <summary>The value with its filters, for messages: <c>IMMUTABLE_WITH_EXCLUSION (latest, dev-*)</c>.</summary>
    public override string ToString() => ExclusionFilters.Count == 0 ? Value : $"{Value} ({string.Join(", ", ExclusionFilters)})";

    public bool Equals(TagMutabilitySpec? other)
        => other is not null && Immutable == other.Immutable
           && ExclusionFilters.Order(StringComparer.Ordinal).SequenceEqual(other.ExclusionFilters.Order(StringComparer.Ordinal), StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Immutable, ExclusionFilters.Count);

    internal void Validate()
    {
        if (ExclusionFilters.Count > MaxExclusionFilters)
        {
            throw RepositorySpec.Invalid($"{ExclusionFilters.Count} tag mutability exclusion filters are given; ECR takes at most {MaxExclusionFilters}.");
        }

        foreach (var filter in ExclusionFilters)
        {
            if (!Filter().IsMatch(filter ?? string.Empty))
            {
                throw RepositorySpec.Invalid($"The exclusion filter '{filter}' must be 1 to 128 letters, digits and '.', '_', '-', '*' (a wildcard), e.g. 'latest' or 'dev-*'.");
            }
        }

        if (ExclusionFilters.Distinct(StringComparer.Ordinal).Count() != ExclusionFilters.Count)
        {
            throw RepositorySpec.Invalid("An exclusion filter is given twice.");
        }
    }

    [GeneratedRegex("^[0-9a-zA-Z._*-]{1,128}$")]
    private static partial Regex Filter();
}

/// <summary>
/// Encryption at rest: <c>AES256</c> (S3-managed keys, ECR's default), <c>KMS</c> or <c>KMS_DSSE</c> (two layers) with
/// a KMS key given as a key ARN, a key ID, an alias (<c>alias/name</c>) or an alias ARN; no key means the AWS managed
/// key <c>aws/ecr</c>.
/// </summary>
public sealed record RepositoryEncryption(string Type, string? KmsKey)
{
    public static RepositoryEncryption Aes256 { get; } = new("AES256", null);

    public static RepositoryEncryption Kms(string? key) => new("KMS", string.IsNullOrWhiteSpace(key) ? null : key.Trim());

    /// <summary>Parses <c>AES256</c>, <c>KMS</c> or <c>KMS_DSSE</c> (any case) with an optional key.</summary>
    public static RepositoryEncryption Parse(string? type, string? kmsKey)
    {
        var key = string.IsNullOrWhiteSpace(kmsKey) ? null : kmsKey.Trim();
        var normalized = string.IsNullOrWhiteSpace(type) ? (key is null ? "AES256" : "KMS") : type.Trim().ToUpperInvariant().Replace('-', '_');
        return new RepositoryEncryption(normalized, key);
    }

    public override string ToString() => KmsKey is null ? Type : $"{Type} with key {KmsKey}";

    internal void Validate()
    {
        if (Type is not ("AES256" or "KMS" or "KMS_DSSE"))
        {
            throw RepositorySpec.Invalid($"'{Type}' is not an encryption type; use AES256, KMS or KMS_DSSE.");
        }

        if (Type == "AES256" && KmsKey is not null)
        {
            throw RepositorySpec.Invalid($"A KMS key ({KmsKey}) is given with AES256 encryption; use KMS (or KMS_DSSE) encryption with a key, or no key.");
        }

        if (KmsKey is { Length: > 2048 })
        {
            throw RepositorySpec.Invalid("The KMS key is longer than 2048 characters; give its ARN, ID or alias.");
        }
    }
}
