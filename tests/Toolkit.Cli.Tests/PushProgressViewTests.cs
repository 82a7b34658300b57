using System.Text.RegularExpressions;
using Toolkit.Cli.Progress;
using Toolkit.Core.Oci;
using Toolkit.Core.Registry;

namespace Toolkit.Cli.Tests;

public sealed partial class PushProgressViewTests
{
    private const string Escape = "\u001b[";

    private static readonly BlobProgress s_layer = new(Digest.Compute("layer"u8), MediaTypes.OciLayerGzip, 4 * 1024 * 1024, BlobTransferState.Waiting, 0);
    private static readonly BlobProgress s_config = new(Digest.Compute("config"u8), MediaTypes.OciConfig, 1200, BlobTransferState.Waiting, 0);
    private static readonly BlobProgress s_manifest = new(Digest.Compute("manifest"u8), MediaTypes.OciManifest, 500, BlobTransferState.Waiting, 0);

    /// <summary>A clock that moves only when the test says.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    private sealed class Screen : IDisposable
    {
        public StringWriter Writer { get; } = new() { NewLine = "\n" };

        public ErrorConsole Console { get; }

        public ManualTime Time { get; } = new();

        public Screen() => Console = new ErrorConsole(Writer);

        public string Text => Writer.ToString();

        public PushProgressView View(int width = 80)
            => new(Console, new CliTerminal(isInteractive: true, () => width), "registry.test/app:1", Time);

        /// <summary>
        /// What a terminal would show at the end: replays the output, honouring the only sequences the view writes
        /// (carriage return, cursor up N, erase to the end of the screen).
        /// </summary>
        public IReadOnlyList<string> Replay()
        {
            var lines = new List<string> { string.Empty };
            var row = 0;
            var text = Text;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\u001b')
                {
                    var match = SequenceRegex().Match(text, i);
                    Assert.True(match.Success && match.Index == i, $"unexpected escape sequence at {i}: {text[i..Math.Min(text.Length, i + 8)]}");
                    if (match.Groups[2].Value == "A")
                    {
                        row -= int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                        Assert.True(row >= 0, "the cursor moved above the first line");
                    }
                    else
                    {
                        lines.RemoveRange(row, lines.Count - row);
                        lines.Add(string.Empty);
                    }

                    i += match.Length - 1;
                }
                else if (text[i] == '\r')
                {
                    lines[row] = string.Empty;
                }
                else if (text[i] == '\n')
                {
                    row++;
                    if (row == lines.Count)
                    {
                        lines.Add(string.Empty);
                    }
                }
                else
                {
                    lines[row] += text[i];
                }
            }

            return lines.Take(lines.Count - 1).ToList();
        }

        public void Dispose() => Writer.Dispose();
    }

    [GeneratedRegex(@"\u001b\[(\d*)([AJ])")]
    private static partial Regex SequenceRegex();

    private static void Report(PushProgressView view, BlobProgress item, BlobTransferState state, long bytes = 0)
        => view.Report(item with { State = state, BytesDone = bytes });

    [Fact]
    public void Waiting_items_draw_nothing()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View();

        // When
        Report(view, s_layer, BlobTransferState.Waiting);
        Report(view, s_config, BlobTransferState.Waiting);

        // Then
        Assert.Empty(screen.Text);
    }

    [Fact]
    public void An_upload_shows_a_bar_and_a_total_and_is_replaced_by_a_settled_line_when_done()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View();
        Report(view, s_layer, BlobTransferState.Waiting);
        Report(view, s_config, BlobTransferState.Waiting);

        // When
        Report(view, s_layer, BlobTransferState.Uploading, 0);
        screen.Time.Advance(TimeSpan.FromSeconds(1));
        Report(view, s_layer, BlobTransferState.Uploading, 2 * 1024 * 1024);
        var during = screen.Replay();
        Report(view, s_layer, BlobTransferState.Done, s_layer.Size);
        Report(view, s_config, BlobTransferState.Skipped);
        view.Dispose();

        // Then
        Assert.Equal(2, during.Count);
        Assert.Equal($"{s_layer.Digest.Short}  layer    [##########..........]    2.0 MiB / 4.0 MiB", during[0]);
        Assert.Equal("Pushing to registry.test/app:1: 0/2 done, 2.0 MiB sent", during[1]);
        Assert.Equal(
            [$"{s_layer.Digest.Short}  layer    pushed (4.0 MiB)", $"{s_config.Digest.Short}  config   already there"],
            screen.Replay());
    }

    [Fact]
    public void Byte_progress_is_redrawn_at_most_ten_times_a_second_but_settled_items_at_once()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View();
        Report(view, s_layer, BlobTransferState.Uploading, 0);
        var afterFirst = screen.Text.Length;

        // When: more bytes within 100 ms
        screen.Time.Advance(TimeSpan.FromMilliseconds(50));
        Report(view, s_layer, BlobTransferState.Uploading, 1024 * 1024);
        var throttled = screen.Text.Length;
        screen.Time.Advance(TimeSpan.FromMilliseconds(60));
        Report(view, s_layer, BlobTransferState.Uploading, 2 * 1024 * 1024);
        var redrawn = screen.Text.Length;
        Report(view, s_manifest, BlobTransferState.Done, s_manifest.Size);

        // Then
        Assert.Equal(afterFirst, throttled);
        Assert.True(redrawn > throttled);
        Assert.Equal($"{s_manifest.Digest.Short}  manifest pushed (500 B)", screen.Replay()[0]);
    }

    [Fact]
    public void No_line_is_as_wide_as_the_terminal_so_none_wraps()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View(width: 40);

        // When
        Report(view, s_layer, BlobTransferState.Uploading, 1024);
        Report(view, s_config, BlobTransferState.Done, s_config.Size);

        // Then
        var lines = screen.Replay();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.True(l.Length <= 39, $"'{l}' is {l.Length} columns"));
        Assert.EndsWith("...", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_line_written_during_progress_goes_above_the_live_area()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View();
        Report(view, s_layer, BlobTransferState.Uploading, 1024);

        // When
        screen.Console.WriteLine("warning TK2103: something was left out");
        var during = screen.Replay();
        view.Dispose();

        // Then
        Assert.Equal("warning TK2103: something was left out", during[0]);
        Assert.StartsWith(s_layer.Digest.Short, during[1], StringComparison.Ordinal);
        Assert.StartsWith("Pushing to ", during[2], StringComparison.Ordinal);
        Assert.Equal(["warning TK2103: something was left out"], screen.Replay());
    }

    [Fact]
    public void Many_uploads_show_eight_bars_and_a_count_of_the_rest()
    {
        // Given
        using var screen = new Screen();
        var view = screen.View();

        // When
        for (var i = 0; i < 11; i++)
        {
            Report(view, s_layer with { Digest = Digest.Compute(System.Text.Encoding.UTF8.GetBytes($"layer {i}")) }, BlobTransferState.Uploading, 0);
        }

        // Then
        var lines = screen.Replay();
        Assert.Equal(10, lines.Count);
        Assert.Equal("... and 3 more uploading", lines[8]);
    }

    [Fact]
    public void Disposing_before_anything_was_drawn_writes_nothing()
    {
        using var screen = new Screen();

        screen.View().Dispose();

        Assert.Empty(screen.Text);
    }

    [Fact]
    public void Without_a_live_area_a_log_line_is_written_as_it_is()
    {
        using var screen = new Screen();

        screen.Console.WriteLine("plain");

        Assert.Equal("plain\n", screen.Text);
        Assert.DoesNotContain(Escape, screen.Text, StringComparison.Ordinal);
    }
}
