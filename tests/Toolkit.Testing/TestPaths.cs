using System.Reflection;

namespace Toolkit.Testing;

/// <summary>Where the repository and the shared specification files are, as the build recorded them.</summary>
public static class TestPaths
{
    /// <summary><c>../shared/spec</c> next to the repository (override with TOOLKIT_SPEC_DIR).</summary>
    public static string SpecDirectory { get; } =
        Environment.GetEnvironmentVariable("TOOLKIT_SPEC_DIR") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Metadata("ToolkitSpecDirectory");

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot { get; } = Metadata("ToolkitRepositoryRoot");

    /// <summary>The configuration the tests (and so the src projects they reference) were built in, e.g. <c>Debug</c>.</summary>
    public static string BuildConfiguration { get; } = Metadata("ToolkitBuildConfiguration");

    public static string Spec(params string[] parts) => Path.Combine([SpecDirectory, .. parts]);

    private static string Metadata(string key)
    {
        var assembly = Assembly.GetEntryAssembly() is { } entry && HasKey(entry, key) ? entry : FindTestAssembly(key);
        return assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;
    }

    private static bool HasKey(Assembly assembly, string key)
        => assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Any(a => a.Key == key);

    private static Assembly FindTestAssembly(string key)
        => AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && HasKey(a, key))
           ?? throw new InvalidOperationException($"No loaded test assembly records '{key}'; test projects get it from tests/Directory.Build.props.");
}
