using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolkit.Testing.Aws;

/// <summary>The registry as a whole: authorization tokens, replication, and the KMS keys repositories may be encrypted with.</summary>
public sealed partial class EcrEmulator
{
    /// <summary>How long a registry password from GetAuthorizationToken is valid.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    private readonly Dictionary<string, (string RegistryId, DateTimeOffset ExpiresAt)> _passwords = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _kmsKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _kmsAliases = new(StringComparer.Ordinal);
    private JsonArray _replicationRules = [];

    /// <summary>How many registry passwords GetAuthorizationToken issued.</summary>
    public int IssuedTokens
    {
        get
        {
            lock (_lock)
            {
                return _passwords.Count;
            }
        }
    }

    /// <summary>
    /// Every registry password issued so far, and the base64 <c>AWS:&lt;password&gt;</c> tokens they were sent in: the values a
    /// secrets test looks for in a client's output.
    /// </summary>
    public IReadOnlyList<string> IssuedRegistrySecrets()
    {
        lock (_lock)
        {
            return [.. _passwords.Keys.SelectMany(p => new[] { p, Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + p)) })];
        }
    }

    /// <summary>
    /// Creates a customer managed KMS key (with <paramref name="alias"/>, e.g. <c>alias/app</c>, when given) that repositories
    /// may be encrypted with, and returns its ARN. A key or alias the emulator does not know answers <c>KmsException</c>.
    /// </summary>
    public string AddKmsKey(string? alias = null)
    {
        lock (_lock)
        {
            var id = Guid.NewGuid().ToString();
            var arn = $"arn:{Partition}:kms:{Region}:{AccountId}:key/{id}";
            _kmsKeys[id] = arn;
            if (alias is not null)
            {
                _kmsAliases[alias.StartsWith("alias/", StringComparison.Ordinal) ? alias : "alias/" + alias] = id;
            }

            return arn;
        }
    }

    bool IEcrRegistryBackend.IsValidRegistryPassword(string password)
    {
        lock (_lock)
        {
            return _passwords.TryGetValue(password, out var issued) && issued.RegistryId == AccountId && TimeProvider.GetUtcNow() < issued.ExpiresAt;
        }
    }

    /// <summary>Makes every registry password issued so far expire now (a token that expires in the middle of a push).</summary>
    public void ExpireRegistryPasswords()
    {
        lock (_lock)
        {
            var now = TimeProvider.GetUtcNow();
            foreach (var password in _passwords.Keys.ToList())
            {
                _passwords[password] = (_passwords[password].RegistryId, now);
            }
        }
    }

    private JsonObject GetAuthorizationToken(OperationContext context)
    {
        var registryIds = context.Element("registryIds") is { } ids ? ids.EnumerateArray().Select(i => i.GetString()!).ToList() : [AccountId];
        var expiresAt = TruncateToMilliseconds(TimeProvider.GetUtcNow() + TokenLifetime);
        var data = new JsonArray();
        lock (_lock)
        {
            foreach (var registryId in registryIds.Distinct(StringComparer.Ordinal))
            {
                var password = NewPassword(expiresAt);
                _passwords[password] = (registryId, expiresAt);
                data.Add(new JsonObject
                {
                    ["authorizationToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)),
                    ["expiresAt"] = Epoch(expiresAt),
                    ["proxyEndpoint"] = $"https://{registryId}.dkr.ecr.{Region}.amazonaws.com{(Partition == "aws-cn" ? ".cn" : string.Empty)}",
                });
            }
        }

        return new JsonObject { ["authorizationData"] = data };
    }

    /// <summary>A password shaped like the service's: base64 of a JSON envelope around an encrypted payload and data key, about 2 KiB.</summary>
    private static string NewPassword(DateTimeOffset expiresAt)
    {
        var envelope = new Dictionary<string, object>
        {
            ["payload"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(1024)),
            ["datakey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(184)),
            ["version"] = "2",
            ["type"] = "DATA_KEY",
            ["expiration"] = expiresAt.ToUnixTimeSeconds(),
        };
        return Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(envelope));
    }

    private JsonObject PutReplicationConfiguration(OperationContext context)
    {
        var configuration = context.Element("replicationConfiguration")!.Value;
        foreach (var rule in configuration.GetProperty("rules").EnumerateArray())
        {
            foreach (var destination in rule.GetProperty("destinations").EnumerateArray())
            {
                if (destination.GetProperty("region").GetString() == Region && destination.GetProperty("registryId").GetString() == AccountId)
                {
                    throw new EcrServiceException(
                        "InvalidParameterException",
                        "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'a replication destination cannot be the source registry and region'");
                }
            }
        }

        lock (_lock)
        {
            _replicationRules = (JsonArray)JsonNode.Parse(configuration.GetProperty("rules").GetRawText())!;
            return new JsonObject { ["replicationConfiguration"] = new JsonObject { ["rules"] = _replicationRules.DeepClone() } };
        }
    }

    private JsonObject DescribeRegistry(OperationContext context)
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["registryId"] = AccountId,
                ["replicationConfiguration"] = new JsonObject { ["rules"] = _replicationRules.DeepClone() },
            };
        }
    }

    /// <summary>
    /// The ARN of the key a repository is encrypted with, as the service resolves it: a key ARN, key id, alias name
    /// (<c>alias/x</c>) or alias ARN of a known key; ECR's AWS managed key (<c>alias/aws/ecr</c>) when none is given.
    /// </summary>
    private string ResolveKmsKey(string? kmsKey)
    {
        lock (_lock)
        {
            if (kmsKey is null)
            {
                if (!_kmsAliases.TryGetValue("alias/aws/ecr", out var managed))
                {
                    managed = Guid.NewGuid().ToString();
                    _kmsKeys[managed] = $"arn:{Partition}:kms:{Region}:{AccountId}:key/{managed}";
                    _kmsAliases["alias/aws/ecr"] = managed;
                }

                return _kmsKeys[managed];
            }

            var prefix = $"arn:{Partition}:kms:{Region}:{AccountId}:";
            var local = kmsKey.StartsWith(prefix, StringComparison.Ordinal) ? kmsKey[prefix.Length..] : kmsKey;
            string? id = null;
            if (local.StartsWith("alias/", StringComparison.Ordinal))
            {
                _kmsAliases.TryGetValue(local, out id);
            }
            else
            {
                var keyId = local.StartsWith("key/", StringComparison.Ordinal) ? local["key/".Length..] : local;
                id = _kmsKeys.ContainsKey(keyId) ? keyId : null;
            }

            return id is not null
                ? _kmsKeys[id]
                : throw new EcrServiceException(
                    "KmsException",
                    $"The KMS key '{kmsKey}' cannot be used: it was not found in account {AccountId}, region {Region}.",
                    ("kmsError", (JsonNode)"NotFoundException"));
        }
    }
}
