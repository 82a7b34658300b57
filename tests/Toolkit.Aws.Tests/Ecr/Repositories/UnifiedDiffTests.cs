using Toolkit.Aws.Ecr.Repositories;

namespace Toolkit.Aws.Tests.Ecr.Repositories;

public class UnifiedDiffTests
{
    [Fact]
    public void Equal_texts_give_no_diff()
    {
        Assert.Equal(string.Empty, UnifiedDiff.Create("a\nb\n", "a\nb\n", "x", "y"));
    }

    [Fact]
    public void A_changed_line_shows_as_removed_then_added_with_three_lines_of_context()
    {
        // Given ten lines where the sixth changed
        var before = string.Join('\n', Enumerable.Range(1, 10).Select(i => $"line {i}")) + "\n";
        var after = before.Replace("line 6", "line six", StringComparison.Ordinal);

        // When they are compared
        var diff = UnifiedDiff.Create(before, after, "ecr", "file.json");

        // Then the hunk is lines 3-9 of both, as diff -u writes it
        Assert.Equal(
            "--- ecr\n+++ file.json\n@@ -3,7 +3,7 @@\n line 3\n line 4\n line 5\n-line 6\n+line six\n line 7\n line 8\n line 9\n",
            diff);
    }

    [Fact]
    public void Distant_changes_make_separate_hunks_and_near_ones_merge()
    {
        var before = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"{i}")) + "\n";
        var after = before.Replace("\n2\n", "\ntwo\n", StringComparison.Ordinal).Replace("\n25\n", "\n25b\n", StringComparison.Ordinal).Replace("\n28\n", "\n28b\n", StringComparison.Ordinal);

        var diff = UnifiedDiff.Create(before, after, "a", "b");

        Assert.Equal(2, diff.Split('\n').Count(l => l.StartsWith("@@", StringComparison.Ordinal)));
        Assert.Contains("@@ -1,5 +1,5 @@", diff, StringComparison.Ordinal);
        Assert.Contains("@@ -22,9 +22,9 @@", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void A_diff_from_nothing_adds_every_line()
    {
        var diff = UnifiedDiff.Create(string.Empty, "{\n}\n", "(none)", "policy.json");

        Assert.Equal("--- (none)\n+++ policy.json\n@@ -0,0 +1,2 @@\n+{\n+}\n", diff);
    }

    [Fact]
    public async Task The_diff_applies_with_GNU_patch()
    {
        // Given two canonical policies
        var before = PolicyDocument.Parse(PolicyKind.Lifecycle, PolicyDocumentTests.Lifecycle, "a").Canonical + "\n";
        var after = PolicyDocument.Parse(PolicyKind.Lifecycle, PolicyDocumentTests.Lifecycle.Replace("14", "30", StringComparison.Ordinal).Replace("\"v*\"", "\"release-*\"", StringComparison.Ordinal), "b").Canonical + "\n";
        using var folder = new Toolkit.Testing.TemporaryDirectory("diff");
        File.WriteAllText(folder.Combine("policy.json"), before);
        File.WriteAllText(folder.Combine("policy.diff"), UnifiedDiff.Create(before, after, "policy.json", "policy.json"));

        // When GNU patch, an independent reader of the format, applies our diff
        await Toolkit.Testing.ExternalTool.RunCheckedAsync("patch", ["-s", folder.Combine("policy.json"), folder.Combine("policy.diff")]);

        // Then it produces the new policy
        Assert.Equal(after, File.ReadAllText(folder.Combine("policy.json")));
    }
}
