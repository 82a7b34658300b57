namespace Toolkit.Benchmarks;

/// <summary>One command of the benchmark program: a scenario (e.g. <c>layer</c>) or a helper it runs.</summary>
internal interface IBenchmarkVerb
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(BenchmarkArguments arguments, CancellationToken cancellationToken);
}
