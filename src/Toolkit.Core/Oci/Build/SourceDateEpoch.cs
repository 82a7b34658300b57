using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Core.Oci.Build;

/// <summary>Where the one timestamp of a reproducible build came from.</summary>
public enum TimestampSource
{
    /// <summary>Given explicitly by the caller.</summary>
    Explicit,

    /// <summary>The <c>SOURCE_DATE_EPOCH</c> environment variable.</summary>
    SourceDateEpoch,

    /// <summary>The commit time of <c>HEAD</c> in the source repository.</summary>
    GitCommit,

    /// <summary>No source was available: the Unix epoch.</summary>
    Constant,
}

/// <summary>The timestamp every layer entry, the config and the history carry.</summary>
public sealed record BuildTimestamp(DateTimeOffset Value, TimestampSource Source)
{
    /// <summary>The RFC 3339 form written into configs and labels.</summary>
    public string Rfc3339 => Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// Resolves the build timestamp the way reproducible-builds.org asks: <c>SOURCE_DATE_EPOCH</c>, else the
/// commit time of <c>HEAD</c>, else a constant. Never the wall clock.
/// </summary>
public sealed class SourceDateEpoch(IEnvironmentVariables environment, IProcessRunner processes, ILogger? logger = null)
{
    public const string VariableName = "SOURCE_DATE_EPOCH";

    public static DateTimeOffset Constant { get; } = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// The timestamp from a value the user gave (<paramref name="explicitSeconds"/>, named <paramref name="origin"/>
    /// in errors) when there is one, else as <see cref="ResolveAsync(string?, CancellationToken)"/> does.
    /// </summary>
    public Task<BuildTimestamp> ResolveAsync(string? explicitSeconds, string origin, string? repositoryDirectory, CancellationToken cancellationToken)
        => string.IsNullOrWhiteSpace(explicitSeconds)
            ? ResolveAsync(repositoryDirectory, cancellationToken)
            : Task.FromResult(new BuildTimestamp(Parse(explicitSeconds, origin), TimestampSource.Explicit));

    public async Task<BuildTimestamp> ResolveAsync(string? repositoryDirectory, CancellationToken cancellationToken)
    {
        var fromEnvironment = environment.Get(VariableName);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new BuildTimestamp(Parse(fromEnvironment, VariableName), TimestampSource.SourceDateEpoch);
        }

        if (repositoryDirectory is not null && Directory.Exists(repositoryDirectory))
        {
            try
            {
                var result = await processes.RunAsync("git", ["log", "-1", "--format=%ct", "HEAD"], repositoryDirectory, cancellationToken).ConfigureAwait(false);
                if (result.ExitCode == 0 && long.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return new BuildTimestamp(DateTimeOffset.FromUnixTimeSeconds(seconds), TimestampSource.GitCommit);
                }

                logger?.LogDebug("No commit time from git in {Directory}: {Error}", repositoryDirectory, result.StandardError.Trim());
            }
            catch (Win32Exception e)
            {
                logger?.LogDebug("git is not available ({Message}); using the constant timestamp.", e.Message);
            }
        }

        return new BuildTimestamp(Constant, TimestampSource.Constant);
    }

    /// <summary>Parses seconds since the Unix epoch, as <c>SOURCE_DATE_EPOCH</c> holds them.</summary>
    public static DateTimeOffset Parse(string value, string origin)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            throw new ToolkitException(
                ErrorCodes.InvalidOption,
                $"{origin} must be a whole number of seconds since 1970-01-01 UTC (e.g. the output of 'git log -1 --format=%ct'); got '{value}'.");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }
}
