using System.Text;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;
using Toolkit.Core.Scanning.Reporting;
using Toolkit.Testing;

namespace Toolkit.Core.Tests.Scanning.Reporting;

public sealed class GitHubStepSummaryTests
{
    [Fact]
    public void Require_names_the_switch_and_the_alternative_when_the_variable_is_unset()
    {
        var environment = new DictionaryEnvironmentVariables(new Dictionary<string, string> { [GitHubStepSummary.Variable] = " " });

        var exception = Assert.Throws<ToolkitException>(() => GitHubStepSummary.Require(environment, "--step-summary", "write the report with --markdown <file>"));

        Assert.Equal(ErrorCodes.StepSummaryUnavailable, exception.ErrorCode);
        Assert.Contains("--step-summary appends to the file named by GITHUB_STEP_SUMMARY", exception.Message, StringComparison.Ordinal);
        Assert.EndsWith("or write the report with --markdown <file>.", exception.Message, StringComparison.Ordinal);
        Assert.Null(GitHubStepSummary.Find(environment));
    }

    [Fact]
    public async Task AppendAsync_adds_to_what_earlier_steps_wrote()
    {
        // Given a summary an earlier step wrote
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "step_summary.md");
        await File.WriteAllTextAsync(path, "# Build\n");
        var environment = new DictionaryEnvironmentVariables(new Dictionary<string, string> { [GitHubStepSummary.Variable] = path });

        // When
        var failure = await GitHubStepSummary.AppendAsync(GitHubStepSummary.Require(environment, "--step-summary", "-"), Encoding.UTF8.GetBytes("## Scan gate: PASS\n"), CancellationToken.None);

        // Then
        Assert.Null(failure);
        Assert.Equal("# Build\n## Scan gate: PASS\n", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task AppendAsync_returns_a_warning_instead_of_failing_when_the_file_cannot_be_written()
    {
        using var directory = new TemporaryDirectory();

        // A directory cannot be appended to.
        var failure = await GitHubStepSummary.AppendAsync(directory.Path, Encoding.UTF8.GetBytes("x"), CancellationToken.None);

        Assert.NotNull(failure);
        Assert.Contains($"The step summary '{directory.Path}' could not be written", failure, StringComparison.Ordinal);
    }
}
