namespace Holt.Cli;

/// <summary>
/// Runs a command's body and turns an operator's error into one line on standard error and exit code 1; a defect
/// (any other exception) is one line too, with exit code 70 (EX_SOFTWARE), never a stack trace unless asked for.
/// Its <c>holt:</c> is red when standard error is coloured.
/// </summary>
internal static class CommandRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CommandException error)
        {
            Console.Error.WriteLine($"{TerminalColor.ErrorPrefix} {error.Message}");
            return 1;
        }
        catch (Storage.StoreException error)
        {
            // The ban store's errors already name the file and what to do about it.
            Console.Error.WriteLine($"{TerminalColor.ErrorPrefix} {error.Message}");
            return 1;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A defect, not the operator's doing: still one line (with LOG_LEVEL=verbose, the whole trace).
            bool verbose = Environment.GetEnvironmentVariable(Logging.LogLevelSwitch.VariableName) is "verbose" or "debug";
            Console.Error.WriteLine($"{TerminalColor.ErrorPrefix} internal error ({error.GetType().Name}: {error.Message.Split('\n')[0].Trim()}); please report it{(verbose ? "\n" + error : "")}");
            return 70;
        }
    }
}
