using Toolkit.Cli;
using Toolkit.Cli.Progress;

return await ToolkitCommandLine.RunAsync(args, Console.Out, Console.Error, CliTerminal.ForStandardError()).ConfigureAwait(false);
