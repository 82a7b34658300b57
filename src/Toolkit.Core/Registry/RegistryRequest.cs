namespace Toolkit.Core.Registry;

/// <summary>Per-request flags the registry handlers read (set by <see cref="RegistryClient"/>).</summary>
internal static class RegistryRequest
{
    /// <summary>A request that must not carry the registry's credentials (e.g. a storage redirect).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("Toolkit.Registry.Anonymous");

    /// <summary>
    /// An upload request the client recovers itself when it fails (it asks the registry where the session stands, then
    /// resumes or restarts it): replaying it blindly could append to what the registry already took, so handlers do not.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> CallerRecovers = new("Toolkit.Registry.CallerRecovers");

    /// <summary>
    /// Set by <see cref="RegistryAuthHandler"/> on a request it could not send again after the registry refused its
    /// credential, once it had that credential renewed: the caller can start over (e.g. a new upload session) and succeed.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> CredentialRenewed = new("Toolkit.Registry.CredentialRenewed");

    /// <summary>The repository a request is about, for messages.</summary>
    public static readonly HttpRequestOptionsKey<string> Repository = new("Toolkit.Registry.Repository");

    /// <summary>
    /// True when the request can be sent again: no content, or content already in memory. A streamed body
    /// (a blob from disk) is sent once; the auth handler authenticates before it and the retry handler leaves it alone.
    /// </summary>
    public static bool IsReplayable(HttpRequestMessage request)
        => request.Content is null or ByteArrayContent or ReadOnlyMemoryContent;

    public static bool WasCredentialRenewed(HttpRequestMessage request)
        => request.Options.TryGetValue(CredentialRenewed, out var renewed) && renewed;

    public static bool IsCallerRecovered(HttpRequestMessage request)
        => request.Options.TryGetValue(CallerRecovers, out var recovers) && recovers;

    public static string? RepositoryOf(HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(Repository, out var repository))
        {
            return repository;
        }

        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var marker in new[] { "/manifests/", "/blobs/", "/tags/", "/referrers/" })
        {
            var index = path.IndexOf(marker, StringComparison.Ordinal);
            if (index > 4)
            {
                return path[4..index];
            }
        }

        return null;
    }
}
