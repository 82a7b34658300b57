using System.Collections.Concurrent;

namespace Toolkit.Aws;

/// <summary>One attempt of an AWS request: which operation, what status came back (0 when none) and the AWS request ID.</summary>
public sealed record AwsRequestRecord(string Service, string Operation, int StatusCode, string? RequestId, DateTimeOffset Time);

/// <summary>
/// Every AWS request attempt of a run, in order, with the request ID AWS gave it (<c>x-amzn-RequestId</c>), so a run
/// report can list them and AWS support can trace a call. Thread-safe; shared by every client of one connection.
/// </summary>
public sealed class AwsRequestLog
{
    private readonly ConcurrentQueue<AwsRequestRecord> _records = new();

    public IReadOnlyList<AwsRequestRecord> Records => [.. _records];

    public void Add(AwsRequestRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records.Enqueue(record);
    }
}
