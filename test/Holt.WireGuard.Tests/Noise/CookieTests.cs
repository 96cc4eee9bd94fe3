using System.Net;
using Holt.WireGuard.IO;
using Holt.WireGuard.Keys;
using Holt.WireGuard.Noise;
using Microsoft.Extensions.Time.Testing;

namespace Holt.WireGuard.Tests.Noise;

/// <summary>mac1, mac2 and cookie replies (section 5.4.4 and 5.4.7), with their lifetimes in virtual time.</summary>
public sealed class CookieTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly PrivateKey _responder = PrivateKey.Generate();
    private readonly CookieChecker _checker;
    private readonly CookieGenerator _generator;
    private readonly Endpoint _source = Endpoint.FromIPv4(IPAddress.Parse("198.51.100.7").GetAddressBytes(), 40001);

    public CookieTests()
    {
        _checker = new CookieChecker(_time);
        _checker.SetLocalKey(_responder.PublicKey);
        _generator = new CookieGenerator(_responder.PublicKey, _time);
    }

    public void Dispose() => _responder.Dispose();

    private static byte[] Initiation(byte fill)
    {
        byte[] message = new byte[Messages.InitiationSize];
        Array.Fill(message, fill);
        Messages.WriteHeader(message, MessageType.HandshakeInitiation);
        return message;
    }

    /// <summary>Sends a message, gets a cookie reply for it, and hands the reply to the generator.</summary>
    private void ReceiveCookie()
    {
        byte[] first = Initiation(1);
        _generator.AddMacs(first);
        byte[] reply = new byte[Messages.CookieReplySize];
        Assert.True(_checker.CreateReply(first, _source, reply));
        Assert.True(_generator.ConsumeReply(reply));
    }

    [Fact]
    public void Mac1_VerifiesOnlyForTheKeyItWasMadeFor()
    {
        byte[] message = Initiation(7);
        _generator.AddMacs(message);
        Assert.True(_checker.CheckMac1(message));

        using var other = PrivateKey.Generate();
        var otherChecker = new CookieChecker(_time);
        otherChecker.SetLocalKey(other.PublicKey);
        Assert.False(otherChecker.CheckMac1(message));

        message[20] ^= 1;
        Assert.False(_checker.CheckMac1(message));
    }

    [Fact]
    public void Mac2_IsZeroWithoutCookie_AndValidWithOne()
    {
        byte[] message = Initiation(2);
        _generator.AddMacs(message);
        Assert.True(message.AsSpan(Messages.Mac2Offset(message.Length)).IndexOfAnyExcept((byte)0) < 0);
        Assert.False(_checker.CheckMac2(message, _source));

        ReceiveCookie();
        _generator.AddMacs(message);
        Assert.True(_checker.CheckMac2(message, _source));
    }

    [Fact]
    public void Mac2_IsBoundToTheSourceAddressAndPort()
    {
        ReceiveCookie();
        byte[] message = Initiation(3);
        _generator.AddMacs(message);
        Assert.True(_checker.CheckMac2(message, _source));
        Assert.False(_checker.CheckMac2(message, Endpoint.FromIPv4(IPAddress.Parse("198.51.100.7").GetAddressBytes(), 40002)));
        Assert.False(_checker.CheckMac2(message, Endpoint.FromIPv4(IPAddress.Parse("198.51.100.8").GetAddressBytes(), 40001)));
    }

    [Fact]
    public void CookieSecret_IsReplacedAfter120Seconds()
    {
        // The secret is made at the first cookie; a cookie handed out later by the same secret dies with it.
        byte[] probe = Initiation(4);
        _checker.CreateReply(probe, _source, new byte[Messages.CookieReplySize]);
        _time.Advance(TimeSpan.FromSeconds(100));
        ReceiveCookie();

        byte[] message = Initiation(5);
        _time.Advance(TimeSpan.FromSeconds(10));
        _generator.AddMacs(message);
        Assert.True(_checker.CheckMac2(message, _source));

        _time.Advance(TimeSpan.FromSeconds(15));
        _generator.AddMacs(message);
        Assert.False(message.AsSpan(Messages.Mac2Offset(message.Length)).IndexOfAnyExcept((byte)0) < 0, "the cookie is only 25 s old");
        Assert.False(_checker.CheckMac2(message, _source));
    }

    [Fact]
    public void Cookie_IsNotUsedPastItsLifetime()
    {
        ReceiveCookie();
        _time.Advance(Protocol.CookieRefreshTime);
        byte[] message = Initiation(6);
        _generator.AddMacs(message);
        Assert.True(message.AsSpan(Messages.Mac2Offset(message.Length)).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void CookieReply_OnlyAnswersTheLatestMessage_AndOnlyOnce()
    {
        byte[] old = Initiation(8);
        _generator.AddMacs(old);
        byte[] newer = Initiation(9);
        _generator.AddMacs(newer);

        byte[] replyToOld = new byte[Messages.CookieReplySize];
        _checker.CreateReply(old, _source, replyToOld);
        Assert.False(_generator.ConsumeReply(replyToOld));

        byte[] replyToNewer = new byte[Messages.CookieReplySize];
        _checker.CreateReply(newer, _source, replyToNewer);
        Assert.True(_generator.ConsumeReply(replyToNewer));
        Assert.False(_generator.ConsumeReply(replyToNewer));
    }

    [Fact]
    public void CookieReply_HasItsExactSizeAndEchoesTheSenderIndex()
    {
        byte[] message = Initiation(10);
        Messages.WriteIndex(message, Messages.InitiationSenderOffset, 0xA1B2C3D4);
        _generator.AddMacs(message);
        byte[] reply = new byte[Messages.CookieReplySize];
        Assert.True(_checker.CreateReply(message, _source, reply));
        Assert.True(Messages.TryGetType(reply, out MessageType type));
        Assert.Equal(MessageType.CookieReply, type);
        Assert.Equal(0xA1B2C3D4u, Messages.ReadIndex(reply, Messages.CookieReceiverOffset));
    }
}
