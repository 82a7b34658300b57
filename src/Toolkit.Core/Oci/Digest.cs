using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Oci;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>, as the OCI image spec defines it. Only the registered
/// algorithms sha256 and sha512 are accepted, with lowercase hex of the right length.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public sealed class Digest : IEquatable<Digest>, IComparable<Digest>
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    /// <summary>The algorithm, <c>sha256</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The lowercase hex part.</summary>
    public string Encoded { get; }

    public static Digest Parse(string value)
    {
        if (TryParse(value, out var digest, out var error))
        {
            return digest;
        }

        throw new ToolkitException(ErrorCodes.InvalidDigest, error);
    }

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out Digest? digest)
        => TryParse(value, out digest, out _);

    private static bool TryParse(string? value, [NotNullWhen(true)] out Digest? digest, out string error)
    {
        digest = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "A digest is required, in the form sha256:<64 hex digits>.";
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = $"'{Shorten(value)}' is not a digest; expected <algorithm>:<hex>, e.g. sha256:<64 hex digits>.";
            return false;
        }

        var algorithm = value[..colon];
        var encoded = value[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => -1,
        };
        if (expectedLength < 0)
        {
            error = $"Digest algorithm '{Shorten(algorithm)}' is not supported; use sha256 or sha512.";
            return false;
        }

        if (encoded.Length != expectedLength || !IsLowerHex(encoded))
        {
            error = $"'{Shorten(value)}' is not a valid {algorithm} digest; expected {expectedLength} lowercase hex digits after '{algorithm}:'.";
            return false;
        }

        digest = new Digest(algorithm, encoded);
        error = string.Empty;
        return true;
    }

    /// <summary>Makes a digest from a hash the caller computed.</summary>
    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash)
        => Parse($"{algorithm}:{Convert.ToHexStringLower(hash)}");

    public static Digest Compute(ReadOnlySpan<byte> content, string algorithm = Sha256) => algorithm switch
    {
        Sha256 => new Digest(Sha256, Convert.ToHexStringLower(SHA256.HashData(content))),
        Sha512 => new Digest(Sha512, Convert.ToHexStringLower(SHA512.HashData(content))),
        _ => throw new ToolkitException(ErrorCodes.InvalidDigest, $"Digest algorithm '{algorithm}' is not supported; use sha256 or sha512."),
    };

    public static async Task<Digest> ComputeAsync(Stream content, string algorithm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var hasher = CreateHash(algorithm);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return new Digest(algorithm, Convert.ToHexStringLower(hasher.GetHashAndReset()));
    }

    /// <summary>An incremental hash for this digest's algorithm.</summary>
    public IncrementalHash CreateHash() => CreateHash(Algorithm);

    public static IncrementalHash CreateHash(string algorithm) => algorithm switch
    {
        Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new ToolkitException(ErrorCodes.InvalidDigest, $"Digest algorithm '{algorithm}' is not supported; use sha256 or sha512."),
    };

    /// <summary>True when <paramref name="content"/> hashes to this digest.</summary>
    public bool Matches(ReadOnlySpan<byte> content) => Equals(Compute(content, Algorithm));

    public override string ToString() => $"{Algorithm}:{Encoded}";

    /// <summary>The first 12 hex digits, for tables meant for people.</summary>
    public string Short => Encoded[..12];

    public bool Equals(Digest? other)
        => other is not null && Algorithm == other.Algorithm && Encoded == other.Encoded;

    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Encoded);

    public int CompareTo(Digest? other)
        => other is null ? 1 : string.CompareOrdinal(ToString(), other.ToString());

    public static bool operator ==(Digest? left, Digest? right) => Equals(left, right);

    public static bool operator !=(Digest? left, Digest? right) => !Equals(left, right);

    public static bool operator <(Digest left, Digest right) => Compare(left, right) < 0;

    public static bool operator >(Digest left, Digest right) => Compare(left, right) > 0;

    public static bool operator <=(Digest left, Digest right) => Compare(left, right) <= 0;

    public static bool operator >=(Digest left, Digest right) => Compare(left, right) >= 0;

    private static int Compare(Digest? left, Digest? right)
        => left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private static bool IsLowerHex(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";
}

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (!Digest.TryParse(text, out var digest))
        {
            throw new JsonException($"'{text}' is not a valid digest.");
        }

        return digest;
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.ToString());
}
