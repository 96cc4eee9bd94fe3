using System.Runtime.InteropServices;

namespace Holt.Storage;

/// <summary>
/// The SQLite C API calls Holt makes (https://sqlite.org/c3ref/funclist.html), one native function per
/// declaration, bound to the system's <c>libsqlite3.so.0</c> at run time: the published binary stays one file and
/// needs no managed SQLite package. <see cref="SqliteDatabase"/> and <see cref="SqliteStatement"/> are the safe API
/// over these.
/// </summary>
internal static unsafe partial class Sqlite
{
    public const string LibraryName = "libsqlite3.so.0";
    public const string InstallHint = "apt-get install libsqlite3-0";

    // Result codes (https://sqlite.org/rescode.html).
    internal const int SQLITE_OK = 0;
    internal const int SQLITE_ROW = 100;
    internal const int SQLITE_DONE = 101;

    // Open flags (https://sqlite.org/c3ref/c_open_autoproxy.html).
    internal const int SQLITE_OPEN_READONLY = 0x00000001;
    internal const int SQLITE_OPEN_READWRITE = 0x00000002;
    internal const int SQLITE_OPEN_CREATE = 0x00000004;
    internal const int SQLITE_OPEN_NOMUTEX = 0x00008000;
    internal const int SQLITE_OPEN_NOFOLLOW = 0x01000000;

    // Fundamental datatypes (https://sqlite.org/c3ref/c_blob.html).
    internal const int SQLITE_NULL = 5;

    /// <summary>The destructor value that makes SQLite copy bound text before the call returns.</summary>
    internal const nint SQLITE_TRANSIENT = -1;

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sqlite3_open_v2(string filename, out SqliteConnectionHandle db, int flags, string? vfs);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_close_v2(nint db);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_busy_timeout(SqliteConnectionHandle db, int milliseconds);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sqlite3_exec(SqliteConnectionHandle db, string sql, nint callback, nint argument, nint errorMessage);

    /// <summary>The connection's last error text; owned by SQLite, so returned as a pointer and copied.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint sqlite3_errmsg(SqliteConnectionHandle db);

    /// <summary>The English text of a result code, for when there is no connection to ask.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint sqlite3_errstr(int code);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_changes(SqliteConnectionHandle db);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sqlite3_prepare_v2(SqliteConnectionHandle db, string sql, int length, out SqliteStatementHandle statement, nint tail);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_finalize(nint statement);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_reset(SqliteStatementHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_step(SqliteStatementHandle statement);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_bind_int64(SqliteStatementHandle statement, int index, long value);

    /// <summary>Binds UTF-8 text; a null <paramref name="text"/> would bind NULL, so an empty string needs a real pointer.</summary>
    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_bind_text(SqliteStatementHandle statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_bind_null(SqliteStatementHandle statement, int index);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_column_type(SqliteStatementHandle statement, int column);

    [LibraryImport(LibraryName)]
    internal static partial long sqlite3_column_int64(SqliteStatementHandle statement, int column);

    /// <summary>The column's UTF-8 text, valid until the next step, reset or finalize of the statement.</summary>
    [LibraryImport(LibraryName)]
    internal static partial byte* sqlite3_column_text(SqliteStatementHandle statement, int column);

    [LibraryImport(LibraryName)]
    internal static partial int sqlite3_column_bytes(SqliteStatementHandle statement, int column);
}

/// <summary>An open <c>sqlite3*</c> connection; closed with sqlite3_close_v2, which waits for its statements.</summary>
internal sealed class SqliteConnectionHandle : SafeHandle
{
    /// <summary>For the interop generator, which builds the handle sqlite3_open_v2 returns.</summary>
    public SqliteConnectionHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    // close_v2, not close: should a statement still be alive (finalizers run in any order), SQLite keeps the
    // connection as a zombie and frees it when the last statement is finalized, instead of failing with BUSY.
    protected override bool ReleaseHandle() => Sqlite.sqlite3_close_v2(handle) == Sqlite.SQLITE_OK;
}

/// <summary>A prepared <c>sqlite3_stmt*</c>; finalized exactly once, when released.</summary>
internal sealed class SqliteStatementHandle : SafeHandle
{
    /// <summary>For the interop generator, which builds the handle sqlite3_prepare_v2 returns.</summary>
    public SqliteStatementHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    // finalize returns the statement's last error, not a failure to free it: the statement is gone either way.
    protected override bool ReleaseHandle()
    {
        _ = Sqlite.sqlite3_finalize(handle);
        return true;
    }
}
