using System.Globalization;

namespace Toolkit.Benchmarks;

/// <summary>Statistics and process CPU accounting shared by the scenarios.</summary>
internal static class Measurements
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// User + system time of waited-for children (and their waited-for children, e.g. tar and gzip
    /// under bash) from /proc/self/stat, so a loaded machine can still be compared on CPU.
    /// </summary>
    public static double ChildrenCpuSeconds()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return 0;
        }

        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double TicksPerSecond = 100;
        return (long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static string LoadAverage()
        => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Toolkit.sln")))
            {
                return directory.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
