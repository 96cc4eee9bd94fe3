using System.Net;
using Holt.Guard;

namespace Holt.Tests.Guard;

public sealed class FilterTextTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("2001:db8::9", "2001:db8::9")]
    [InlineData("2001:DB8::9", "2001:db8::9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:cb00:7109", "203.0.113.9")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255")]
    public void IpLiteral_IsItsAddress_MappedIpv4Unmapped(string text, string address)
    {
        Assert.True(FilterText.TryAddress(text, out IPAddress? parsed));
        Assert.Equal(IPAddress.Parse(address), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.1")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.1.5")]
    [InlineData("010.0.0.1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("4294967295")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1 ")]
    [InlineData("10.0.0.1\n")]
    [InlineData("10.0.0.1:80")]
    [InlineData("[2001:db8::1]")]
    [InlineData("[2001:db8::1]:80")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%2")]
    [InlineData("2001:db8::1/64")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("example.com")]
    [InlineData("localhost")]
    [InlineData("::ffff:203.0.113.9:5555")]
    [InlineData("２０３.0.113.9")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255:1")]
    public void AnythingButAnIpLiteral_IsRefused(string text)
    {
        Assert.False(FilterText.TryAddress(text, out IPAddress? parsed));
        Assert.Null(parsed);
    }

    [Theory]
    [InlineData("Jan", 1)]
    [InlineData("Dec", 12)]
    [InlineData("jan", 0)]
    [InlineData("JAN", 0)]
    [InlineData("Ja", 0)]
    [InlineData("", 0)]
    public void Month_IsTheEnglishAbbreviation(string name, int month)
    {
        Assert.Equal(month, FilterText.Month(name));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0042", 42)]
    [InlineData("999999999", 999_999_999)]
    public void Digits_AreRead(string text, int value)
    {
        Assert.True(FilterText.TryDigits(text, out int parsed));
        Assert.Equal(value, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234567890")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1a")]
    [InlineData("١")]
    public void NotJustDigits_IsRefused(string text)
    {
        Assert.False(FilterText.TryDigits(text, out _));
    }

    [Theory]
    [InlineData(2024, 2, 29, 0, 0, 0, true)]
    [InlineData(2023, 2, 29, 0, 0, 0, false)]
    [InlineData(2024, 4, 31, 0, 0, 0, false)]
    [InlineData(2024, 13, 1, 0, 0, 0, false)]
    [InlineData(2024, 0, 1, 0, 0, 0, false)]
    [InlineData(2024, 1, 0, 0, 0, 0, false)]
    [InlineData(2024, 1, 1, 24, 0, 0, false)]
    [InlineData(2024, 1, 1, 0, 60, 0, false)]
    [InlineData(2024, 1, 1, 0, 0, 61, false)]
    [InlineData(2024, 12, 31, 23, 59, 60, true)]
    [InlineData(0, 1, 1, 0, 0, 0, false)]
    public void Time_IsCheckedField_ByField(int year, int month, int day, int hour, int minute, int second, bool valid)
    {
        Assert.Equal(valid, FilterText.TryTime(year, month, day, hour, minute, second, 0, TimeSpan.Zero, out _));
    }

    [Fact]
    public void Time_AtTheEdgesOfDateTimeOffset_IsRefusedNotThrown()
    {
        Assert.False(FilterText.TryTime(1, 1, 1, 0, 0, 0, 0, TimeSpan.FromHours(1), out _));
        Assert.False(FilterText.TryTime(9999, 12, 31, 23, 0, 0, 0, TimeSpan.FromHours(-1), out _));
        Assert.False(FilterText.TryTime(2024, 1, 1, 0, 0, 0, 0, TimeSpan.FromHours(15), out _));
        Assert.False(FilterText.TryTime(2024, 1, 1, 0, 0, 0, 0, TimeSpan.FromSeconds(30), out _));
        Assert.True(FilterText.TryTime(9999, 12, 31, 23, 59, 59, TimeSpan.TicksPerSecond - 1, TimeSpan.Zero, out DateTimeOffset last));
        Assert.Equal(DateTimeOffset.MaxValue, last);
    }

    [Fact]
    public void LocalTime_HasTheLocalZonesOffsetAtThatTime()
    {
        var local = new DateTime(2024, 7, 1, 12, 0, 0);

        Assert.True(FilterText.TryLocalTime(2024, 7, 1, 12, 0, 0, 5, out DateTimeOffset time));
        Assert.Equal(new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local)).AddTicks(5), time);
    }
}
