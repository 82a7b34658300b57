using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Every entry a layer will hold, decided from the folders before any content is read, and the options
/// it will be written with. See <see cref="LayerBuilder.Plan"/>.
/// </summary>
public sealed class LayerPlan
{
    private readonly Lazy<string?> _cacheKey;

    internal LayerPlan(IReadOnlyList<LayerEntry> entries, LayerOptions options)
    {
        Entries = entries;
        Options = options;
        _cacheKey = new Lazy<string?>(ComputeCacheKey);
    }

    internal IReadOnlyList<LayerEntry> Entries { get; }

    public LayerOptions Options { get; }

    public int EntryCount => Entries.Count;

    /// <summary>
    /// A sha256 over everything that decides the layer's bytes: the options that reach the bytes, each
    /// entry's path, kind, mode and link target, each file's identity (device, inode, size, modification
    /// and change times) and the build of the layer writer itself. Null when a file's identity is not
    /// known (platforms without <c>statx</c>): such a layer is always written.
    /// </summary>
    public string? CacheKey => _cacheKey.Value;

    private string? ComputeCacheKey()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Line(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        // The writer's own build: a changed tar or compression code must never reuse an older layer.
        Line("toolkit-layer/1 " + typeof(LayerPlan).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        Line(string.Create(CultureInfo.InvariantCulture, $"{Options.Compression} {Options.EffectiveCompressionLevel} {Options.CompressionBlockSize} {Options.Timestamp.ToUnixTimeSeconds()} {Options.Uid} {Options.Gid}"));
        foreach (var entry in Entries)
        {
            if (entry.Kind == FileKind.Regular && entry.Stamp is null)
            {
                return null;
            }

            Line(string.Create(CultureInfo.InvariantCulture, $"{entry.Kind} {entry.Mode} {entry.Size} {entry.Path}\0{entry.LinkTarget}\0{entry.SourcePath}\0{entry.Stamp}"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
