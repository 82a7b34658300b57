using System.Diagnostics;
using System.IO.Compression;
using Toolkit.Core.Oci;
using Toolkit.Core.Sbom.Image;

namespace Toolkit.Core.Tests.Sbom.Image;

/// <summary>Measures memory around one walk, so nothing else may run at the same time.</summary>
[CollectionDefinition(nameof(CompressionBombTests), DisableParallelization = true)]
public sealed class CompressionBombCollection;

[Collection(nameof(CompressionBombTests))]
public sealed class CompressionBombTests
{
    private const long TenGiB = 10L << 30;

    [Fact]
    public async Task Ten_gibibytes_of_zeros_in_a_few_megabytes_of_gzip_stream_through_in_bounded_memory()
    {
        // Given: a gzip layer of a few MB (concatenated gzip members, generated as it is read, never stored) whose tar holds
        // a 10 GiB /var/lib/dpkg/status of zeros, then a real os-release
        var zeros = Member(new byte[64 << 20]);
        var members = new List<Func<byte[]>> { () => Member(TestLayer.Header("var/lib/dpkg/status", '0', TenGiB)) };
        members.AddRange(Enumerable.Repeat<Func<byte[]>>(() => zeros, (int)(TenGiB / (64 << 20))));
        members.Add(() => Member(new TestLayer().File("etc/os-release", "ID=debian\nVERSION_ID=12\n").Tar()));
        var compressedSize = zeros.Length * (TenGiB / (64 << 20));
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peakBefore = process.PeakWorkingSet64;
        var clock = Stopwatch.StartNew();

        // When
        var files = await ImageLayerWalker.WalkStreamsAsync(
            [(new GeneratedStream(members), LayerCompression.Gzip, Digest.Compute("bomb"u8))],
            ImageFileFilter.Catalogers,
            null,
            CancellationToken.None);

        // Then: the oversized file is a note, the walk went on to the end, and memory stayed small
        clock.Stop();
        process.Refresh();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var peakGrowth = process.PeakWorkingSet64 - peakBefore;
        Assert.True(compressedSize < 32L << 20, $"the bomb is {compressedSize} bytes compressed");
        Assert.Contains(files.Notes, n => n.StartsWith("TK5044: /var/lib/dpkg/status", StringComparison.Ordinal) && n.Contains($"{TenGiB} bytes", StringComparison.Ordinal));
        Assert.Null(files.Find("var/lib/dpkg/status"));
        Assert.NotNull(files.Find("etc/os-release"));
        Assert.True(allocated < 256L << 20, $"the walk allocated {allocated >> 20} MiB for a 10 GiB entry");
        Assert.True(peakGrowth < 512L << 20, $"the peak working set grew by {peakGrowth >> 20} MiB");
        Console.WriteLine($"10 GiB gzip bomb walked in {clock.Elapsed.TotalSeconds:F1} s, {allocated >> 20} MiB allocated, peak working set +{peakGrowth >> 20} MiB");
    }

    private static byte[] Member(byte[] content)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    /// <summary>The concatenation of byte arrays made one at a time as they are read.</summary>
    private sealed class GeneratedStream(IEnumerable<Func<byte[]>> parts) : Stream
    {
        private readonly IEnumerator<Func<byte[]>> _parts = parts.GetEnumerator();
        private byte[] _current = [];
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_offset == _current.Length)
            {
                if (!_parts.MoveNext())
                {
                    return 0;
                }

                _current = _parts.Current();
                _offset = 0;
            }

            var n = Math.Min(count, _current.Length - _offset);
            Array.Copy(_current, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _parts.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
