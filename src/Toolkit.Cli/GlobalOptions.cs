using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Toolkit.Aws;
using Toolkit.Aws.Ecr;
using Toolkit.Cli.Progress;
using Toolkit.Core.Registry;

namespace Toolkit.Cli;

/// <summary>Options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write a machine-readable result to standard output; logs go to standard error.",
        Recursive = true,
    };

    public Option<string> VerbosityOption { get; } = new("--verbosity", "-v")
    {
        Description = "Log detail: quiet, minimal, normal, detailed or diagnostic.",
        Recursive = true,
        DefaultValueFactory = _ => "minimal",
    };

    public Option<bool> NoProgress { get; } = new("--no-progress")
    {
        Description = "Never draw live progress (it is drawn only when standard error is an interactive terminal, and never with --json or -v quiet).",
        Recursive = true,
    };

    public Option<string[]> InsecureRegistries { get; } = new("--insecure-registry")
    {
        Description = "A registry (host:port) that may be reached over plain HTTP. Repeatable.",
        Recursive = true,
    };

    public Option<string?> CaFile { get; } = new("--ca-file")
    {
        Description = "A PEM file of certificate authorities to trust for registries and AWS endpoints, besides the system's.",
        Recursive = true,
    };

    /// <summary>--region, --profile, --endpoint-url, --fips, --dual-stack.</summary>
    public AwsOptions Aws { get; } = new();

    public void AddTo(Command root)
    {
        VerbosityOption.AcceptOnlyFromAmong("quiet", "q", "minimal", "m", "normal", "n", "detailed", "d", "diagnostic", "diag");
        root.Add(Json);
        root.Add(VerbosityOption);
        root.Add(NoProgress);
        root.Add(InsecureRegistries);
        root.Add(CaFile);
        Aws.AddTo(root);
    }

    public RegistryConnectionOptions RegistryConnection(ParseResult parseResult) => new()
    {
        InsecureRegistries = parseResult.GetValue(InsecureRegistries) ?? [],
        CaFile = parseResult.GetValue(CaFile),
    };

    public LogLevel Verbosity(ParseResult parseResult) => parseResult.GetValue(VerbosityOption) switch
    {
        "quiet" or "q" => LogLevel.Error,
        "normal" or "n" => LogLevel.Information,
        "detailed" or "d" => LogLevel.Debug,
        "diagnostic" or "diag" => LogLevel.Trace,
        _ => LogLevel.Warning,
    };
}

/// <summary>
/// What a command's action needs besides its own options: output writers and logging, made once the
/// command line is parsed (the verbosity is an option).
/// </summary>
internal sealed class CliHost(
    GlobalOptions globals,
    TextWriter output,
    TextWriter error,
    Func<RegistryConnectionOptions, AwsConnectionOptions, ILoggerFactory, IRegistryClientFactory> registryClients,
    CliTerminal terminal) : IDisposable
{
    private ILoggerFactory? _loggerFactory;
    private IRegistryClientFactory? _registryClients;

    public GlobalOptions Globals { get; } = globals;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Standard error for logs and live progress.</summary>
    public ErrorConsole ErrorConsole { get; } = new(error);

    /// <summary>The terminal standard error goes to (<see cref="CliTerminal.None"/> when it is not one).</summary>
    public CliTerminal Terminal { get; } = terminal;

    public ILoggerFactory LoggerFactory => _loggerFactory ?? throw new InvalidOperationException("Logging starts once the command line is parsed.");

    public void StartLogging(ParseResult parseResult)
        => _loggerFactory ??= ConsoleLogging.Create(Globals.Verbosity(parseResult), ErrorConsole);

    public bool Json(ParseResult parseResult) => parseResult.GetValue(Globals.Json);

    /// <summary>Every AWS request attempt of this run with its request ID, for the result document.</summary>
    public AwsRequestLog AwsRequests { get; } = new();

    private static readonly JsonSerializerOptions s_resultJson = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Writes a command's <c>--json</c> result to standard output; when the run called AWS, a result object gets
    /// <c>awsRequests</c>: each attempt (service, operation, HTTP status, AWS request ID), the trail AWS support asks for.
    /// </summary>
    public async Task WriteJsonAsync(JsonNode result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result is JsonObject document && AwsRequests.Records is { Count: > 0 } requests)
        {
            document["awsRequests"] = new JsonArray([.. requests.Select(r => (JsonNode)new JsonObject
            {
                ["service"] = r.Service,
                ["operation"] = r.Operation,
                ["status"] = r.StatusCode,
                ["requestId"] = r.RequestId,
            })]);
        }

        await Output.WriteLineAsync(result.ToJsonString(s_resultJson).AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Live progress: on an interactive terminal, unless <c>--no-progress</c>, <c>--json</c> or <c>-v quiet</c>.</summary>
    public bool ShowsProgress(ParseResult parseResult)
        => Terminal.IsInteractive && !parseResult.GetValue(Globals.NoProgress) && !Json(parseResult) && Globals.Verbosity(parseResult) < LogLevel.Error;

    /// <summary>The AWS connection the command line asks for (<c>--region</c>, <c>--profile</c>, ...).</summary>
    public AwsConnectionOptions AwsConnection(ParseResult parseResult) => Globals.Aws.Connection(parseResult, Globals, LoggerFactory, AwsRequests);

    /// <summary>An Amazon ECR client for <paramref name="options"/>. The caller disposes it.</summary>
    public static EcrClient CreateEcrClient(AwsConnectionOptions options) => new(Toolkit.Aws.AwsConnection.Resolve(options));

    /// <summary>Registry clients for the command's <c>--insecure-registry</c> and <c>--ca-file</c>, and its AWS options for ECR hosts.</summary>
    public IRegistryClientFactory RegistryClients(ParseResult parseResult)
        => _registryClients ??= registryClients(Globals.RegistryConnection(parseResult), AwsConnection(parseResult), LoggerFactory);

    public void Dispose()
    {
        // A real client factory owns HTTP connections; it lives as long as the command.
        (_registryClients as IDisposable)?.Dispose();
        _loggerFactory?.Dispose();
    }
}
