namespace Toolkit.Testing.Aws;

/// <summary>
/// What the ECR data-plane facade (the OCI distribution side of the emulator) asks the ECR control plane: whether a
/// registry password is a token the control plane issued and still valid, whether a repository exists and which of its
/// tags are immutable, and what to record when an image lands. The control-plane emulator implements it, so
/// DescribeImages and BatchGetImage see what was pushed through the facade.
/// </summary>
public interface IEcrRegistryBackend
{
    /// <summary>The 12-digit account the emulated registry belongs to.</summary>
    string AccountId { get; }

    /// <summary>The emulated region, e.g. <c>us-east-1</c>.</summary>
    string Region { get; }

    /// <summary>
    /// True when <paramref name="password"/> (the part after <c>AWS:</c> in the decoded Basic credential) was issued by
    /// GetAuthorizationToken and has not expired.
    /// </summary>
    bool IsValidRegistryPassword(string password);

    /// <summary>True when the repository exists (ECR never creates one on push).</summary>
    bool RepositoryExists(string repositoryName);

    /// <summary>
    /// True when pushing <paramref name="tag"/> must not move it once it points at an image: the repository is IMMUTABLE
    /// and the tag matches no exclusion filter, or it is MUTABLE_WITH_EXCLUSION and the tag matches one.
    /// </summary>
    bool IsTagImmutable(string repositoryName, string tag);

    /// <summary>Called after the backing registry accepted a manifest (once per manifest, with the tag when it was put by tag).</summary>
    void ImagePushed(EcrPushedManifest manifest);
}

/// <summary>A manifest the data plane accepted.</summary>
public sealed record EcrPushedManifest(
    string RepositoryName,
    string Digest,
    string MediaType,
    long Size,
    string? Tag,
    string? ArtifactType,
    string? SubjectDigest,
    IReadOnlyList<string> LayerDigests,
    long LayersSize);
