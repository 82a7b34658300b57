using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Build.Framework;

namespace Toolkit.MSBuild.Tests.Tasks;

/// <summary>The least of an MSBuild engine a task needs to run: it keeps what the task logs.</summary>
public sealed class RecordingBuildEngine : IBuildEngine
{
    private readonly ConcurrentQueue<BuildErrorEventArgs> _errors = new();
    private readonly ConcurrentQueue<BuildMessageEventArgs> _messages = new();
    private readonly ConcurrentQueue<BuildWarningEventArgs> _warnings = new();

    public IReadOnlyList<BuildErrorEventArgs> Errors => [.. _errors];

    public IReadOnlyList<BuildMessageEventArgs> Messages => [.. _messages];

    public IReadOnlyList<BuildWarningEventArgs> Warnings => [.. _warnings];

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "test.csproj";

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs)
        => throw new NotSupportedException("The image task builds no projects.");

    public void LogCustomEvent(CustomBuildEventArgs e)
    {
    }

    public void LogErrorEvent(BuildErrorEventArgs e) => _errors.Enqueue(e);

    public void LogMessageEvent(BuildMessageEventArgs e) => _messages.Enqueue(e);

    public void LogWarningEvent(BuildWarningEventArgs e) => _warnings.Enqueue(e);
}
