using System.Globalization;
using System.Text.RegularExpressions;
using Holt.External;

namespace Holt.Audit;

/// <summary>
/// sshd's effective configuration as <c>sshd -T</c> prints it: one lower-case keyword and its value a line, with
/// keywords that may repeat (<c>listenaddress</c>, <c>hostkey</c>, <c>port</c>) kept in order. It is what sshd
/// would use for the connection given with <c>-C</c>, Match blocks applied, so the audit never guesses from files.
/// </summary>
internal sealed partial class SshdEffective
{
    /// <summary>The connection the Match blocks are applied for: root, from an address on the internet (TEST-NET-3).</summary>
    public const string TypicalConnection = "user=root,host=audit.invalid,addr=203.0.113.9";

    private readonly Dictionary<string, List<string>> _values;

    private SshdEffective(Dictionary<string, List<string>> values, string command, Version? version, string dropIn)
    {
        _values = values;
        Command = command;
        Version = version;
        DropIn = dropIn;
    }

    /// <summary>Holt's drop-in beside the sshd_config this came from (<see cref="SshdDropIn"/>).</summary>
    public string DropIn { get; }

    /// <summary>The command that printed it, for evidence.</summary>
    public string Command { get; }

    /// <summary>OpenSSH's version (9.2 for "OpenSSH_9.2p1"), or null when sshd did not say.</summary>
    public Version? Version { get; }

    /// <summary>The first value of a keyword, or null when sshd did not print it.</summary>
    public string? this[string keyword] => _values.TryGetValue(keyword, out List<string>? values) ? values[0] : null;

    /// <summary>Every value of a keyword that may repeat, in order.</summary>
    public IReadOnlyList<string> All(string keyword) => _values.TryGetValue(keyword, out List<string>? values) ? values : [];

    /// <summary>A comma-separated list (ciphers, macs, kexalgorithms, hostkeyalgorithms) as its items.</summary>
    public IReadOnlyList<string> List(string keyword) =>
        this[keyword] is string value ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    /// <summary>An integer keyword, or null when absent or not a number.</summary>
    public int? Number(string keyword) =>
        this[keyword] is string value && int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n : null;

    /// <summary>Whether a yes/no keyword is yes.</summary>
    public bool Yes(string keyword) => string.Equals(this[keyword], "yes", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the text <c>sshd -T</c> printed.</summary>
    public static SshdEffective Parse(string text, string command, Version? version, string? sshdConfig = null)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                continue;
            }

            string keyword = line[..space].ToLowerInvariant();
            string value = line[(space + 1)..].Trim();
            if (!values.TryGetValue(keyword, out List<string>? list))
            {
                values[keyword] = list = [];
            }

            list.Add(value);
        }

        return new SshdEffective(values, command, version, SshdDropIn.PathFor(sshdConfig));
    }

    /// <summary>The version from what <c>sshd -V</c> (or sshd's usage message) prints: "OpenSSH_9.8p1 Debian-..." gives 9.8.</summary>
    public static Version? ParseVersion(string text)
    {
        Match match = VersionPattern().Match(text);
        return match.Success
            ? new Version(int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>
    /// Asks sshd (the machine's, with <c>-f</c> when a configuration file was named) for its effective configuration,
    /// once per audit. The keys are read, so this needs root.
    /// </summary>
    /// <exception cref="AuditAreaException">sshd is not installed, or <c>sshd -T</c> failed (its first error line).</exception>
    public static SshdEffective Read(AuditMachine machine) => machine.Shared("sshd-effective", () =>
    {
        List<string> arguments = ["-T", "-C", TypicalConnection];
        if (machine.SshdConfig is string file)
        {
            arguments.AddRange(["-f", file]);
        }

        ToolResult? result = machine.Run(machine.Sshd, arguments);
        if (result is null)
        {
            throw new AuditAreaException($"sshd is not installed ({machine.Sshd} not found), so there is no SSH server to check");
        }

        if (result.ExitCode != 0 && result.Error.Contains("Missing privilege separation directory", StringComparison.Ordinal))
        {
            // sshd's service creates /run/sshd when it starts; socket activation and a stopped service leave none, and
            // -T needs it only to exist.
            string privsep = machine.PathOf("/run/sshd");
            try
            {
                _ = Directory.CreateDirectory(privsep, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                result = machine.Run(machine.Sshd, arguments) ?? result;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The original error says what is missing.
            }
        }

        if (result.ExitCode != 0)
        {
            throw new AuditAreaException($"{machine.Sshd} -T failed: {result.FirstErrorLine}");
        }

        ToolResult? version = machine.Run(machine.Sshd, ["-V"]);
        string command = $"sshd -T -C {TypicalConnection}{(machine.SshdConfig is string f ? $" -f {f}" : "")}";
        return Parse(result.Output, command, version is null ? null : ParseVersion(version.Error + "\n" + version.Output), machine.SshdConfig);
    });

    [GeneratedRegex(@"OpenSSH_(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}
