namespace Toolkit.Testing;

/// <summary>
/// Records the command line of every process on the machine while it runs, by reading <c>/proc/*/cmdline</c> every few
/// milliseconds: a secrets test checks that no credential was passed to a child process as an argument (where any user
/// of the machine could read it). Sampling can miss a process that lives for less than one round; the rounds are short.
/// </summary>
public sealed class ProcessCommandLineWatcher : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Task _loop;

    private ProcessCommandLineWatcher()
    {
        _loop = Task.Run(() => WatchAsync(_stop.Token));
    }

    /// <summary>Starts watching (Linux only: it needs <c>/proc</c>).</summary>
    public static ProcessCommandLineWatcher Start()
    {
        if (!Directory.Exists("/proc/self"))
        {
            throw new PlatformNotSupportedException("ProcessCommandLineWatcher needs Linux's /proc.");
        }

        return new ProcessCommandLineWatcher();
    }

    /// <summary>Stops watching and returns every distinct command line seen (arguments joined with spaces).</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        lock (_seen)
        {
            return [.. _seen];
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(directory);
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
                {
                    continue;
                }

                try
                {
                    var raw = await File.ReadAllBytesAsync(Path.Combine(directory, "cmdline"), CancellationToken.None).ConfigureAwait(false);
                    if (raw.Length > 0)
                    {
                        var line = System.Text.Encoding.UTF8.GetString(raw).TrimEnd('\0').Replace('\0', ' ');
                        lock (_seen)
                        {
                            _seen.Add(line);
                        }
                    }
                }
                catch (IOException)
                {
                    // The process ended between listing and reading.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            try
            {
                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
