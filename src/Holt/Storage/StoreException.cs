namespace Holt.Storage;

/// <summary>
/// A database Holt keeps could not be opened, read or written: a missing SQLite library, a file that is not a
/// database, a schema from a newer Holt, a lock held too long. The message is one line naming the file and giving
/// SQLite's own words; <see cref="ResultCode"/> keeps SQLite's code when it came from SQLite.
/// </summary>
internal sealed class StoreException : Exception
{
    public StoreException(string message, int? resultCode)
        : base(message)
    {
        ResultCode = resultCode;
    }

    public StoreException()
    {
    }

    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>SQLite's result code (https://sqlite.org/rescode.html), or null when the error is Holt's own.</summary>
    public int? ResultCode { get; }
}
