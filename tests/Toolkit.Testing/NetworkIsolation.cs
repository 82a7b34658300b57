namespace Toolkit.Testing;

/// <summary>
/// Runs a peer tool in a network namespace of its own (<c>unshare --net</c>, util-linux): the namespace has only a
/// loopback interface, and that one down, so whatever the tool tries to fetch fails at once and no packet leaves the
/// machine. As root the namespace is made directly; otherwise in a user namespace (<c>--map-root-user</c>), where the
/// kernel allows that. Where neither works the command fails with what to do: a peer is never run with the network.
/// </summary>
public static class NetworkIsolation
{
    private static readonly Lazy<string[]> s_unshare = new(Probe);

    /// <summary>The command line that runs <paramref name="fileName"/> with <paramref name="arguments"/> without network.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Wrap(string fileName, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var unshare = s_unshare.Value;
        return (unshare[0], [.. unshare[1..], "--", fileName, .. arguments]);
    }

    private static string[] Probe()
    {
        var unshare = ExternalTool.Require("unshare");
        string[][] candidates = [[unshare, "--net"], [unshare, "--net", "--map-root-user"]];
        foreach (var candidate in candidates)
        {
            var result = ExternalTool.RunAsync(candidate[0], [.. candidate[1..], "--", "true"]).GetAwaiter().GetResult();
            if (result.ExitCode == 0)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "Peer tools run in a network namespace of their own, so they cannot reach the network, but neither 'unshare --net' (as root) "
            + "nor 'unshare --net --map-root-user' (unprivileged user namespaces) works here. Run the tests as root, or enable user namespaces "
            + "(sysctl kernel.unprivileged_userns_clone=1).");
    }
}
