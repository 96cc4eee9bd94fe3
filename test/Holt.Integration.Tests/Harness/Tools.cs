namespace Holt.Integration.Tests.Harness;

/// <summary>Absolute paths of the programs the tests drive, so PATH quirks of the test host do not matter.</summary>
internal static class Tools
{
    public static string Ip => Requirements.Find("ip");

    /// <summary>The holt apphost the test project's reference to src/Holt copies beside the tests.</summary>
    public static string Holt => Path.Combine(AppContext.BaseDirectory, "holt");

    public static string Zbarimg => Requirements.Find("zbarimg");

    public static string Ss => Requirements.Find("ss");

    public static string Wg => Requirements.Find("wg");

    public static string WgQuick => Requirements.Find("wg-quick");

    public static string WireGuardGo => Requirements.Find("wireguard-go");

    public static string Iperf3 => Requirements.Find("iperf3");

    public static string Ping => Requirements.Find("ping");

    public static string Nft => Requirements.Find("nft");

    public static string Unshare => Requirements.Find("unshare");

    public static string Sh => Requirements.Find("sh");

    public static string Bash => Requirements.Find("bash");
}
