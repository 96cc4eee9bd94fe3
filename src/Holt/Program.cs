using Holt.Cli;

return HoltCommand.Run(args);
