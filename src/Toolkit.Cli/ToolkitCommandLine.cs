using System.CommandLine;
using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Cli.Commands;
using Toolkit.Cli.Progress;
using Toolkit.Core.Diagnostics;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>The composition root of <c>dotnet toolkit</c>: commands, global options, exit codes.</summary>
internal static class ToolkitCommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int PolicyFailed = 3;
    public const int Cancelled = 130;

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, RegistryClients.Create, CliTerminal.None, cancellationToken);

    /// <summary>The process's own run: the real registry clients (ECR included) and standard error's terminal.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliTerminal terminal, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, RegistryClients.Create, terminal, cancellationToken);

    /// <summary>Runs with the given source of registry clients (tests pass an in-memory registry); standard error is no terminal.</summary>
    public static Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, Func<RegistryConnectionOptions, ILoggerFactory, IRegistryClientFactory> registryClients, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, (connection, _, loggers) => registryClients(connection, loggers), CliTerminal.None, cancellationToken);

    /// <summary>Runs with the given registry clients and the terminal <paramref name="error"/> writes to (a test's).</summary>
    public static Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        Func<RegistryConnectionOptions, ILoggerFactory, IRegistryClientFactory> registryClients,
        CliTerminal terminal,
        CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, (connection, _, loggers) => registryClients(connection, loggers), terminal, cancellationToken);

    private static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        Func<RegistryConnectionOptions, AwsConnectionOptions, ILoggerFactory, IRegistryClientFactory> registryClients,
        CliTerminal terminal,
        CancellationToken cancellationToken)
    {
        var globals = new GlobalOptions();
        using var host = new CliHost(globals, output, error, registryClients, terminal);
        var root = new RootCommand("Build, describe, push, scan, gate, sign and attest container images of .NET applications.");
        globals.AddTo(root);
        root.Add(ImageCommands.Create(host));
        root.Add(SbomCommands.Create(host));
        root.Add(EcrCommands.Create(host));
        root.Add(ScanCommands.Create(host));

        var parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
        };

        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"error {ErrorCodes.InvalidCommandLine.Code}: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'dotnet toolkit --help' (or '<command> --help') for usage.").ConfigureAwait(false);
            return Usage;
        }

        host.StartLogging(parseResult);
        var logger = host.LoggerFactory.CreateLogger("dotnet-toolkit");
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolkitException e)
        {
            await error.WriteLineAsync($"error {e.Code}: {e.Message}").ConfigureAwait(false);
            logger.LogDebug(e, "Details of {Code}", e.Code);
            return e.Kind switch
            {
                ErrorKind.InvalidInput => Usage,
                ErrorKind.PolicyFailed => PolicyFailed,
                _ => Failure,
            };
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error {ErrorCodes.OutputNotWritable.Code}: {e.Message} Check that the path exists and that you may read and write it.").ConfigureAwait(false);
            logger.LogDebug(e, "I/O failure");
            return Failure;
        }
#pragma warning disable CA1031 // The process boundary: every failure becomes a coded message and an exit code.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // A defect, not a user error: say so, keep the details for -v detailed, never crash with a bare trace.
            await error.WriteLineAsync($"error {ErrorCodes.Unexpected.Code}: Unexpected failure ({e.GetType().Name}: {e.Message}). Run again with -v detailed for details, and report it.").ConfigureAwait(false);
            logger.LogDebug(e, "Unexpected failure");
            return Failure;
        }
    }
}
