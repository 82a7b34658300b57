using System.Collections.Concurrent;
using Toolkit.Aws.Ecr.Scanning;

namespace Toolkit.Aws.Tests.Ecr.Scanning;

/// <summary>Progress reported on the caller's thread (not posted to the thread pool, like <see cref="Progress{T}"/>).</summary>
internal sealed class SynchronousProgress(ConcurrentQueue<ScanWaitProgress> queue) : IProgress<ScanWaitProgress>
{
    public void Report(ScanWaitProgress value) => queue.Enqueue(value);
}
