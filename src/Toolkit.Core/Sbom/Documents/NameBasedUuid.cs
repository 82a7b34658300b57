using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Core.Sbom.Documents;

/// <summary>
/// Name-based UUIDs, version 5 (RFC 9562 section 5.5): SHA-1 over the namespace UUID's 16 bytes (network order)
/// followed by the name's UTF-8 bytes, truncated to 128 bits, with the version and variant bits set.
/// The same namespace and name always give the same UUID.
/// </summary>
public static class NameBasedUuid
{
    /// <summary>The namespace the toolkit derives SBOM serial numbers in.</summary>
    public static Guid SbomNamespace { get; } = new("7ef018d4-913f-400b-8633-588ce1106b8f");

    /// <summary>The RFC 9562 namespace for DNS names (for checking against the RFC's examples).</summary>
    public static Guid DnsNamespace { get; } = new("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

    public static Guid Create(Guid namespaceId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        if (!namespaceId.TryWriteBytes(input, bigEndian: true, out _))
        {
            throw new InvalidOperationException("A UUID is 16 bytes.");
        }

        nameBytes.CopyTo(input, 16);

        // SHA-1 is what version 5 is defined with; it only spreads the name here, it protects nothing.
#pragma warning disable CA5350
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
