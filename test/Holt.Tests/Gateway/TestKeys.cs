namespace Holt.Tests.Gateway;

/// <summary>Fixed key pairs (made with wg genkey and wg pubkey), so expected texts can be written out in full.</summary>
internal static class TestKeys
{
    public const string GatewayPrivate = "GAlBRi8eoa+05Eb51xhAzKG6a7MP2BRCmf9SMNug2Ew=";
    public const string GatewayPublic = "XJ9gS665eM6dZJY9zdUveJeLMXbJ6O7RTPEWMTRE3Ek=";

    public const string LaptopPrivate = "aE2TELBPyqaM9q8zSlP3YAl5Bfn5HaKD6fAymZhgRlU=";
    public const string LaptopPublic = "mG9/3OVch7eKMZPjFBE10gLNhLk0XkkgysQBw8wqXG0=";

    public const string PhonePrivate = "0M0Mjdy1/07r8mntUgckh4fG33uddM4GWW7JV9jeAl8=";
    public const string PhonePublic = "I61L9SyU8kE/zaI58pq8lhrMompqKOZNU2YukHO3fSo=";

    /// <summary>A device that brought its own key: only the public half is known.</summary>
    public const string ImportedPublic = "wPT8T70rT2DkPw22kwZh5t4x8ZfjuwsfR9KbpgJuHG4=";

    public const string Psk1 = "XGhKTFYT5oewjDytPHkPiPJcndIV+AdvnNtSWN1fg2U=";
    public const string Psk2 = "6ZYAYR+vesCHhzBFfatNm0D2qM2WkrzqL1wAA/5zqR4=";

    public static string Hex(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));
}
