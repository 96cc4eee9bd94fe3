using System.Text;
using Holt.Uapi;
using Microsoft.Win32.SafeHandles;

namespace Holt.Guard;

/// <summary>
/// Where a follower stands in a log: which file (device and inode, and a hash of its first bytes, because a deleted
/// file's inode is soon given to the next one) and how many bytes of it are consumed.
/// </summary>
internal sealed record FollowPosition(ulong Device, ulong Inode, long Offset, string Head);

/// <summary>
/// Follows a log file the way logrotate treats it, without losing or re-reading a line:
/// <list type="bullet">
/// <item>rotation by rename: the file the path names changes inode; the old file is read to its end first (a
/// writer may still add to it until it reopens), then the new one from its start;</item>
/// <item>copytruncate: the file shrinks below the position; it is read again from its start;</item>
/// <item>a line is handed out only once its newline is there, and the position covers only whole lines, so a
/// restart resumes exactly after the last line handled.</item>
/// </list>
/// Without a saved position (or with one for a file that is gone), following starts at the end of the file: old
/// lines are the report's business, not the guard's.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private const int HeadSize = 64;

    private readonly string _path;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly List<byte> _partial = [];
    private FileStream? _file;
    private SocketFile.Identity _identity;
    private long _consumed;

    public LogFollower(string path, FollowPosition? resume)
    {
        _path = path;
        if (!TryOpen(out FileStream? file, out SocketFile.Identity identity))
        {
            return;
        }

        _file = file;
        _identity = identity;
        long length = file.Length;
        _consumed = resume is not null && resume.Device == identity.Device && resume.Inode == identity.Inode && resume.Offset <= length &&
            resume.Head == HeadOf(file, resume.Offset)
            ? resume.Offset
            : length;
        _file.Position = _consumed;
    }

    public string Path => _path;

    /// <summary>The position after the last whole line handed out; null before the file first exists.</summary>
    public FollowPosition? Position => _file is null ? null : new FollowPosition(_identity.Device, _identity.Inode, _consumed, HeadOf(_file, _consumed));

    /// <summary>The whole lines written since the last call, across a rotation or truncation.</summary>
    public IReadOnlyList<string> ReadAvailable()
    {
        var lines = new List<string>();
        if (_file is null)
        {
            // The file did not exist yet: a log that appears is read from its start.
            if (!TryOpen(out _file, out _identity))
            {
                return lines;
            }

            _consumed = 0;
        }

        if (_file.Length < _consumed)
        {
            // Truncated in place (copytruncate): everything in it now is new.
            _file.Position = 0;
            _consumed = 0;
            _partial.Clear();
        }

        ReadToEnd(lines);
        SocketFile.Identity? current = SocketFile.Stat(_path);
        if (current is SocketFile.Identity now && (now.Inode != _identity.Inode || now.Device != _identity.Device))
        {
            // Rotated: the old file is finished (read above); a last line without its newline is still a line.
            if (_partial.Count > 0)
            {
                lines.Add(Decode(_partial.ToArray()));
                _partial.Clear();
            }

            _file.Dispose();
            _file = null;
            if (TryOpen(out _file, out _identity))
            {
                _consumed = 0;
                ReadToEnd(lines);
            }
        }

        return lines;
    }

    public void Dispose() => _file?.Dispose();

    private void ReadToEnd(List<string> lines)
    {
        int read;
        while ((read = _file!.Read(_chunk, 0, _chunk.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < read; i++)
            {
                if (_chunk[i] != (byte)'\n')
                {
                    continue;
                }

                if (_partial.Count > 0)
                {
                    _partial.AddRange(_chunk.AsSpan(start, i - start));
                    lines.Add(Decode(_partial.ToArray()));
                    _consumed += _partial.Count + 1;
                    _partial.Clear();
                }
                else
                {
                    lines.Add(Decode(_chunk.AsSpan(start, i - start)));
                    _consumed += i - start + 1;
                }

                start = i + 1;
            }

            _partial.AddRange(_chunk.AsSpan(start, read - start));
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>SHA-256 of the file's first bytes (at most 64, and no further than <paramref name="limit"/>).</summary>
    private static string HeadOf(FileStream file, long limit)
    {
        Span<byte> head = stackalloc byte[HeadSize];
        int length = RandomAccess.Read(file.SafeFileHandle, head[..(int)Math.Min(HeadSize, limit)], 0);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(head[..length]));
    }

    private bool TryOpen([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FileStream? file, out SocketFile.Identity identity)
    {
        file = null;
        identity = default;
        try
        {
            file = new FileStream(_path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete });
            SafeFileHandle handle = file.SafeFileHandle;
            identity = SocketFile.StatHandle(handle);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            file?.Dispose();
            file = null;
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            throw new CommandException($"cannot follow {_path}: {e.Message}", e);
        }
    }
}
