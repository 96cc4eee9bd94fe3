namespace Holt.Storage;

/// <summary>
/// What tells a changed file without reading it: whether it exists, its size and its modification time. A file
/// replaced by <see cref="AtomicFile"/> is a new file, with the time of its writing, so its stamp differs.
/// </summary>
internal readonly record struct FileStamp(bool Exists, long Length, DateTime Written)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc) : default;
    }
}
