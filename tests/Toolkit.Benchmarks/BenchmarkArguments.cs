using System.Globalization;

namespace Toolkit.Benchmarks;

/// <summary><c>--name value</c> options and positional arguments.</summary>
internal sealed class BenchmarkArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public BenchmarkArguments(string[] args)
    {
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                _options[args[i][2..]] = args[++i];
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    public int Int(string name, int defaultValue)
        => _options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

    public int? OptionalInt(string name)
        => _options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    public string? String(string name) => _options.GetValueOrDefault(name);
}
