using Holt.Tun.Offload;

namespace Holt.Tests.Tun.Offload;

public sealed class InternetChecksumTests
{
    [Fact]
    public void Checksum_OfRandomData_MatchesTheWordByWordReference_WhateverTheSplit()
    {
        var random = new Random(1071);
        for (int round = 0; round < 2000; round++)
        {
            byte[] data = new byte[random.Next(0, 3000)];
            random.NextBytes(data);

            // Split at an even point, as callers do: every span but the last has an even length.
            int split = data.Length == 0 ? 0 : random.Next(0, data.Length / 2 + 1) * 2;
            ulong sum = InternetChecksum.Add(data.AsSpan(0, split), 0);
            sum = InternetChecksum.Add(data.AsSpan(split), sum);

            byte[] field = new byte[2];
            InternetChecksum.Write(field, sum);
            ushort expected = ReferencePackets.Checksum(data);
            ushort actual = (ushort)((field[0] << 8) | field[1]);
            Assert.True(
                expected == actual || (expected ^ actual) == 0xFFFF && (expected == 0 || actual == 0),
                $"length {data.Length}, split {split}: reference {expected:x4}, fast {actual:x4}");
        }
    }

    [Fact]
    public void Checksum_OfDataWithItsChecksumIn_Verifies()
    {
        var random = new Random(7);
        for (int round = 0; round < 500; round++)
        {
            byte[] data = new byte[random.Next(4, 2000) & ~1];
            random.NextBytes(data);
            data[0] = data[1] = 0;
            InternetChecksum.Write(data, InternetChecksum.Add(data, 0));
            Assert.True(InternetChecksum.Verifies(InternetChecksum.Add(data, 0)));
            Assert.Equal(0, ReferencePackets.Checksum(data));
        }
    }

    [Fact]
    public void PseudoHeader_MatchesTheReference()
    {
        byte[] source = [192, 0, 2, 1];
        byte[] destination = [198, 51, 100, 7];
        byte[] field = new byte[2];
        InternetChecksum.WritePartial(field, InternetChecksum.PseudoHeader(source, destination, 6, 1420));
        Assert.Equal(ReferencePackets.PseudoHeaderSum(source, destination, 6, 1420), (uint)((field[0] << 8) | field[1]));
    }
}
