using System.Diagnostics;
using System.Globalization;
using Toolkit.Core.Oci;
using Toolkit.Core.Oci.Build;
using Toolkit.Core.Storage;

namespace Toolkit.Benchmarks.Publish;

/// <summary>
/// <c>build-image &lt;publish-dir&gt; &lt;base&gt; &lt;out-dir&gt; [--repeat 3]</c>: what the BuildImage task does,
/// timed inside one fresh process, so the publish scenario can tell JIT and process cost from the work.
/// </summary>
internal sealed class BuildImageVerb : IBenchmarkVerb
{
    public string Name => "build-image";

    public string Description => "<publish-dir> <base> <out-dir> [--repeat 3]: ImageBuilder in-process, first build vs later ones";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        if (arguments.Positional.Count != 3)
        {
            await Console.Error.WriteLineAsync($"usage: build-image {Description}");
            return 2;
        }

        var startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        var repeat = arguments.Int("repeat", 3);
        var times = new List<double>();
        for (var i = 0; i <= repeat; i++)
        {
            var output = Path.Combine(arguments.Positional[2], i.ToString(CultureInfo.InvariantCulture));
            var stopwatch = Stopwatch.StartNew();
            await new ImageBuilder().BuildAsync(new ImageBuildRequest
            {
                BaseImage = ImageLocation.Parse(arguments.Positional[1]),
                Output = new OciLayoutLocation(output, "latest"),
                Layers = [new LayerSpec(arguments.Positional[0], "/app/")],
                Platforms = [new PlatformLayers(Platform.FromRuntimeIdentifier("linux-x64"), [])],
                Config = new ImageConfigEdits
                {
                    Entrypoint = DotNetEntrypoint.Resolve(arguments.Positional[0], "Sample.Api", "/app/", useAppHost: true),
                    WorkingDirectory = "/app/",
                },
                Timestamp = new BuildTimestamp(DateTimeOffset.UnixEpoch, TimestampSource.Explicit),
            }, cancellationToken);
            times.Add(stopwatch.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"first build {times[0]:F3} s, later builds median {Measurements.Median(times.Skip(1).ToArray()):F3} s, process start to first build {startup:F3} s");
        return 0;
    }
}
