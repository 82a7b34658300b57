using System.Runtime.InteropServices;

namespace Toolkit.Cli.Progress;

/// <summary>
/// What the command line knows of where standard error goes: whether it is an interactive terminal that understands
/// ANSI cursor movement (so progress can be redrawn in place), and how wide it is.
/// </summary>
internal sealed class CliTerminal
{
    private const int DefaultWidth = 80;
    private readonly Func<int> _width;

    public CliTerminal(bool isInteractive, Func<int> width)
    {
        IsInteractive = isInteractive;
        _width = width;
    }

    /// <summary>Not a terminal: a file, a pipe, a test's writer. No live output is ever drawn.</summary>
    public static CliTerminal None { get; } = new(isInteractive: false, () => DefaultWidth);

    public bool IsInteractive { get; }

    /// <summary>Columns available (at least 20; 80 when the terminal does not say).</summary>
    public int Width => Math.Max(20, _width());

    /// <summary>
    /// Standard error of this process: interactive when it is not redirected, <c>TERM</c> is not <c>dumb</c>, and (on
    /// Windows) the console accepts ANSI sequences.
    /// </summary>
    public static CliTerminal ForStandardError()
    {
        if (Console.IsErrorRedirected || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal))
        {
            return None;
        }

        if (OperatingSystem.IsWindows() && !WindowsConsole.TryEnableAnsiOnStandardError())
        {
            return None;
        }

        return new CliTerminal(isInteractive: true, ConsoleWidth);
    }

    private static int ConsoleWidth()
    {
        try
        {
            var width = Console.WindowWidth;
            return width > 0 ? width : DefaultWidth;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            return DefaultWidth;
        }
    }

    /// <summary>Windows consoles interpret ANSI sequences only once virtual terminal processing is switched on.</summary>
    private static partial class WindowsConsole
    {
        private const int StandardErrorHandle = -12;
        private const uint EnableVirtualTerminalProcessing = 0x0004;

        public static bool TryEnableAnsiOnStandardError()
        {
            var handle = GetStdHandle(StandardErrorHandle);
            return handle != IntPtr.Zero && handle != new IntPtr(-1)
                   && GetConsoleMode(handle, out var mode)
                   && ((mode & EnableVirtualTerminalProcessing) != 0 || SetConsoleMode(handle, mode | EnableVirtualTerminalProcessing));
        }

        [DllImport("kernel32.dll", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        private static extern IntPtr GetStdHandle(int handle);

        [DllImport("kernel32.dll", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GetConsoleMode(IntPtr handle, out uint mode);

        [DllImport("kernel32.dll", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool SetConsoleMode(IntPtr handle, uint mode);
    }
}
