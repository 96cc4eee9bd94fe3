namespace Holt.Tests.Audit;

/// <summary>Lines of /proc/net/tcp, tcp6, udp and udp6 in the kernel's own layout.</summary>
internal static class ProcNet
{
    public const string Header4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ";
    public const string Header6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

    public static string Line(int slot, string local, string remote, string state, long inode) =>
        $"  {slot,2}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 00000000c3b75ce1 100 0 0 10 0";

    public static string Table(bool ipv6, params string[] lines) => string.Join("\n", [ipv6 ? Header6 : Header4, .. lines]) + "\n";

    public const string Any4 = "00000000";
    public const string Any6 = "00000000000000000000000000000000";
    public const string Loopback4 = "0100007F";
    public const string Loopback6 = "00000000000000000000000001000000";

    /// <summary>10.8.0.1, the fixture's VPN address.</summary>
    public const string Vpn4 = "0100080A";

    /// <summary>::ffff:127.0.0.1.</summary>
    public const string Mapped6 = "0000000000000000FFFF00000100007F";

    /// <summary>2001:db8::5, each 32-bit word little-endian.</summary>
    public const string Global6 = "B80D0120000000000000000005000000";
}
