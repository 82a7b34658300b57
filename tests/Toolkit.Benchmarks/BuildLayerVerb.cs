using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Layers;

namespace Toolkit.Benchmarks;

/// <summary><c>build-layer &lt;dir&gt; &lt;out&gt;</c>: what the layer benchmark times as "ours".</summary>
internal sealed class BuildLayerVerb : IBenchmarkVerb
{
    public string Name => "build-layer";

    public string Description => "<dir> <out> [--level 6] [--workers n] [--block-kb 1024] [--compression gzip|zstd|none]";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        if (arguments.Positional.Count != 2)
        {
            await Console.Error.WriteLineAsync($"usage: build-layer {Description}");
            return 2;
        }

        var options = new LayerOptions
        {
            Compression = Enum.Parse<LayerCompression>(arguments.String("compression") ?? "gzip", ignoreCase: true),
            CompressionLevel = arguments.OptionalInt("level"),
            MaxDegreeOfParallelism = arguments.OptionalInt("workers"),
            CompressionBlockSize = arguments.Int("block-kb", LayerOptions.DefaultCompressionBlockSize / 1024) * 1024,
            Timestamp = DateTimeOffset.UnixEpoch,
        };
        var output = new FileStream(arguments.Positional[1], FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false);
        await using (output)
        {
            var layer = await new LayerBuilder().WriteAsync(
                [new LayerSource(arguments.Positional[0], "/")], options, output, cancellationToken);
            Console.WriteLine($"{layer.Descriptor.Digest} {layer.Descriptor.Size} diff_id {layer.DiffId} {layer.UncompressedSize} entries {layer.EntryCount}");
        }

        return 0;
    }
}
