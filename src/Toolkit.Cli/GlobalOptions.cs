using System.CommandLine;
using Microsoft.Extensions.Logging;

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

    public void AddTo(Command root)
    {
        VerbosityOption.AcceptOnlyFromAmong("quiet", "q", "minimal", "m", "normal", "n", "detailed", "d", "diagnostic", "diag");
        root.Add(Json);
        root.Add(VerbosityOption);
    }

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
internal sealed class CliHost(GlobalOptions globals, TextWriter output, TextWriter error) : IDisposable
{
    private ILoggerFactory? _loggerFactory;

    public GlobalOptions Globals { get; } = globals;

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public ILoggerFactory LoggerFactory => _loggerFactory ?? throw new InvalidOperationException("Logging starts once the command line is parsed.");

    public void StartLogging(ParseResult parseResult)
        => _loggerFactory ??= ConsoleLogging.Create(Globals.Verbosity(parseResult), Error);

    public bool Json(ParseResult parseResult) => parseResult.GetValue(Globals.Json);

    public void Dispose() => _loggerFactory?.Dispose();
}
