using System.Globalization;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Cli.Progress;

/// <summary>
/// Live progress of a push on an interactive terminal: one line per blob, manifest or index once it is settled
/// (pushed, already there, mounted), and below them a live area with a bar for each upload in flight and a total,
/// redrawn when an item starts or settles and otherwise at most ten times a second. Disposing removes the live area
/// and leaves the settled lines.
/// </summary>
internal sealed class PushProgressView : IProgress<BlobProgress>, IDisposable
{
    private const int MaxUploadLines = 8;
    private const int BarWidth = 20;
    private static readonly TimeSpan s_redrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly ErrorConsole _console;
    private readonly CliTerminal _terminal;
    private readonly string _destination;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<Digest, BlobProgress> _items = [];
    private readonly List<Digest> _uploading = [];
    private long _lastDraw;
    private bool _drawn;
    private bool _disposed;

    public PushProgressView(ErrorConsole console, CliTerminal terminal, string destination, TimeProvider time)
    {
        _console = console;
        _terminal = terminal;
        _destination = destination;
        _time = time;
    }

    public void Report(BlobProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _items[value.Digest] = value;
            string? settled = null;
            var started = false;
            switch (value.State)
            {
                case BlobTransferState.Uploading:
                    if (!_uploading.Contains(value.Digest))
                    {
                        _uploading.Add(value.Digest);
                        started = true;
                    }

                    break;
                case BlobTransferState.Skipped or BlobTransferState.Mounted or BlobTransferState.Done:
                    _uploading.Remove(value.Digest);
                    settled = SettledLine(value);
                    break;
            }

            var now = _time.GetTimestamp();
            // Items that start or settle show at once; bytes of an upload in flight at most every 100 ms.
            if (settled is null && !started && (value.State == BlobTransferState.Waiting || (_drawn && _time.GetElapsedTime(_lastDraw, now) < s_redrawInterval)))
            {
                return;
            }

            _console.Update(settled is null ? [] : [Fit(settled)], LiveLines());
            _lastDraw = now;
            _drawn = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                if (_drawn)
                {
                    _console.Update([], []);
                }
            }
        }
    }

    private List<string> LiveLines()
    {
        var lines = new List<string>();
        foreach (var digest in _uploading.Take(MaxUploadLines))
        {
            var item = _items[digest];
            lines.Add(Fit(string.Create(
                CultureInfo.InvariantCulture,
                $"{digest.Short}  {Kind(item),-8} {Bar(item.BytesDone, item.Size)} {ResultWriter.FormatSize(item.BytesDone),10} / {ResultWriter.FormatSize(item.Size)}")));
        }

        if (_uploading.Count > MaxUploadLines)
        {
            lines.Add(Fit(string.Create(CultureInfo.InvariantCulture, $"... and {_uploading.Count - MaxUploadLines} more uploading")));
        }

        var settled = _items.Values.Count(i => i.State is BlobTransferState.Skipped or BlobTransferState.Mounted or BlobTransferState.Done);
        var sent = _items.Values.Where(i => i.State is BlobTransferState.Uploading or BlobTransferState.Done).Sum(i => i.BytesDone);
        lines.Add(Fit(string.Create(CultureInfo.InvariantCulture, $"Pushing to {_destination}: {settled}/{_items.Count} done, {ResultWriter.FormatSize(sent)} sent")));
        return lines;
    }

    private static string SettledLine(BlobProgress item)
    {
        var what = item.State switch
        {
            BlobTransferState.Skipped => "already there",
            BlobTransferState.Mounted => "mounted",
            _ => $"pushed ({ResultWriter.FormatSize(item.Size)})",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{item.Digest.Short}  {Kind(item),-8} {what}");
    }

    private static string Kind(BlobProgress item)
        => MediaTypes.IsIndex(item.MediaType) ? "index"
            : MediaTypes.IsManifest(item.MediaType) ? "manifest"
            : MediaTypes.IsConfig(item.MediaType) ? "config"
            : "layer";

    private static string Bar(long done, long size)
    {
        var filled = size <= 0 ? BarWidth : (int)Math.Clamp(done * BarWidth / size, 0, BarWidth);
        return "[" + new string('#', filled) + new string('.', BarWidth - filled) + "]";
    }

    /// <summary>Cut to one column less than the terminal, so no line wraps and the live area's height stays known.</summary>
    private string Fit(string line)
    {
        var width = _terminal.Width - 1;
        return line.Length <= width ? line : line[..Math.Max(0, width - 3)] + "...";
    }
}
