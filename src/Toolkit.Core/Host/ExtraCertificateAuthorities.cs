using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Core.Host;

/// <summary>
/// Certificate authorities trusted on top of the system's (<c>--ca-file</c>): a TLS-inspecting proxy's CA, a private
/// registry's. Every TLS client of the toolkit (registries, AWS endpoints) validates with the same rule.
/// </summary>
public sealed class ExtraCertificateAuthorities : IDisposable
{
    private readonly X509Certificate2Collection _roots;

    private ExtraCertificateAuthorities(X509Certificate2Collection roots) => _roots = roots;

    /// <summary>Reads the PEM certificates of <paramref name="path"/>; a file that cannot be read or holds none is <see cref="ErrorCodes.InvalidCaFile"/>.</summary>
    public static ExtraCertificateAuthorities Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ToolkitException(ErrorCodes.InvalidCaFile, $"The CA file {path} cannot be read as PEM certificates ({exception.GetType().Name}).");
        }

        if (roots.Count == 0)
        {
            throw new ToolkitException(ErrorCodes.InvalidCaFile, $"The CA file {path} holds no PEM certificate.");
        }

        return new ExtraCertificateAuthorities(roots);
    }

    /// <summary>
    /// Accepts what the system trusts, or a chain that ends in one of these CAs. The host name must match either way:
    /// only an untrusted chain can be rescued.
    /// </summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public void Dispose()
    {
        foreach (var certificate in _roots)
        {
            certificate.Dispose();
        }
    }
}
