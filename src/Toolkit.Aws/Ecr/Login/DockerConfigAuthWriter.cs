using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Toolkit.Core.Diagnostics;

namespace Toolkit.Aws.Ecr.Login;

/// <summary>What writing a docker config <c>auths</c> entry did, and what may keep docker from using it.</summary>
public sealed record DockerConfigWrite
{
    /// <summary>The file written (a symbolic link's target when the config is a link).</summary>
    public required string Path { get; init; }

    /// <summary>The <c>credHelpers</c> helper named for the registry, which docker asks before <c>auths</c>.</summary>
    public string? CredentialHelper { get; init; }

    /// <summary>The <c>credsStore</c> of the config, which docker itself uses in place of <c>auths</c>.</summary>
    public string? CredentialsStore { get; init; }
}

/// <summary>
/// Writes one <c>auths</c> entry of a docker <c>config.json</c>, as <c>docker login</c> does: every other entry and
/// setting is kept, the file is replaced atomically (a temporary file in the same folder, then a rename) and is
/// readable by its owner only (mode 0600; a new folder gets 0700).
/// </summary>
public static class DockerConfigAuthWriter
{
    private static readonly JsonWriterOptions s_indented = new()
    {
        Indented = true,
        IndentCharacter = '\t',
        IndentSize = 1,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Sets <c>auths[registry] = {"auth": auth}</c> in <paramref name="configPath"/> (created when missing).
    /// <paramref name="auth"/> is the base64 of <c>user:password</c>; it is never logged or put in a message.
    /// </summary>
    public static async Task<DockerConfigWrite> SetAuthAsync(string configPath, string registry, string auth, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(configPath);
        ArgumentException.ThrowIfNullOrEmpty(registry);
        ArgumentException.ThrowIfNullOrEmpty(auth);
        try
        {
            var path = ResolveLink(Path.GetFullPath(configPath));
            var root = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
            if (root["auths"] is not JsonObject auths)
            {
                if (root["auths"] is not null)
                {
                    throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"'auths' in the docker config {path} is not an object; fix or remove it, then log in again.");
                }

                auths = [];
                root["auths"] = auths;
            }

            auths[registry] = new JsonObject { ["auth"] = auth };
            await WriteAsync(path, root, cancellationToken).ConfigureAwait(false);
            return new DockerConfigWrite
            {
                Path = path,
                CredentialHelper = (root["credHelpers"] as JsonObject)?[registry] is JsonValue helper && helper.TryGetValue<string>(out var name) ? name : null,
                CredentialsStore = root["credsStore"] is JsonValue store && store.TryGetValue<string>(out var storeName) && storeName.Length > 0 ? storeName : null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ToolkitException(
                ErrorCodes.DockerConfigNotWritten,
                $"The docker config {configPath} could not be written ({e.GetType().Name}: {e.Message}). Check that its folder exists or can be created and that you may write it, or set DOCKER_CONFIG to another folder.",
                e);
        }
    }

    private static string ResolveLink(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && file.LinkTarget is not null ? file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
    }

    private static async Task<JsonObject> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The docker config {path} is not a JSON object; fix or remove it, then log in again.");
        }
        catch (JsonException e)
        {
            // The file may hold other registries' secrets: name the place, never quote the content.
            throw new ToolkitException(ErrorCodes.InvalidDockerConfig, $"The docker config {path} is not valid JSON (line {e.LineNumber + 1}); fix or remove it, then log in again.");
        }
    }

    private static async Task WriteAsync(string path, JsonObject root, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_indented))
        {
            root.WriteTo(writer);
        }

        buffer.WriteByte((byte)'\n');
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The base64 <c>auth</c> value of a user and password (what <c>docker login</c> stores).</summary>
    public static string Auth(string username, string password)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
}
