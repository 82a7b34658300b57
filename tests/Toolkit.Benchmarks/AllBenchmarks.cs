namespace Toolkit.Benchmarks;

/// <summary><c>all</c>: every scenario in turn, with the same options (e.g. <c>--runs</c>).</summary>
internal sealed class AllBenchmarks(IReadOnlyList<IBenchmarkVerb> scenarios) : IBenchmarkVerb
{
    public string Name => "all";

    public string Description => $"every scenario ({string.Join(", ", scenarios.Select(s => s.Name))}) with the same options";

    public async Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken)
    {
        foreach (var scenario in scenarios)
        {
            Console.WriteLine($"=== {scenario.Name}");
            var exitCode = await scenario.RunAsync(arguments, cancellationToken);
            if (exitCode != 0)
            {
                return exitCode;
            }

            Console.WriteLine();
        }

        return 0;
    }
}
