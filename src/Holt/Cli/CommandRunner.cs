namespace Holt.Cli;

/// <summary>Runs a command's body and turns an operator's error into one line on standard error and exit code 1.</summary>
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
            Console.Error.WriteLine($"holt: {error.Message}");
            return 1;
        }
        catch (Storage.StoreException error)
        {
            // The ban store's errors already name the file and what to do about it.
            Console.Error.WriteLine($"holt: {error.Message}");
            return 1;
        }
    }
}
