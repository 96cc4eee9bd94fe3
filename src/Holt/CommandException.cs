namespace Holt;

/// <summary>
/// An error the operator caused or can fix (a bad argument, a name in use, missing privileges). The command line
/// prints its message as one line and exits non-zero; it is never a crash.
/// </summary>
internal sealed class CommandException : Exception
{
    public CommandException(string message)
        : base(message)
    {
    }

    public CommandException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CommandException()
    {
    }
}
