using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Core.Scanning.Reporting;

/// <summary>
/// The GitHub Actions job summary: a Markdown file named by <c>GITHUB_STEP_SUMMARY</c> in every step, to which each step
/// appends. Every front-end's "step summary" switch goes through here.
/// </summary>
public static class GitHubStepSummary
{
    /// <summary>The variable GitHub Actions names the step summary file with.</summary>
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>The summary file of the current step, or null outside GitHub Actions.</summary>
    public static string? Find(IEnvironmentVariables environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.Get(Variable) is { } path && !string.IsNullOrWhiteSpace(path) ? path : null;
    }

    /// <summary>
    /// The summary file of the current step; when there is none, TK4022 naming <paramref name="setting"/> (the switch that
    /// asked for it, e.g. <c>--step-summary</c>) and <paramref name="alternative"/> (how to get the report otherwise).
    /// </summary>
    public static string Require(IEnvironmentVariables environment, string setting, string alternative)
        => Find(environment) ?? throw new ToolkitException(
            ErrorCodes.StepSummaryUnavailable,
            $"{setting} appends to the file named by {Variable}, which is not set (GitHub Actions sets it in every step). Turn {setting} off, or {alternative}.");

    /// <summary>
    /// Appends <paramref name="markdown"/> to the summary file. A file that cannot be written does not change any decision:
    /// the TK4023 warning text is returned for the front-end to log (null when written).
    /// </summary>
    public static async Task<string?> AppendAsync(string path, ReadOnlyMemory<byte> markdown, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(markdown, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"The step summary '{path}' could not be written ({e.Message}); the reports written to files are complete.";
        }
    }
}
