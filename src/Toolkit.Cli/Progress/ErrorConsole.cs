using System.Text;

namespace Toolkit.Cli.Progress;

/// <summary>
/// Standard error, shared by log lines and a live area (progress) drawn below them. A line written while the live area
/// is shown goes above it: the area is erased, the line written, the area drawn again, all in one write, so log lines
/// and progress never garble each other. Without a live area, lines are written as they are.
/// </summary>
internal sealed class ErrorConsole(TextWriter writer)
{
    private const string Csi = "\u001b[";
    private readonly Lock _gate = new();
    private IReadOnlyList<string> _live = [];

    /// <summary>Writes a line (it may hold several) above the live area, if one is shown.</summary>
    public void WriteLine(string text) => Update([text], live: null);

    /// <summary>
    /// Writes <paramref name="permanent"/> lines, then replaces the live area with <paramref name="live"/> (null keeps
    /// it as it was drawn last; empty removes it). Live lines must fit the terminal's width and hold no line breaks.
    /// </summary>
    public void Update(IReadOnlyList<string> permanent, IReadOnlyList<string>? live)
    {
        lock (_gate)
        {
            live ??= _live;
            var text = new StringBuilder();
            if (_live.Count > 0)
            {
                // Back to the first line of the live area, and erase from there to the end of the screen.
                text.Append('\r').Append(Csi).Append(_live.Count).Append('A').Append(Csi).Append('J');
            }

            foreach (var line in permanent)
            {
                text.Append(line).Append(writer.NewLine);
            }

            foreach (var line in live)
            {
                text.Append(line).Append(writer.NewLine);
            }

            writer.Write(text.ToString());
            writer.Flush();
            _live = live;
        }
    }
}
