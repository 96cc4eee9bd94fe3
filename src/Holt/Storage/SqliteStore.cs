using System.Globalization;

namespace Holt.Storage;

/// <summary>
/// How Holt opens each of its SQLite stores (the guard's bans, the monitor's alerts and history): a private file in
/// a private directory, in WAL mode so the daemon and a command can share it, with its schema versioned in the
/// file's <c>user_version</c>. One place, so every store is as careful as the first.
/// </summary>
internal static class SqliteStore
{
    /// <summary>Long enough for the other process's write (milliseconds) even on a loaded machine.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    // SQLite's result codes for a file that is not, or no longer, a database.
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// Opens the database at <paramref name="path"/>, creating it (its directory 0700, the file 0600) if it is
    /// missing, and brings its schema to <paramref name="schemaVersion"/>: <paramref name="migrate"/> runs in the
    /// opening transaction with the version the file had (0 for a new file) whenever that is older, and the new
    /// version is written after it. A symbolic link in place of the file is refused, so a link planted in the state
    /// directory cannot make Holt write another file.
    /// </summary>
    /// <param name="what">The store's name in messages ("ban store"): "move the file aside to start an empty ban store".</param>
    /// <exception cref="StoreException">The file cannot be created or opened, is not a database, or comes from a newer Holt.</exception>
    public static SqliteDatabase OpenPrivate(string path, int schemaVersion, Action<SqliteDatabase, long> migrate, string what)
    {
        try
        {
            AtomicFile.CreateParent(path);
            CreatePrivate(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"{path}: {e.Message}", e);
        }

        SqliteDatabase database = SqliteDatabase.Open(path, BusyTimeout, followLinks: false);
        try
        {
            // WAL: a reader never blocks the writer nor the writer a reader, so the daemon and a command can share
            // the file. NORMAL synchronous is WAL's durable-across-crashes setting; only a power cut can lose the
            // last writes.
            database.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
            _ = database.InTransaction(() => Migrate(database, schemaVersion, migrate, what));
            return database;
        }
        catch (StoreException e) when (e.ResultCode is SqliteNotADatabase or SqliteCorrupt)
        {
            database.Dispose();
            throw new StoreException($"{e.Message} (move the file aside to start an empty {what})", e.ResultCode);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>Inside the opening transaction: migrates an older file, refuses one from a newer Holt.</summary>
    private static int Migrate(SqliteDatabase database, int schemaVersion, Action<SqliteDatabase, long> migrate, string what)
    {
        long version;
        using (SqliteStatement read = database.Prepare("PRAGMA user_version"))
        {
            version = read.Query(row => row.Int64(0))[0];
        }

        if (version > schemaVersion)
        {
            throw new StoreException(
                $"{database.Path}: written by a newer Holt (schema version {version}; this one knows up to {schemaVersion}): upgrade Holt, or move the file aside to start an empty {what}",
                resultCode: null);
        }

        if (version < schemaVersion)
        {
            migrate(database, version);
            database.Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {schemaVersion}"));
        }

        return schemaVersion;
    }

    /// <summary>
    /// Creates an empty file with mode 0600 before SQLite opens it, so what it holds is never readable by others,
    /// not even for a moment; SQLite gives its -wal and -shm files the database file's mode. O_EXCL creation never
    /// follows a link, and an existing link is refused here and by SQLite's own no-follow open.
    /// </summary>
    private static void CreatePrivate(string path)
    {
        switch (UnixFile.TypeOf(path, follow: false))
        {
            case FileType.RegularFile:
                return;
            case FileType.Missing:
                break;
            case FileType.SymbolicLink:
                throw new IOException("it is a symbolic link, not the store's own file (remove the link)");
            default:
                throw new IOException("it is not a regular file");
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = AtomicFile.Private };
        try
        {
            using var file = new FileStream(path, options);
        }
        catch (IOException) when (UnixFile.TypeOf(path, follow: false) == FileType.RegularFile)
        {
            // Another process (the daemon, or a command) created it first, with its own mode.
            return;
        }

        // The umask may have narrowed the mode at creation; set exactly 0600.
        File.SetUnixFileMode(path, AtomicFile.Private);
    }
}
