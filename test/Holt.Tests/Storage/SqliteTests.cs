using Holt.Storage;

namespace Holt.Tests.Storage;

public sealed class SqliteTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("holt-sqlite").FullName;
    private readonly SqliteDatabase _database;

    public SqliteTests()
    {
        _database = SqliteDatabase.Open(Path.Combine(_directory, "test.db"), TimeSpan.Zero);
        _database.Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, number INTEGER, text TEXT)");
    }

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("ünïcødé ✓ 🛡")]
    [InlineData("nul\0inside")]
    public void Text_RoundTrips_ExactlyAndDistinctFromNull(string text)
    {
        _ = _database.Statement("INSERT INTO t (text) VALUES (?1)").Bind(1, text).Execute();
        _ = _database.Statement("INSERT INTO t (text) VALUES (?1)").Bind(1, (string?)null).Execute();

        List<(string?, bool)> rows = _database.Statement("SELECT text FROM t ORDER BY id").Query(row => (row.Text(0), row.IsNull(0)));

        Assert.Equal([(text, false), (null, true)], rows);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-1L)]
    [InlineData(0L)]
    [InlineData(long.MaxValue)]
    public void Int64_RoundTrips(long number)
    {
        _ = _database.Statement("INSERT INTO t (number) VALUES (?1)").Bind(1, number).Execute();

        Assert.Equal([number], _database.Statement("SELECT number FROM t").Query(row => row.Int64(0)));
    }

    [Fact]
    public void Execute_ReturnsTheRowsChanged_AndTheCachedStatementCanBeReused()
    {
        SqliteStatement insert = _database.Statement("INSERT INTO t (number) VALUES (?1)");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, insert.Bind(1, i).Execute());
        }

        Assert.Same(insert, _database.Statement("INSERT INTO t (number) VALUES (?1)"));
        Assert.Equal(2, _database.Statement("UPDATE t SET text = 'x' WHERE number > ?1").Bind(1, 0).Execute());
    }

    [Fact]
    public void BadSql_IsAStoreException_WithThePathAndSqlitesMessage()
    {
        StoreException error = Assert.Throws<StoreException>(() => _database.Statement("SELEC 1"));

        Assert.Equal($"{_database.Path}: near \"SELEC\": syntax error", error.Message);
        Assert.Equal(1, error.ResultCode);
    }

    [Fact]
    public void AFailedStep_IsAStoreException_AndTheStatementStaysUsable()
    {
        _database.Execute("CREATE TABLE u (name TEXT NOT NULL UNIQUE)");
        SqliteStatement insert = _database.Statement("INSERT INTO u (name) VALUES (?1)");
        _ = insert.Bind(1, "a").Execute();

        StoreException error = Assert.Throws<StoreException>(() => insert.Bind(1, "a").Execute());

        Assert.Contains("UNIQUE constraint failed: u.name", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, insert.Bind(1, "b").Execute());
    }

    [Fact]
    public void InTransaction_CommitsOnReturn_AndRollsBackOnThrow()
    {
        _ = _database.InTransaction(() => _database.Statement("INSERT INTO t (number) VALUES (1)").Execute());
        _ = Assert.Throws<InvalidOperationException>(() => _database.InTransaction<int>(() =>
        {
            _ = _database.Statement("INSERT INTO t (number) VALUES (2)").Execute();
            throw new InvalidOperationException("abandon");
        }));

        Assert.Equal([1L], _database.Statement("SELECT number FROM t").Query(row => row.Int64(0)));
    }

    [Fact]
    public void Open_WhereNoFileCanBe_IsAStoreException()
    {
        string path = Path.Combine(_directory, "missing", "test.db");

        StoreException error = Assert.Throws<StoreException>(() => SqliteDatabase.Open(path, TimeSpan.Zero));

        Assert.Equal($"{path}: unable to open database file", error.Message);
    }
}
