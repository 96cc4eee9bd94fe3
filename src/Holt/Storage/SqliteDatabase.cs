using System.Runtime.InteropServices;

namespace Holt.Storage;

/// <summary>
/// One connection to an SQLite database file, with the statements prepared on it. Used by one thread at a time
/// (it opens with SQLITE_OPEN_NOMUTEX, so SQLite takes no lock of its own); its owner serializes the calls. Every
/// failure becomes a <see cref="StoreException"/> carrying SQLite's message and the file's path.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly SqliteConnectionHandle _handle;
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

    private SqliteDatabase(SqliteConnectionHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The file, as given to <see cref="Open"/>; every error message starts with it.</summary>
    public string Path { get; }

    /// <summary>How many rows the last INSERT, UPDATE or DELETE changed.</summary>
    public int Changes => Sqlite.sqlite3_changes(_handle);

    /// <summary>
    /// Opens <paramref name="path"/>, creating an empty database if it is missing. A lock another connection holds is
    /// waited for up to <paramref name="busyTimeout"/> before a statement fails with "database is locked". Without
    /// <paramref name="followLinks"/>, a symbolic link in place of the file fails the open (SQLITE_OPEN_NOFOLLOW).
    /// With <paramref name="readOnly"/> a missing file fails the open instead of being created, and nothing can be
    /// written: for a reader that must leave another program's file exactly as it found it (the audit).
    /// </summary>
    /// <exception cref="StoreException">The library is missing or the file cannot be opened.</exception>
    public static SqliteDatabase Open(string path, TimeSpan busyTimeout, bool followLinks = true, bool readOnly = false)
    {
        SqliteConnectionHandle handle;
        int code;
        try
        {
            int access = readOnly ? Sqlite.SQLITE_OPEN_READONLY : Sqlite.SQLITE_OPEN_READWRITE | Sqlite.SQLITE_OPEN_CREATE;
            int flags = access | Sqlite.SQLITE_OPEN_NOMUTEX | (followLinks ? 0 : Sqlite.SQLITE_OPEN_NOFOLLOW);
            code = Sqlite.sqlite3_open_v2(path, out handle, flags, null);
        }
        catch (DllNotFoundException e)
        {
            throw new StoreException($"{path}: the SQLite library {Sqlite.LibraryName} is missing ({Sqlite.InstallHint})", e);
        }

        var database = new SqliteDatabase(handle, path);
        try
        {
            if (code != Sqlite.SQLITE_OK)
            {
                // A failed open usually still returns a connection, which holds the message and must be closed.
                throw database.Error(code);
            }

            database.Check(Sqlite.sqlite3_busy_timeout(handle, (int)Math.Clamp(busyTimeout.TotalMilliseconds, 0, int.MaxValue)));
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>Runs one or more statements that return nothing the caller reads (PRAGMA settings, DDL, BEGIN).</summary>
    public void Execute(string sql) => Check(Sqlite.sqlite3_exec(_handle, sql, 0, 0, 0));

    /// <summary>The statement for <paramref name="sql"/>, prepared on first use and kept until the database is disposed.</summary>
    public SqliteStatement Statement(string sql)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_statements.TryGetValue(sql, out SqliteStatement? statement))
        {
            statement = Prepare(sql);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>A statement for <paramref name="sql"/> that the caller owns and disposes.</summary>
    public SqliteStatement Prepare(string sql)
    {
        int code = Sqlite.sqlite3_prepare_v2(_handle, sql, -1, out SqliteStatementHandle statement, 0);
        if (code != Sqlite.SQLITE_OK)
        {
            statement.Dispose();
            throw Error(code);
        }

        return new SqliteStatement(this, statement);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in one write transaction (BEGIN IMMEDIATE, so the write lock is taken, or
    /// waited for, up front rather than failing halfway), committed when it returns and rolled back when it throws.
    /// </summary>
    public T InTransaction<T>(Func<T> body)
    {
        Execute("BEGIN IMMEDIATE");
        try
        {
            T result = body();
            Execute("COMMIT");
            return result;
        }
        catch
        {
            // Whatever failed has been reported; the rollback's own outcome adds nothing (after some errors SQLite
            // has already rolled back, and ROLLBACK then fails harmlessly).
            _ = Sqlite.sqlite3_exec(_handle, "ROLLBACK", 0, 0, 0);
            throw;
        }
    }

    public void Dispose()
    {
        foreach (SqliteStatement statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
        _handle.Dispose();
    }

    internal void Check(int code)
    {
        if (code != Sqlite.SQLITE_OK)
        {
            throw Error(code);
        }
    }

    /// <summary>The exception for a failed call: the path and SQLite's message for it.</summary>
    internal StoreException Error(int code)
    {
        string? message = _handle.IsInvalid || _handle.IsClosed ? null : Marshal.PtrToStringUTF8(Sqlite.sqlite3_errmsg(_handle));
        message ??= Marshal.PtrToStringUTF8(Sqlite.sqlite3_errstr(code)) ?? $"SQLite error {code}";
        return new StoreException($"{Path}: {message}", code);
    }
}
