using Microsoft.Build.Framework;
using Toolkit.Core.Diagnostics;
using Task = Microsoft.Build.Utilities.Task;

namespace Toolkit.MSBuild.Tasks;

/// <summary>
/// The boundary every toolkit task shares: one sync-to-async hop, cancellation, and every failure logged
/// once with its TK code (I/O failures and defects included), never as a bare stack trace.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "MSBuild may call Cancel from another thread at any time, even after Execute returned; the source is left to the GC.")]
public abstract class ToolkitTask : Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        try
        {
            ExecuteAsync(_cancellation.Token).GetAwaiter().GetResult();
        }
        catch (ToolkitException e)
        {
            Log.LogError(null, e.Code, null, null, 0, 0, 0, 0, e.Message);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogWarning($"{GetType().Name} was cancelled.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var (code, hint) = DescribeIOFailure();
            Log.LogError(null, code.Code, null, null, 0, 0, 0, 0, $"{e.Message} {hint}");
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }
#pragma warning disable CA1031 // The task boundary: a defect becomes one coded error, with the details at low importance.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.LogError(null, ErrorCodes.Unexpected.Code, null, null, 0, 0, 0, 0, $"Unexpected failure ({e.GetType().Name}: {e.Message}). Build again with -v:diag for details, and report it.");
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>The task's work: map parameters to one engine call and map the result back.</summary>
    protected abstract System.Threading.Tasks.Task ExecuteAsync(CancellationToken cancellationToken);

    /// <summary>The code and advice for a file-system failure in this task.</summary>
    protected abstract (ErrorCode Code, string Hint) DescribeIOFailure();
}
