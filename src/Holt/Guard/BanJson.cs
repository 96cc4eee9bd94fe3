using System.Net;
using System.Text.Json;

namespace Holt.Guard;

/// <summary>
/// Reads the bans out of nft's JSON listing of the guard's table (<c>nft -j list table inet holt_guard</c>) as it
/// arrives, in slices of <see cref="BufferBytes"/>: a table of 100,000 bans is megabytes of JSON, and the guard
/// checks it every half minute, so it is never held whole, as one string or one document. Each set element is one
/// <see cref="Ban"/>: a bare address, <c>{"prefix": {"addr", "len"}}</c>, or either wrapped as
/// <c>{"elem": {"val", "expires", "comment"}}</c>, the way nft writes elements with a timeout and a comment. Values
/// of any other shape (a range) are passed over.
/// </summary>
internal static class BanJson
{
    /// <summary>The reading buffer; one JSON token longer than this (nothing nft writes for bans) is refused.</summary>
    public const int BufferBytes = 16 * 1024;

    /// <summary>Deeper nesting than this is not nft's listing (its rules' expressions nest about ten deep).</summary>
    private const int MaxDepth = 64;

    private enum Frame : byte
    {
        Other,
        Root,
        Nftables,
        Item,
        Set,
        Elements,
        Element,
        Wrapped,
        Value,
        Prefix,
    }

    private enum Name : byte
    {
        /// <summary>No name: an array's item, or a value already taken.</summary>
        None,

        /// <summary>A name this reader does not look at.</summary>
        Other,

        Nftables,
        Set,
        Elem,
        Val,
        Prefix,
        Addr,
        Len,
        Expires,
        Comment,
    }

