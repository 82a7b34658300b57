using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Host;

namespace Toolkit.Core.Registry;

/// <summary>
/// Credentials the way docker finds them, with environment overrides first:
/// <list type="number">
/// <item><c>TOOLKIT_REGISTRY_&lt;HOST&gt;_USERNAME</c>/<c>_PASSWORD</c>, HOST upper-cased with every character that is not
/// a letter or digit replaced by <c>_</c> (<c>127.0.0.1:5000</c> → <c>TOOLKIT_REGISTRY_127_0_0_1_5000_USERNAME</c>);</item>
/// <item><c>TOOLKIT_REGISTRY_USERNAME</c>/<c>TOOLKIT_REGISTRY_PASSWORD</c> for every registry;</item>
/// <item><c>$DOCKER_CONFIG/config.json</c> (default <c>~/.docker/config.json</c>): <c>credHelpers[host]</c>, then an
/// <c>auths</c> entry (base64 <c>auth</c>, <c>username</c>/<c>password</c>, <c>identitytoken</c>), then <c>credsStore</c>.</item>
/// </list>
/// Helpers run as <c>docker-credential-&lt;name&gt; get</c> with the server URL on standard input.
/// </summary>
public sealed class DockerConfigCredentialProvider : IRegistryCredentialProvider
{
    private const string DockerHubServer = "https://index.docker.io/v1/";
    private static readonly string[] DockerHubAliases = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

    private readonly IEnvironmentVariables _environment;
    private readonly IProcessRunner _processes;
    private readonly ILogger _logger;

    public DockerConfigCredentialProvider(IEnvironmentVariables environment, IProcessRunner processes, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(processes);
        _environment = environment;
        _processes = processes;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The docker config file this provider reads.</summary>
    public string ConfigPath
    {
        get
        {
            var directory = _environment.Get("DOCKER_CONFIG");
            if (string.IsNullOrEmpty(directory))
            {
                var home = _environment.Get("HOME");
                if (string.IsNullOrEmpty(home))
                {
                    home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                }

                directory = Path.Combine(home, ".docker");
            }

            return Path.Combine(directory, "config.json");
        }
    }

    public async Task<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        var fromEnvironment = FromEnvironment(registry);
        if (fromEnvironment is not null)
        {
            return fromEnvironment;
        }

        var path = ConfigPath;
        if (!File.Exists(path))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException exception)
        {
            throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The docker config {path} is not valid JSON (line {exception.LineNumber + 1}). Fix it or log in again.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The docker config {path} cannot be read ({exception.GetType().Name}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The docker config {path} is not a JSON object.");
            }

            var keys = Keys(registry);
            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var helper in helpers.EnumerateObject())
                {
                    if (helper.Value.ValueKind == JsonValueKind.String && keys.Contains(Normalise(helper.Name)))
                    {
                        return await FromHelperAsync(helper.Value.GetString()!, registry, path, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in auths.EnumerateObject())
                {
                    if (keys.Contains(Normalise(entry.Name)) && FromAuthEntry(entry.Value, path, entry.Name) is { } credential)
                    {
                        return credential;
                    }
                }
            }

            if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString() is { Length: > 0 } storeName)
            {
                return await FromHelperAsync(storeName, registry, path, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>The environment variable name part for a host: upper case, anything but letters and digits as <c>_</c>.</summary>
    public static string EnvironmentName(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var builder = new StringBuilder(registry.Length);
        foreach (var ch in registry)
        {
            builder.Append(char.IsAsciiLetterOrDigit(ch) ? char.ToUpperInvariant(ch) : '_');
        }

        return builder.ToString();
    }

    private RegistryCredential? FromEnvironment(string registry)
    {
        var prefix = $"TOOLKIT_REGISTRY_{EnvironmentName(registry)}_";
        var username = _environment.Get(prefix + "USERNAME");
        var password = _environment.Get(prefix + "PASSWORD");
        if (!string.IsNullOrEmpty(username) && password is not null)
        {
            return new RegistryCredential(username, password, source: $"{prefix}USERNAME/{prefix}PASSWORD");
        }

        username = _environment.Get("TOOLKIT_REGISTRY_USERNAME");
        password = _environment.Get("TOOLKIT_REGISTRY_PASSWORD");
        return !string.IsNullOrEmpty(username) && password is not null
            ? new RegistryCredential(username, password, source: "TOOLKIT_REGISTRY_USERNAME/TOOLKIT_REGISTRY_PASSWORD")
            : null;
    }

    private static RegistryCredential? FromAuthEntry(JsonElement entry, string path, string name)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var source = $"{path} auths[\"{name}\"]";
        string? identityToken = entry.TryGetProperty("identitytoken", out var it) && it.ValueKind == JsonValueKind.String && it.GetString() is { Length: > 0 } t ? t : null;
        if (entry.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString() is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The \"auth\" of {source} is not base64. Log in again.");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The \"auth\" of {source} is not base64 of user:password. Log in again.");
            }

