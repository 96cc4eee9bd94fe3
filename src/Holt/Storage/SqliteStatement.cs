using System.Text;

namespace Holt.Storage;

/// <summary>
/// A prepared statement: bind its parameters (numbered from 1, as <c>?1</c> in the SQL), then
/// <see cref="Execute"/> or <see cref="Query{T}"/>, both of which reset it afterwards so it holds no read
/// snapshot or lock between uses and can be bound again. Columns are numbered from 0.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly SqliteStatementHandle _handle;

    internal SqliteStatement(SqliteDatabase database, SqliteStatementHandle handle)
    {
        _database = database;
        _handle = handle;
    }

    public SqliteStatement Bind(int index, long value)
    {
        _database.Check(Sqlite.sqlite3_bind_int64(_handle, index, value));
        return this;
    }

    /// <summary>Binds <paramref name="value"/> as UTF-8 text, or NULL when it is null.</summary>
    public unsafe SqliteStatement Bind(int index, string? value)
    {
        if (value is null)
        {
            return BindNull(index);
        }

        // One byte more than the text needs, so that even an empty string passes a real pointer: a null pointer
        // would bind NULL instead of ''.
        byte[] utf8 = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        int length = Encoding.UTF8.GetBytes(value, utf8);
        fixed (byte* text = utf8)
        {
            _database.Check(Sqlite.sqlite3_bind_text(_handle, index, text, length, Sqlite.SQLITE_TRANSIENT));
        }

        return this;
    }

    public SqliteStatement BindNull(int index)
    {
        _database.Check(Sqlite.sqlite3_bind_null(_handle, index));
        return this;
    }

    /// <summary>Runs the statement to its end and returns how many rows it changed.</summary>
    public int Execute()
    {
        try
        {
            while (Step())
            {
            }

            return _database.Changes;
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Runs the statement and reads each row it returns with <paramref name="read"/>.</summary>
    public List<T> Query<T>(Func<SqliteStatement, T> read)
    {
        try
        {
            var rows = new List<T>();
            while (Step())
            {
                rows.Add(read(this));
            }

            return rows;
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>One step: true with a row to read, false when the statement is done.</summary>
    public bool Step()
    {
        int code = Sqlite.sqlite3_step(_handle);
        return code switch
        {
            Sqlite.SQLITE_ROW => true,
            Sqlite.SQLITE_DONE => false,
            _ => throw _database.Error(code),
        };
    }

    /// <summary>Back to the start, bindings kept; its result code repeats the last step's error, already reported.</summary>
    public void Reset() => _ = Sqlite.sqlite3_reset(_handle);

    public bool IsNull(int column) => Sqlite.sqlite3_column_type(_handle, column) == Sqlite.SQLITE_NULL;

    public long Int64(int column) => Sqlite.sqlite3_column_int64(_handle, column);

    public long? NullableInt64(int column) => IsNull(column) ? null : Int64(column);

    /// <summary>The column as text, or null when it is NULL.</summary>
    public unsafe string? Text(int column)
    {
        // column_text before column_bytes, as SQLite asks: the length is that of the converted text.
        byte* text = Sqlite.sqlite3_column_text(_handle, column);
        return text == null ? null : Encoding.UTF8.GetString(text, Sqlite.sqlite3_column_bytes(_handle, column));
    }

    public void Dispose() => _handle.Dispose();
}
