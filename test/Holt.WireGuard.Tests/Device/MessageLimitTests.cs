using System.Reflection;
using System.Text;
using Holt.WireGuard.Device;
using Holt.WireGuard.Noise;
using Holt.WireGuard.Tests.Support;

namespace Holt.WireGuard.Tests.Device;

/// <summary>The message-count limits of section 6.1 on the sending side (the receiving side is the replay window).</summary>
public sealed class MessageLimitTests
{
    private static void SetSendCounter(Keypair keypair, ulong value) =>
        typeof(Keypair).GetField("_sendCounter", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(keypair, unchecked((long)value));

    [Fact]
    public void Keypair_RefusesCountersFromRejectAfterMessages()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        a.SendTo(b, Encoding.ASCII.GetBytes("x"));
        Assert.NotNull(b.Receive());
        Keypair keypair = a.PeerOf(b).CurrentKeypair!;

        SetSendCounter(keypair, Protocol.RejectAfterMessages - 1);
        Assert.True(keypair.TryNextSendCounter(out ulong last));
        Assert.Equal(Protocol.RejectAfterMessages - 1, last);
        Assert.False(keypair.TryNextSendCounter(out _));
        Assert.False(keypair.TryNextSendCounter(out _));
    }

    [Fact]
    public void RekeyAfterMessages_StartsAHandshake_AndTrafficContinues()
    {
        using var net = new TestNetwork();
        TestNode a = net.AddNode(), b = net.AddNode();
        TestNetwork.Connect(a, b);
        a.SendTo(b, Encoding.ASCII.GetBytes("x"));
        Assert.NotNull(b.Receive());
        Keypair first = a.PeerOf(b).CurrentKeypair!;
        Assert.Equal(1, a.PeerOf(b).HandshakeAttempts);

        // Far below Reject-After-Messages, so the receiver's window still accepts the jump.
        SetSendCounter(first, Protocol.RekeyAfterMessages);
        net.Time.Advance(TimeSpan.FromSeconds(6));
        a.SendTo(b, Encoding.ASCII.GetBytes("y"));
        Assert.NotNull(b.Receive());
        Assert.True(Eventually.True(() => a.PeerOf(b).CurrentKeypair != first));
        Assert.Equal(2, a.PeerOf(b).HandshakeAttempts);

        a.SendTo(b, Encoding.ASCII.GetBytes("z"));
        Assert.NotNull(b.Receive());
    }
}
