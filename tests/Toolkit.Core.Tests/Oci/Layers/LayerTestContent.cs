using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Layers;
using Toolkit.Testing;
using ZstdSharp;

namespace Toolkit.Core.Tests.Oci.Layers;

/// <summary>Builds source folders and reads layers back with readers that are not ours.</summary>
internal static class LayerTestContent
{
    public static readonly DateTimeOffset Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static void WriteFile(string root, string relativePath, string content)
        => WriteFile(root, relativePath, Encoding.UTF8.GetBytes(content));

    public static void WriteFile(string root, string relativePath, byte[] content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    /// <summary>A few MiB of random and text files in nested folders, the same for the same seed.</summary>
    public static void WriteMixedContent(string root, int seed = 7, int files = 24)
    {
        var random = new Random(seed);
        var words = new[] { "layer", "image", "digest", "manifest", "config", "tar", "gzip", "reproducible", "dotnet", "app" };
        for (var i = 0; i < files; i++)
        {
            var size = random.Next(1, 400_000);
            var relative = $"dir{i % 4}/sub{i % 3}/file{i:D2}.{(i % 2 == 0 ? "bin" : "txt")}";
            if (i % 2 == 0)
            {
                var bytes = new byte[size];
                random.NextBytes(bytes);
                WriteFile(root, relative, bytes);
            }
            else
            {
                var text = new StringBuilder();
                while (text.Length < size)
                {
                    text.Append(words[random.Next(words.Length)]).Append(random.Next(3) == 0 ? '\n' : ' ');
                }

                WriteFile(root, relative, text.ToString());
            }
        }
    }

    public static async Task<(BuiltLayer Layer, byte[] Blob)> BuildAsync(
        LayerOptions options, CancellationToken cancellationToken, params LayerSource[] sources)
    {
        using var blob = new MemoryStream();
        var layer = await new LayerBuilder().WriteAsync(sources, options, blob, cancellationToken);
        return (layer, blob.ToArray());
    }

    public static byte[] Decompress(byte[] blob, LayerCompression compression)
    {
        using var input = new MemoryStream(blob);
        using Stream reader = compression switch
        {
            LayerCompression.Gzip => new GZipStream(input, CompressionMode.Decompress),
            LayerCompression.Zstd => new DecompressionStream(input),
            _ => new MemoryStream(blob),
        };
        using var output = new MemoryStream();
        reader.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The tar entries as System.Formats.Tar reads them (pax records applied).</summary>
    public static List<TarEntrySnapshot> ReadEntries(byte[] tar)
    {
        var entries = new List<TarEntrySnapshot>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            byte[] data = [];
            if (entry.DataStream is not null)
            {
                using var content = new MemoryStream();
                entry.DataStream.CopyTo(content);
                data = content.ToArray();
            }

            entries.Add(new TarEntrySnapshot(
                entry.Name, entry.EntryType, entry.Mode, entry.Uid, entry.Gid, entry.ModificationTime,
                (entry as PosixTarEntry)?.UserName ?? string.Empty, (entry as PosixTarEntry)?.GroupName ?? string.Empty,
                entry.LinkName, data, (entry as PaxTarEntry)?.ExtendedAttributes.Keys.ToArray() ?? []));
        }

        return entries;
    }

    public static async Task<string> WriteTempFileAsync(TemporaryDirectory directory, string name, byte[] content)
    {
        var path = directory.Combine(name);
        await File.WriteAllBytesAsync(path, content);
        return path;
    }
}

internal sealed record TarEntrySnapshot(
    string Name, TarEntryType Type, UnixFileMode Mode, int Uid, int Gid, DateTimeOffset ModificationTime,
    string UserName, string GroupName, string LinkName, byte[] Data, string[] PaxKeys);
