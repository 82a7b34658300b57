using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Repositories;

/// <summary>Which of a repository's two policies a document is.</summary>
public enum PolicyKind
{
    /// <summary>A lifecycle policy (PutLifecyclePolicy): rules that expire or archive images.</summary>
    Lifecycle,

    /// <summary>A repository policy (SetRepositoryPolicy): an IAM resource policy on the repository.</summary>
    Repository,
}

/// <summary>
/// A lifecycle or repository policy, checked and put in a canonical form. ECR stores policies reformatted, so two
/// policies are compared by their canonical text: object keys in ordinal order, whitespace ignored, numbers by value,
/// and for a repository policy the spellings IAM treats as the same (see <see cref="RepositoryPolicyRules"/>).
/// The text as written is what is sent.
/// </summary>
public sealed class PolicyDocument
{
    /// <summary>ECR's limits on the policy text (service model: LifecyclePolicyText 100–30720, RepositoryPolicyText at most 10240).</summary>
    public const int LifecyclePolicyMinLength = 100;

    public const int LifecyclePolicyMaxLength = 30720;

    public const int RepositoryPolicyMaxLength = 10240;

    private PolicyDocument(PolicyKind kind, string source, string text, string canonical)
    {
        Kind = kind;
        Source = source;
        Text = text;
        Canonical = canonical;
    }

    public PolicyKind Kind { get; }

    /// <summary>Where the document came from: a file path, or a description such as "the lifecycle policy of app in ECR".</summary>
    public string Source { get; }

    /// <summary>The text as written (what PutLifecyclePolicy or SetRepositoryPolicy sends).</summary>
    public string Text { get; }

    /// <summary>The canonical, pretty-printed JSON that comparisons and diffs use.</summary>
    public string Canonical { get; }

    /// <summary>True when the two documents mean the same policy (their canonical forms are equal).</summary>
    public bool IsEquivalentTo(PolicyDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Kind == other.Kind && string.Equals(Canonical, other.Canonical, StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses and checks a policy: well-formed JSON (<see cref="ErrorCodes.PolicyJsonMalformed"/> with line and column),
    /// then the structure ECR accepts (<see cref="ErrorCodes.LifecyclePolicyInvalid"/> or
    /// <see cref="ErrorCodes.RepositoryPolicyInvalid"/>, naming the member, its line and column).
    /// </summary>
    public static PolicyDocument Parse(PolicyKind kind, string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var root = PolicyJson.Parse(text, source);
        switch (kind)
        {
            case PolicyKind.Lifecycle:
                LifecyclePolicyRules.Check(root, source);
                if (text.Length is < LifecyclePolicyMinLength or > LifecyclePolicyMaxLength)
                {
                    throw new ToolkitException(
                        ErrorCodes.LifecyclePolicyInvalid,
                        $"{source} has {text.Length} characters; ECR takes a lifecycle policy of {LifecyclePolicyMinLength} to {LifecyclePolicyMaxLength} characters. "
                        + (text.Length < LifecyclePolicyMinLength ? "Add a description to the rule (or indent the file)." : "Merge or remove rules."));
                }

                return new PolicyDocument(kind, source, text, PolicyJson.Canonical(root));
            default:
                RepositoryPolicyRules.Check(root, source);
                if (text.Length > RepositoryPolicyMaxLength)
                {
                    throw new ToolkitException(
                        ErrorCodes.RepositoryPolicyInvalid,
                        $"{source} has {text.Length} characters; ECR takes a repository policy of at most {RepositoryPolicyMaxLength}. Remove whitespace or merge statements.");
                }

                return new PolicyDocument(kind, source, text, PolicyJson.Canonical(RepositoryPolicyRules.Normalize(root)));
        }
    }

    /// <summary>Reads and checks a policy file (<see cref="ErrorCodes.PolicyFileUnreadable"/> when it cannot be read).</summary>
    public static async Task<PolicyDocument> ReadFileAsync(PolicyKind kind, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var what = kind == PolicyKind.Lifecycle ? "lifecycle policy" : "repository policy";
            throw new ToolkitException(ErrorCodes.PolicyFileUnreadable, $"The {what} file {path} cannot be read ({e.GetType().Name}: {e.Message}). Check the path and that you may read it.", e);
        }

        return Parse(kind, text, path);
    }

    /// <summary>
    /// A policy as ECR returned it: parsed and normalized like a file, but not checked (ECR accepted it). Text that is not
    /// JSON (never seen from ECR) is kept as it is, so it compares unequal to any file and still shows in a diff.
    /// </summary>
    internal static PolicyDocument FromService(PolicyKind kind, string text, string source)
    {
        try
        {
            var root = PolicyJson.Parse(text, source);
            var canonical = kind == PolicyKind.Repository ? RepositoryPolicyRules.Normalize(root) : root;
            return new PolicyDocument(kind, source, text, PolicyJson.Canonical(canonical));
        }
        catch (ToolkitException)
        {
            return new PolicyDocument(kind, source, text, text);
        }
    }
}
