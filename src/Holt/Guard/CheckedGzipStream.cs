using System.Buffers.Binary;
using System.IO.Compression;

namespace Holt.Guard;

/// <summary>
/// The content of a gzip file (RFC 1952), member after member, each member's trailer checked as <c>gzip -t</c>
/// does: its CRC-32 and length must match what was decompressed. .NET's GZipStream ends a file that is cut short (a
/// rotation whose compression a full disk or a crash interrupted) as if it were whole, giving its first part and no
/// error; here that, and any other damage, is an <see cref="InvalidDataException"/> whose message says what it is.
/// </summary>
/// <remarks>
/// Each member's deflate data goes through a raw <see cref="DeflateStream"/>, which reads ahead and does not say
/// where the data ended, so the trailer is looked for afterwards in the input it was last given: the data ended
/// there. Bytes after the last member that do not start another one are ignored, as gzip ignores them.
/// </remarks>
internal sealed class CheckedGzipStream : Stream
{
    private const int FlagHeaderCrc = 0x02;
    private const int FlagExtra = 0x04;
    private const int FlagName = 0x08;
    private const int FlagComment = 0x10;
    private const int FlagsReserved = 0xe0;
    private const int Deflate = 8;
    private const int TrailerLength = 8;

    private readonly Stream _file;
    private readonly Input _input;
    private DeflateStream? _deflate;
    private uint _crc;
    private long _length;
    private bool _started;
    private bool _ended;

    /// <param name="file">The gzip file, seekable, at its start; left open.</param>
    public CheckedGzipStream(Stream file)
    {
        _file = file;
        _input = new Input(file);
        _input.StartAt(file.Position);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <exception cref="InvalidDataException">The file is not a whole, undamaged gzip file.</exception>
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (!_ended)
        {
            if (_deflate is null && !StartMember())
            {
                _ended = true;
                break;
            }

            int read;
            try
            {
                read = _deflate!.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                // The runtime's words for this ("compressed using an unsupported compression method") mislead.
                throw new InvalidDataException("its compressed data is damaged", e);
            }

            if (read > 0)
            {
                _crc = Crc32.Append(_crc, buffer[..read]);
                _length += read;
                return read;
            }

            EndMember();
        }

        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deflate?.Dispose();
            _deflate = null;
        }

        base.Dispose(disposing);
    }

    private static InvalidDataException CutShort() => new("it is cut short (it ends inside its compressed data)");

    /// <summary>Reads a member's header and starts decompressing its data; false when no member follows.</summary>
    private bool StartMember()
    {
        _file.Position = _input.Offset;
        int first = _file.ReadByte();
        int second = _file.ReadByte();
        if (first != 0x1f || second != 0x8b)
        {
            // The first member's magic was checked by whoever chose to decompress; an empty file is no gzip either.
            return _started ? false : throw CutShort();
        }

        _started = true;
        int method = Next();
        int flags = Next();
        if (method != Deflate)
        {
            throw new InvalidDataException($"its header names compression method {method}, not deflate (8)");
        }

        if ((flags & FlagsReserved) != 0)
        {
            throw new InvalidDataException("its header is damaged (reserved flags are set)");
        }

        // Modification time (4 bytes), extra flags and operating system.
        Skip(6);
        if ((flags & FlagExtra) != 0)
        {
            Skip(Next() | (Next() << 8));
        }

        if ((flags & FlagName) != 0)
        {
            SkipString();
        }

        if ((flags & FlagComment) != 0)
        {
            SkipString();
        }

        if ((flags & FlagHeaderCrc) != 0)
        {
            Skip(2);
        }

        _input.StartAt(_file.Position);
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        _crc = 0;
        _length = 0;
        return true;
    }

    /// <summary>
    /// After the deflate data: finds the trailer where the data ended, within the last two blocks of input given to
    /// the decompressor, and checks it; the next member starts after it.
    /// </summary>
    private void EndMember()
    {
        _deflate!.Dispose();
        _deflate = null;

        long from = _input.SearchFrom;
        byte[] window = new byte[(int)(_input.Offset - from) + TrailerLength];
        _file.Position = from;
        int filled = _file.ReadAtLeast(window, window.Length, throwOnEndOfStream: false);

        Span<byte> trailer = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)_length));
        int at = window.AsSpan(0, filled).IndexOf(trailer);
        if (at < 0)
        {
            // A decompressor that asked for more when the file had no more never reached the end of its data; one
            // that did reach it decompressed something other than what was compressed, or the trailer itself is cut.
            throw _input.AtEnd ? CutShort() : new InvalidDataException("its data does not match its CRC-32 and length (damaged, or cut short in its last 8 bytes)");
        }

        _input.StartAt(from + at + TrailerLength);
    }

    private int Next()
    {
        int value = _file.ReadByte();
        return value >= 0 ? value : throw CutShort();
    }

    private void Skip(int count)
    {
        if (_file.Length - _file.Position < count)
        {
            throw CutShort();
        }

        _file.Position += count;
    }

    private void SkipString()
    {
        while (Next() != 0)
        {
        }
    }

    /// <summary>
    /// The file as the decompressor reads it, from a member's data on: remembers where the blocks it handed out
    /// began, and whether the file ran out.
    /// </summary>
    private sealed class Input(Stream file) : Stream
    {
        private long _lastStart;

        /// <summary>Where in the file the next block begins.</summary>
        public long Offset { get; private set; }

        /// <summary>Where the block before the last began (the member's data, at first).</summary>
        public long SearchFrom { get; private set; }

        /// <summary>Whether the file gave nothing more when asked.</summary>
        public bool AtEnd { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void StartAt(long offset)
        {
            Offset = offset;
            SearchFrom = offset;
            _lastStart = offset;
            AtEnd = false;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            file.Position = Offset;
            int read = file.Read(buffer);
            SearchFrom = _lastStart;
            _lastStart = Offset;
            Offset += read;
            AtEnd |= read == 0;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