    /// <summary>Calls <paramref name="found"/> with every set element of the listing on <paramref name="utf8"/>, read to its end.</summary>
    /// <exception cref="JsonException">The listing is not JSON, or not nft's shape of it.</exception>
    public static void Read(Stream utf8, Action<Ban> found)
    {
        byte[] buffer = new byte[BufferBytes];
        var parser = new Parser(found);
        int filled = 0;
        bool any = false;
        var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = MaxDepth });
        while (true)
        {
            int read = utf8.Read(buffer, filled, buffer.Length - filled);
            bool last = read == 0;
            filled += read;
            any |= read > 0;
            if (!any)
            {
                // nft wrote nothing (no such table): no elements.
                return;
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(0, filled), last, state);
            while (reader.Read())
            {
                parser.Take(ref reader);
            }

            if (last)
            {
                return;
            }

            state = reader.CurrentState;
            int consumed = (int)reader.BytesConsumed;
            if (consumed == 0 && filled == buffer.Length)
            {
                throw new JsonException($"nft's listing has a token longer than {BufferBytes} bytes");
            }

            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }
    }

    /// <summary>Where the reader is in the listing, and the element being read.</summary>
    private sealed class Parser(Action<Ban> found)
    {
        private readonly Frame[] _frames = new Frame[MaxDepth + 1];
        private int _depth;
        private Name _name;

        // The element being read.
        private IPAddress? _address;
        private IPAddress? _prefixAddress;
        private int _prefixLength = -1;
        private TimeSpan? _expires;
        private string? _jail;

        public void Take(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    _name = NameOf(ref reader);
                    return;

                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    Enter(reader.TokenType == JsonTokenType.StartArray);
                    return;

                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    Leave();
                    return;

                case JsonTokenType.String:
                    Text(ref reader);
                    break;

                case JsonTokenType.Number:
                    Number(ref reader);
                    break;
            }

            _name = Name.None;
        }

        private Frame Current => _frames[_depth];

        private void Enter(bool array)
        {
            Frame parent = _depth == 0 ? Frame.Other : Current;
            Frame frame = (_depth, parent, _name, array) switch
            {
                (0, _, _, false) => Frame.Root,
                (_, Frame.Root, Name.Nftables, true) => Frame.Nftables,
                (_, Frame.Nftables, Name.None, false) => Frame.Item,
                (_, Frame.Item, Name.Set, false) => Frame.Set,
                (_, Frame.Set, Name.Elem, true) => Frame.Elements,
                (_, Frame.Elements, Name.None, false) => Frame.Element,
                (_, Frame.Element, Name.Elem, false) => Frame.Wrapped,
                (_, Frame.Element, Name.Prefix, false) => Frame.Prefix,
                (_, Frame.Wrapped, Name.Val, false) => Frame.Value,
                (_, Frame.Value, Name.Prefix, false) => Frame.Prefix,
                _ => Frame.Other,
            };
            _name = Name.None;
            _depth++;
            _frames[_depth] = frame;
            if (frame == Frame.Element)
            {
                (_address, _prefixAddress, _prefixLength, _expires, _jail) = (null, null, -1, null, null);
            }
        }

        private void Leave()
        {
            if (Current == Frame.Element)
            {
                Emit();
            }

            _depth--;
            _name = Name.None;
        }

        private void Text(ref Utf8JsonReader reader)
        {
            switch (Current, _name)
            {
                case (Frame.Elements, Name.None):
                    // A bare address: an element without a timeout or comment.
                    (_address, _prefixAddress, _prefixLength, _expires, _jail) = (AddressOf(ref reader), null, -1, null, null);
                    Emit();
                    break;

                case (Frame.Wrapped, Name.Val):
                    _address = AddressOf(ref reader);
                    break;

                case (Frame.Wrapped, Name.Comment):
                    _jail = reader.GetString();
                    break;

                case (Frame.Prefix, Name.Addr):
                    _prefixAddress = AddressOf(ref reader);
                    break;
            }
        }

        private void Number(ref Utf8JsonReader reader)
        {
            switch (Current, _name)
            {
                case (Frame.Wrapped, Name.Expires) when reader.TryGetInt64(out long seconds) && seconds is >= 0 and <= int.MaxValue:
                    _expires = TimeSpan.FromSeconds(seconds);
                    break;

                case (Frame.Prefix, Name.Len) when reader.TryGetInt32(out int length):
                    _prefixLength = length;
                    break;
            }
        }

        private void Emit()
        {
            IPNetwork? network = null;
            if (_address is IPAddress host)
            {
                network = new IPNetwork(host, host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
            else if (_prefixAddress is IPAddress start && IPNetwork.TryParse($"{start}/{_prefixLength}", out IPNetwork parsed))
            {
                network = parsed;
            }

            if (network is IPNetwork held)
            {
                found(new Ban(held, _jail, _expires));
            }

            (_address, _prefixAddress, _prefixLength, _expires, _jail) = (null, null, -1, null, null);
        }

        private static IPAddress? AddressOf(ref Utf8JsonReader reader) =>
            reader.ValueIsEscaped
                ? (IPAddress.TryParse(reader.GetString(), out IPAddress? unescaped) ? unescaped : null)
                : (IPAddress.TryParse(reader.ValueSpan, out IPAddress? address) ? address : null);

        private static Name NameOf(ref Utf8JsonReader reader) =>
            reader.ValueTextEquals("nftables"u8) ? Name.Nftables
            : reader.ValueTextEquals("set"u8) ? Name.Set
            : reader.ValueTextEquals("elem"u8) ? Name.Elem
            : reader.ValueTextEquals("val"u8) ? Name.Val
            : reader.ValueTextEquals("prefix"u8) ? Name.Prefix
            : reader.ValueTextEquals("addr"u8) ? Name.Addr
            : reader.ValueTextEquals("len"u8) ? Name.Len
            : reader.ValueTextEquals("expires"u8) ? Name.Expires
            : reader.ValueTextEquals("comment"u8) ? Name.Comment
            : Name.Other;
    }
}
