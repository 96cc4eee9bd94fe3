using Holt.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Holt.Integration.Tests.Tunnel;

/// <summary>Scenario 6: peers and keys change on live interfaces.</summary>
public sealed class PeerChangeTests(ITestOutputHelper output)
{
    private const int Pings = 3;

    [RootTheory]
    [Pairs]
    public Task RemovedPeer_IsGone_AndStartsAfreshWhenAddedBack(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);

            await a.WgAsync("set", a.Interface, "peer", b.Keys.PublicKey, "remove");
            Assert.Null((await a.DumpAsync()).Find(b.Keys.PublicKey));
            await Traffic.AssertNoReplyAsync(a, b.TunnelV4, "a no longer has b as a peer");

            // Back again, as a new peer: a fresh handshake, counters from zero.
            await lab.ConnectAsync(a, b, Underlay.IPv4);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);
            WgPeer bOnA = await a.PeerAsync(b);
            long sent = WireSize.HandshakeInitiation + (Pings * WireSize.PingV4);
            long received = WireSize.HandshakeResponse + (Pings * WireSize.PingV4);
            Assert.True(
                bOnA.TxBytes == sent && bOnA.RxBytes == received && bOnA.LatestHandshake != 0,
                $"The re-added peer should start afresh: expected tx {sent}, rx {received} (one handshake, {Pings} pings) and a " +
                $"handshake time; got tx {bOnA.TxBytes}, rx {bOnA.RxBytes}, latest handshake {bOnA.LatestHandshake}.");
        });

    [RootTheory]
    [Pairs]
    public Task NewPrivateKey_StopsTraffic_UntilThePeerKnowsTheNewPublicKey(Implementation first, Implementation second) =>
        Lab.RunAsync(output, async lab =>
        {
            (Host a, Host b) = await lab.CreatePairAsync(first, second);
            await Traffic.AssertPingsAsync(a, b.TunnelV4, Pings);

            KeyPair old = a.Keys;
            a.Keys = await lab.NewKeyPairAsync();
            await a.WgAsync("set", a.Interface, "private-key", a.Keys.PrivateKeyFile);
            Assert.Equal(a.Keys.PublicKey, (await a.DumpAsync()).PublicKey);

            // The old session may no longer send, and b refuses handshakes from the unknown key.
            await Traffic.AssertNoReplyAsync(a, b.TunnelV4, "b does not know a's new public key");

            await b.WgAsync(
                "set", b.Interface,
                "peer", a.Keys.PublicKey, "preshared-key", await lab.PresharedKeyFileAsync(), "allowed-ips", a.AllowedIps,
                "peer", old.PublicKey, "remove");
            await Traffic.WaitUntilReachableAsync(a, b.TunnelV4, "a keeps retrying its handshake (Rekey-Timeout, 5 s) and b now knows its new key");
            WgPeer aOnB = await b.PeerAsync(a);
            Assert.True(aOnB.LatestHandshake != 0, "b completed no handshake with a's new key.");
            Assert.Equal(a.Endpoint(Underlay.IPv4), aOnB.Endpoint);
        });
}
