using Holt.Cli;
using Holt.Hosting;
using Holt.Tunnel;

// A daemon child lets go of the terminal first, before anything opens the console: .NET keeps its own copies of
// the standard streams once they are used, and a copy of the caller's pipe would hold that caller forever.
InterruptSignal.RestoreIfIgnored(args);
Daemon.DetachIfChild();
return HoltCommand.Run(args);
