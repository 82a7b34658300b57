using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Toolkit.Testing.Aws;

/// <summary>
/// An in-memory <see cref="IEcrRegistryBackend"/> for data-plane tests that need no control plane: repositories and
/// immutable ones are declared by the test, registry passwords are issued and expired by the test, and pushed manifests are
/// recorded. (The control-plane emulator implements the same contract from its own state.)
/// </summary>
public sealed class StaticEcrRegistryBackend : IEcrRegistryBackend
{
    private readonly ConcurrentDictionary<string, bool> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _passwords = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EcrPushedManifest> _pushed = new();

    public StaticEcrRegistryBackend(string accountId = "123456789012", string region = "us-east-1")
    {
        AccountId = accountId;
        Region = region;
    }

    public string AccountId { get; }

    public string Region { get; }

    /// <summary>The registry host name of the account and region.</summary>
    public string RegistryHost => $"{AccountId}.dkr.ecr.{Region}.amazonaws.com";

    /// <summary>Every manifest the data plane reported, in order.</summary>
    public IReadOnlyList<EcrPushedManifest> Pushed => [.. _pushed];

    /// <summary>Every password issued so far (for tests that check none of them leaked).</summary>
    public IReadOnlyList<string> IssuedPasswords => [.. _passwords.Keys];

    /// <summary>Declares a repository; with <paramref name="immutableTags"/> none of its tags may move once set.</summary>
    public StaticEcrRegistryBackend WithRepository(string name, bool immutableTags = false)
    {
        _repositories[name] = immutableTags;
        return this;
    }

    /// <summary>A new registry password (what follows <c>AWS:</c>), valid until <see cref="Expire"/>.</summary>
    public string IssuePassword()
    {
        var password = "ecr-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _passwords[password] = true;
        return password;
    }

    /// <summary>Makes <paramref name="password"/> expire now.</summary>
    public void Expire(string password) => _passwords[password] = false;

    /// <summary>Makes every password issued so far expire now.</summary>
    public void ExpireAll()
    {
        foreach (var password in _passwords.Keys)
        {
            _passwords[password] = false;
        }
    }

    public bool IsValidRegistryPassword(string password) => _passwords.TryGetValue(password, out var valid) && valid;

    public bool RepositoryExists(string repositoryName) => _repositories.ContainsKey(repositoryName);

    public bool IsTagImmutable(string repositoryName, string tag) => _repositories.TryGetValue(repositoryName, out var immutable) && immutable;

    public void ImagePushed(EcrPushedManifest manifest) => _pushed.Enqueue(manifest);
}
