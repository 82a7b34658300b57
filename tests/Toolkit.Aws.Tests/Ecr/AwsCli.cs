using System.Diagnostics;
using System.Text.Json;
using Toolkit.Testing;

namespace Toolkit.Aws.Tests.Ecr;

/// <summary>
/// Runs the AWS CLI (an independent ECR client, on botocore) with dummy static credentials and empty config files,
/// nothing of the caller's AWS environment, and the instance metadata service disabled. Several commands run in one
/// Python process when the CLI is the Python package (fast); otherwise one <c>aws</c> process each.
/// </summary>
internal static class AwsCli
{
    public const string AccessKey = "AKIDCLIEXAMPLE000001";
    public const string SecretKey = "cli-secret-key-for-loopback-tests-only";
    public const string SessionToken = "cli-session-token-for-loopback-tests-only";

    public const string InstallHint =
        "The AWS CLI is not installed, and these tests need it as an independent ECR client. Install it with: "
        + "pip install awscli (or sudo apt-get install -y awscli), and make sure 'aws' is on PATH.";

    private const string BatchDriver = """
        import json, sys
        from awscli.clidriver import create_clidriver
        commands = json.load(open(sys.argv[1]))
        codes = []
        for arguments in commands:
            try:
                codes.append(create_clidriver().main(arguments))
            except SystemExit as exit:
                codes.append(exit.code if isinstance(exit.code, int) else 1)
            sys.stdout.flush()
        json.dump(codes, open(sys.argv[2], "w"))
        """;

    /// <summary>Runs every command (arguments after <c>aws</c>) in order; returns their exit codes and what they wrote.</summary>
    public static async Task<(IReadOnlyList<int> ExitCodes, string Output)> RunAsync(IReadOnlyList<IReadOnlyList<string>> commands, CancellationToken cancellationToken)
    {
        var aws = ExternalTool.Find("aws") ?? throw new InvalidOperationException(InstallHint);
        using var directory = new TemporaryDirectory();
        var emptyFile = Path.Combine(directory.Path, "empty");
        await File.WriteAllTextAsync(emptyFile, string.Empty, cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
            ["AWS_SESSION_TOKEN"] = SessionToken,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_CONFIG_FILE"] = emptyFile,
            ["AWS_SHARED_CREDENTIALS_FILE"] = emptyFile,
            ["AWS_PAGER"] = string.Empty,
        };

        if (await FindPythonWithCliAsync(aws, environment, cancellationToken) is { } python)
        {
            var commandsFile = Path.Combine(directory.Path, "commands.json");
            var codesFile = Path.Combine(directory.Path, "codes.json");
            var driver = Path.Combine(directory.Path, "driver.py");
            await File.WriteAllTextAsync(commandsFile, JsonSerializer.Serialize(commands), cancellationToken);
            await File.WriteAllTextAsync(driver, BatchDriver, cancellationToken);
            var (exitCode, output) = await RunProcessAsync(python, [driver, commandsFile, codesFile], environment, cancellationToken);
            if (exitCode != 0 || !File.Exists(codesFile))
            {
                throw new InvalidOperationException($"The AWS CLI batch ({python}) failed with exit code {exitCode}:{Environment.NewLine}{output}");
            }

            return (JsonSerializer.Deserialize<int[]>(await File.ReadAllTextAsync(codesFile, cancellationToken))!, output);
        }

        var codes = new List<int>();
        var outputs = new List<string>();
        foreach (var command in commands)
        {
            var (exitCode, output) = await RunProcessAsync(aws, command, environment, cancellationToken);
            codes.Add(exitCode);
            outputs.Add(output);
        }

        return (codes, string.Join(Environment.NewLine, outputs));
    }

    /// <summary>The Python interpreter the CLI runs on, when it can import the CLI's driver; null otherwise.</summary>
    private static async Task<string?> FindPythonWithCliAsync(string aws, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var candidates = new List<string>();
        var firstLine = File.ReadLines(aws).FirstOrDefault() ?? string.Empty;
        if (firstLine.StartsWith("#!", StringComparison.Ordinal) && firstLine.Contains("python", StringComparison.Ordinal))
        {
            candidates.Add(firstLine[2..].Trim().Split(' ')[0]);
        }

        if (ExternalTool.Find("python3") is { } python3)
        {
            candidates.Add(python3);
        }

        foreach (var candidate in candidates.Where(File.Exists))
        {
            var (exitCode, _) = await RunProcessAsync(candidate, ["-c", "import awscli.clidriver"], environment, cancellationToken);
            if (exitCode == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Nothing of the caller's AWS setup (profiles, endpoints, credentials) may reach the CLI.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + await error);
    }
}