            return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..], identityToken, source);
        }

        var username = entry.TryGetProperty("username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var password = entry.TryGetProperty("password", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (!string.IsNullOrEmpty(username) && password is not null)
        {
            return new RegistryCredential(username, password, identityToken, source);
        }

        return identityToken is null ? null : new RegistryCredential(username, null, identityToken, source);
    }

    private async Task<RegistryCredential?> FromHelperAsync(string helper, string registry, string path, CancellationToken cancellationToken)
    {
        var program = $"docker-credential-{helper}";
        var serverUrl = IsDockerHub(registry) ? DockerHubServer : registry;
        ProcessResult result;
        try
        {
            result = await _processes.RunAsync(program, ["get"], null, serverUrl, cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception)
        {
            throw new ToolkitException(ErrorCodes.CredentialHelperFailed, $"The credential helper {program} named in {path} for {registry} is not installed (not on PATH). Install it, remove it from the docker config, or set TOOLKIT_REGISTRY_USERNAME/TOOLKIT_REGISTRY_PASSWORD.");
        }

        if (result.ExitCode != 0)
        {
            var said = RegistryErrors.Trim(string.Join(' ', result.StandardOutput, result.StandardError).Trim());
            if (said.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                _logger.LogDebug("{Helper} has no credentials for {Registry}; going anonymous.", program, registry);
                return null;
            }

            throw new ToolkitException(ErrorCodes.CredentialHelperFailed, $"The credential helper {program} failed for {registry} (exit code {result.ExitCode}: {said}). Check that it works (echo {serverUrl} | {program} get) or log in again.");
        }

        try
        {
            using var document = JsonDocument.Parse(result.StandardOutput);
            var root = document.RootElement;
            var username = root.TryGetProperty("Username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            var secret = root.TryGetProperty("Secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (string.IsNullOrEmpty(secret))
            {
                return null;
            }

            return username == "<token>"
                ? new RegistryCredential(null, null, secret, program)
                : new RegistryCredential(username, secret, null, program);
        }
        catch (JsonException)
        {
            throw new ToolkitException(ErrorCodes.CredentialHelperFailed, $"The credential helper {program} answered for {registry} with something that is not the expected JSON. Check it with: echo {serverUrl} | {program} get");
        }
    }

    private static bool IsDockerHub(string registry) => DockerHubAliases.Contains(registry, StringComparer.OrdinalIgnoreCase);

    private static HashSet<string> Keys(string registry)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Normalise(registry) };
        if (IsDockerHub(registry))
        {
            keys.UnionWith(DockerHubAliases);
        }

        return keys;
    }

    /// <summary><c>https://host:port/v1/</c> → <c>host:port</c>.</summary>
    private static string Normalise(string key)
    {
        var value = key.Trim();
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            value = value[(scheme + 3)..];
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? value[..slash] : value;
    }
}
