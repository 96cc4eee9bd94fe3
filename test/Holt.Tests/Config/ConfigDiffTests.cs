using Holt.Config;

namespace Holt.Tests.Config;

public sealed class ConfigDiffTests
{
    private const string Before = """
        # Holt gateway configuration.

        [gateway]
        interface = "wg0"
        private_key = "SECRETSECRETSECRETSECRETSECRETSECRETSECRET="
        listen_port = 51820

        [[peer]]
        name = "laptop"
        address = "10.8.0.2"
        enabled = true

        [[peer]]
        name = "phone"
        address = "10.8.0.3"
        enabled = true

        [firewall]
        enabled = false
        ssh_ports = [22]
        """;

    [Fact]
    public void Describe_NamesTablesAndKeys_NeverValues()
    {
        string after = Before
            .Replace("listen_port = 51820", "listen_port = 51821", StringComparison.Ordinal)
            .Replace("SECRETSECRETSECRETSECRETSECRETSECRETSECRET=", "OTHEROTHEROTHEROTHEROTHEROTHEROTHEROTHER123=", StringComparison.Ordinal)
            .Replace("name = \"phone\"\naddress = \"10.8.0.3\"\nenabled = true", "name = \"phone\"\naddress = \"10.8.0.3\"\nenabled = false\nexpires = 2027-01-01T00:00:00Z", StringComparison.Ordinal)
            .Replace("[firewall]", "[[peer]]\nname = \"tablet\"\naddress = \"10.8.0.4\"\n\n[firewall]", StringComparison.Ordinal)
            .Replace("ssh_ports = [22]", "ssh_ports = [22, 2222]", StringComparison.Ordinal)
            .Replace("[[peer]]\nname = \"laptop\"\naddress = \"10.8.0.2\"\nenabled = true\n\n", "", StringComparison.Ordinal);

        IReadOnlyList<string> changes = ConfigDiff.Describe(Before, after);

        Assert.Equal(
            [
                "[gateway]: private_key, listen_port",
                "peer 'phone': enabled, expires",
                "peer 'tablet' added",
                "[firewall]: ssh_ports",
                "peer 'laptop' removed",
            ],
            changes);
        Assert.DoesNotContain(changes, c => c.Contains("SECRET", StringComparison.Ordinal) || c.Contains("OTHER", StringComparison.Ordinal) || c.Contains("2222", StringComparison.Ordinal));
    }

    [Fact]
    public void Describe_SameTables_IsNothing_AndAFloodIsCounted()
    {
        Assert.Empty(ConfigDiff.Describe(Before, Before + "\n# a comment\n"));

        string many = Before + string.Concat(Enumerable.Range(0, 20).Select(i => $"\n[[peer]]\nname = \"p{i}\"\naddress = \"10.8.1.{i}\"\n"));
        IReadOnlyList<string> changes = ConfigDiff.Describe(Before, many);

        Assert.Equal(ConfigDiff.MaxChanges + 1, changes.Count);
        Assert.Equal("and 8 more", changes[^1]);
    }
}
