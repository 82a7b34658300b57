using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Conventions.Tests;

/// <summary>The rules of ARCHITECTURE.md that a compiler does not enforce.</summary>
public class ArchitectureTests
{
    private static readonly string[] s_frontEnds = ["dotnet-toolkit", "Toolkit.MSBuild", "Toolkit.Cake"];

    /// <summary>Names of the assemblies an assembly references, read from its metadata (nothing is loaded).</summary>
    private static IReadOnlyList<string> ReferencesOf(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        using var stream = File.OpenRead(path);
        using var reader = new PEReader(stream);
        var metadata = reader.GetMetadataReader();
        return [.. metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name))];
    }

    [Theory]
    [InlineData("Microsoft.Build")]
    [InlineData("Cake.")]
    [InlineData("System.CommandLine")]
    [InlineData("Octokit")]
    [InlineData("AWSSDK")]
    [InlineData("Spectre.")]
    [InlineData("System.Console")]
    public void Core_references_no_front_end_vendor_or_console_assembly(string forbiddenPrefix)
    {
        var offending = ReferencesOf("Toolkit.Core").Where(r => r.StartsWith(forbiddenPrefix, StringComparison.Ordinal)).ToArray();

        Assert.True(offending.Length == 0, $"Toolkit.Core references {string.Join(", ", offending)}; Core must stay vendor- and front-end-neutral.");
    }

    [Fact]
    public void Core_logs_only_through_the_logging_abstractions()
    {
        Assert.DoesNotContain("Microsoft.Extensions.Logging", ReferencesOf("Toolkit.Core"));
    }

    [Theory]
    [InlineData("dotnet-toolkit")]
    [InlineData("Toolkit.MSBuild")]
    [InlineData("Toolkit.Cake")]
    public void Front_ends_reference_Core_and_never_each_other(string frontEnd)
    {
        var references = ReferencesOf(frontEnd);

        Assert.Contains("Toolkit.Core", references);
        Assert.Empty(references.Intersect(s_frontEnds.Where(f => f != frontEnd)));
    }

    [Fact]
    public void Diagnostic_codes_are_unique_and_well_formed()
    {
        var codes = ErrorCodes.All;

        Assert.NotEmpty(codes);
        Assert.All(codes, c => Assert.Matches(new Regex("^TK[0-5][0-9]{3}$"), c.Code));
        Assert.Equal(codes.Count, codes.Select(c => c.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, c => Assert.False(string.IsNullOrWhiteSpace(c.Title)));
    }

    [Fact]
    public void Every_public_async_member_of_Core_takes_a_cancellation_token_last()
    {
        var core = typeof(ToolkitException).Assembly;
        var missing = core.GetExportedTypes()
            .Where(t => !typeof(Stream).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsSpecialName && m.Name.EndsWith("Async", StringComparison.Ordinal) && m.Name != nameof(IAsyncDisposable.DisposeAsync))
            .Where(m => m.GetParameters() is var p && (p.Length == 0 || p[^1].ParameterType != typeof(CancellationToken)))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
            .ToArray();

        Assert.True(missing.Length == 0, "Async members without a trailing CancellationToken: " + string.Join(", ", missing));
    }

    [Fact]
    public void Core_awaits_without_capturing_the_context_everywhere()
    {
        // CA2007 is an error in src/ (see .editorconfig); this guards against someone turning it off.
        var editorConfig = File.ReadAllText(Path.Combine(Toolkit.Testing.TestPaths.RepositoryRoot, ".editorconfig"));

        Assert.Contains("dotnet_diagnostic.CA2007.severity = warning", editorConfig, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_diagnostic_code_is_documented_and_every_code_used_is_declared()
    {
        var root = Toolkit.Testing.TestPaths.RepositoryRoot;
        var documentation = File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md"));
        var declared = ErrorCodes.All.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        var used = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal))
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "TK[0-9]{4}").Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        var undocumented = declared.Where(c => !documentation.Contains($"| {c} |", StringComparison.Ordinal)).ToArray();
        var undeclared = used.Where(c => !declared.Contains(c)).ToArray();
        Assert.True(undocumented.Length == 0, "Not in docs/diagnostics.md: " + string.Join(", ", undocumented));
        Assert.True(undeclared.Length == 0, "Used in src/ but not declared in ErrorCodes: " + string.Join(", ", undeclared));
    }
}
