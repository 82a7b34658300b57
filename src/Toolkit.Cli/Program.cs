using Toolkit.Cli;

return await ToolkitCommandLine.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
