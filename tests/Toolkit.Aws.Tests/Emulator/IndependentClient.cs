using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Toolkit.Testing;
using Toolkit.Testing.Aws;

namespace Toolkit.Aws.Tests.Emulator;

/// <summary>What an independent client printed and how it exited.</summary>
public sealed record ClientResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>
    /// Standard output parsed as JSON (<c>{}</c> when it printed nothing, as the AWS CLI does for an empty answer); throws
    /// with everything the client said when it failed.
    /// </summary>
    public JsonElement Json()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"The client exited with {ExitCode}:{Environment.NewLine}{StandardError}{StandardOutput}");
        }

        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(StandardOutput) ? "{}" : StandardOutput);
        return document.RootElement.Clone();
    }
}

/// <summary>
/// Runs an AWS client that is not ours (the AWS CLI, the AWS SDK for JavaScript) against an emulator on loopback, cut off
/// from the machine's AWS set-up: every <c>AWS_*</c> and proxy variable of the test process is dropped; the client gets
/// the emulator's keys in its environment, empty config and credentials files, its own HOME (no caches), and
/// <c>AWS_EC2_METADATA_DISABLED=true</c>, so nothing but the endpoint it is given is ever asked.
/// </summary>
public sealed class IndependentClient : IDisposable
{
    private readonly TemporaryDirectory _home = new("aws-client");

    public IndependentClient(SigV4Credentials credentials, string region = "us-east-1")
    {
        ArgumentNullException.ThrowIfNull(credentials);
        File.WriteAllText(_home.Combine("config"), string.Empty);
        File.WriteAllText(_home.Combine("credentials"), string.Empty);
        Environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey,
            ["AWS_REGION"] = region,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = _home.Combine("config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = _home.Combine("credentials"),
            ["HOME"] = _home.Path,
            ["NO_PROXY"] = "127.0.0.1",
            ["no_proxy"] = "127.0.0.1",
        };
        if (credentials.SessionToken is { } token)
        {
            Environment["AWS_SESSION_TOKEN"] = token;
        }
    }

    /// <summary>The variables the client runs with (on top of the test process's, less AWS and proxy ones).</summary>
    public Dictionary<string, string> Environment { get; }

    public string Home => _home.Path;

    public async Task<ClientResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? standardInput = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var executable = ExternalTool.Find(fileName) ?? throw new InvalidOperationException(
            fileName == "aws"
                ? "The AWS CLI ('aws') is not installed; this test needs it as an independent client. Install it with: pip install awscli"
                : $"'{fileName}' is not installed; this test needs it. Install it with: sudo apt-get install -y {(fileName == "node" ? "nodejs" : fileName)}");
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _home.Path,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase) || name.EndsWith("_PROXY", StringComparison.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in Environment)
        {
            startInfo.Environment[name] = value;
        }

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(new StringBuilder(standardInput), deadline.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
            return new ClientResult(process.ExitCode, await output, await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time.");
        }
    }

    public void Dispose() => _home.Dispose();
}
