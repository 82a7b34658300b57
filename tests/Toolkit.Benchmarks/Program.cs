using Toolkit.Benchmarks;
using Toolkit.Benchmarks.Publish;
using Toolkit.Benchmarks.Push;
using Toolkit.Benchmarks.Sbom;
using Toolkit.Benchmarks.ScanWait;

// Each scenario is a verb; helper verbs run the thing measured in a child process so process start
// counts for us as it does for the peer tools.
IBenchmarkVerb[] scenarios = [new LayerBenchmark(), new PublishBenchmark(), new PushBenchmark(), new SbomBenchmark(), new ScanWaitBenchmark()];
IBenchmarkVerb[] verbs = [.. scenarios, new AllBenchmarks(scenarios), new BuildLayerVerb(), new BuildImageVerb()];

if (args.Length == 0 || verbs.FirstOrDefault(v => v.Name == args[0]) is not { } verb)
{
    Console.Error.WriteLine("usage: Toolkit.Benchmarks <verb> [options]");
    foreach (var v in verbs)
    {
        Console.Error.WriteLine($"  {v.Name,-12} {v.Description}");
    }

    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await verb.RunAsync(new BenchmarkArguments(args[1..]), cancellation.Token);
