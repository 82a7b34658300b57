using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Toolkit.Core.Oci.Layers;

/// <summary>
/// Takes the uncompressed stream, cuts it into fixed-size blocks, compresses up to
/// <c>maxDegreeOfParallelism</c> blocks at once and writes them to the destination in order, hashing
/// what it writes. Block boundaries depend only on the input, so the output is the same for any degree
/// of parallelism. At most <c>2 * maxDegreeOfParallelism</c> blocks are in flight, which bounds memory.
/// Compression runs on dedicated threads rather than the thread pool: queued CPU-bound blocks would
/// otherwise delay the pool work items that read the files, starving the pipeline of input.
/// </summary>
internal sealed class BlockCompressionPipeline : IAsyncDisposable
{
    private readonly Stream _destination;
    private readonly BlockCodec _codec;
    private readonly int _blockSize;
    private readonly int _maxInFlight;
    private readonly BlockingCollection<WorkItem> _work = new();
    private readonly Thread[] _workers;
    private readonly Queue<Task<PooledBufferStream>> _inFlight = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _block;
    private int _filled;
    private long _written;
    private bool _headerWritten;

    public BlockCompressionPipeline(Stream destination, BlockCodec codec, int blockSize, int maxDegreeOfParallelism)
    {
        _destination = destination;
        _codec = codec;
        _blockSize = blockSize;
        _maxInFlight = 2 * maxDegreeOfParallelism;
        _block = ArrayPool<byte>.Shared.Rent(blockSize);
        _workers = codec.IsIdentity ? [] : new Thread[maxDegreeOfParallelism];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(CompressBlocks) { IsBackground = true, Name = $"layer-compression-{i}" };
            _workers[i].Start();
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var count = Math.Min(data.Length, _blockSize - _filled);
            data.Span[..count].CopyTo(_block.AsSpan(_filled));
            _filled += count;
            data = data[count..];
            if (_filled == _blockSize)
            {
                await SubmitBlockAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes what is left and the trailer; returns the digest and size of all bytes written.</summary>
    public async Task<(Digest Digest, long Size)> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            await SubmitBlockAsync(cancellationToken).ConfigureAwait(false);
        }

        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        while (_inFlight.Count > 0)
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        await WriteOutputAsync(_codec.Trailer(), cancellationToken).ConfigureAwait(false);
        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        return (Digest.FromHash(Digest.Sha256, _hash.GetHashAndReset()), _written);
    }

    public async ValueTask DisposeAsync()
    {
        // A failed or cancelled build may leave blocks being compressed; their buffers go back to the
        // pool only once they are done.
        while (_inFlight.Count > 0)
        {
            var task = _inFlight.Dequeue();
            try
            {
                using var _ = await task.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The first failure was already reported by the awaiting writer.
            }
        }

        if (_block.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _block = [];
        }

        _work.CompleteAdding();
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _work.Dispose();
        _hash.Dispose();
    }

    private async ValueTask SubmitBlockAsync(CancellationToken cancellationToken)
    {
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        var block = _block;
        var length = _filled;
        _codec.Observe(block.AsSpan(0, length));
        if (_codec.IsIdentity)
        {
            await WriteOutputAsync(block.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            _filled = 0;
            return;
        }

        _block = ArrayPool<byte>.Shared.Rent(_blockSize);
        _filled = 0;
        _inFlight.Enqueue(CompressAsync(block, length, cancellationToken));

        // Write whatever is already done, then wait only when the pipeline is full.
        while (_inFlight.Count > 0 && (_inFlight.Peek().IsCompleted || _inFlight.Count >= _maxInFlight))
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<PooledBufferStream> CompressAsync(byte[] block, int length, CancellationToken cancellationToken)
    {
        var item = new WorkItem(block, length, new TaskCompletionSource<PooledBufferStream>(TaskCreationOptions.RunContinuationsAsynchronously));
        _work.Add(item, cancellationToken);
        return item.Completion.Task;
    }

    private void CompressBlocks()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            try
            {
                item.Completion.SetResult(_codec.Compress(item.Block.AsSpan(0, item.Length)));
            }
#pragma warning disable CA1031 // Any failure belongs to the block's task; the writer awaiting it rethrows.
            catch (Exception exception)
            {
                item.Completion.SetException(exception);
            }
#pragma warning restore CA1031
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Block);
            }
        }
    }

    private async ValueTask WriteOldestAsync(CancellationToken cancellationToken)
    {
        using var compressed = await _inFlight.Dequeue().ConfigureAwait(false);
        var (buffer, length) = compressed.Detach();
        try
        {
            await WriteOutputAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask EnsureHeaderAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            _headerWritten = true;
            await WriteOutputAsync(_codec.Header.ToArray(), cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteOutputAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _hash.AppendData(bytes.Span);
        _written += bytes.Length;
        await _destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private sealed record WorkItem(byte[] Block, int Length, TaskCompletionSource<PooledBufferStream> Completion);
}
