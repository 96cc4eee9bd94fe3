namespace Holt.Audit;

internal sealed partial class KernelArea
{
    private const string UnattendedUpgrade = "/usr/bin/unattended-upgrade";

    /// <summary>
    /// Whether security updates install themselves: on Debian and Ubuntu, the unattended-upgrades package and APT's
    /// periodic settings that run it daily (<c>APT::Periodic::Update-Package-Lists</c>, without which it only ever
    /// sees old package lists, and <c>APT::Periodic::Unattended-Upgrade</c>, neither turned off by
    /// <c>APT::Periodic::Enable "0"</c>). Other distributions are noted as not checked.
    /// </summary>
    private void CheckUpdates(AuditMachine machine, List<Finding> findings)
    {
        if (machine.StatusOf("/etc/debian_version") is null)
        {
            findings.Add(Finding("auto-updates-unchecked", Severity.Info, "automatic updates were not checked (not Debian or Ubuntu)",
                "/etc/debian_version does not exist",
                "The audit knows how Debian and Ubuntu install updates unattended; on other systems check it by hand (dnf-automatic, zypper's timers).",
                "make sure security updates install themselves, e.g. dnf install dnf-automatic && systemctl enable --now dnf-automatic-install.timer"));
            return;
        }

        Dictionary<string, AptConfig.Setting> settings = AptConfig.Read(machine);
        var missing = new List<string>();
        if (machine.StatusOf(UnattendedUpgrade, follow: true) is null)
        {
            missing.Add($"{UnattendedUpgrade} is not installed");
        }

        if (settings.TryGetValue("apt::periodic::enable", out AptConfig.Setting enable) && !On(enable.Value))
        {
            missing.Add($"APT::Periodic::Enable \"{enable.Value}\" ({enable.Source}) turns the periodic runs off");
        }

        foreach (string name in new[] { "APT::Periodic::Update-Package-Lists", "APT::Periodic::Unattended-Upgrade" })
        {
            if (!settings.TryGetValue(name.ToLowerInvariant(), out AptConfig.Setting setting))
            {
                missing.Add($"{name} is not set");
            }
            else if (!On(setting.Value))
            {
                missing.Add($"{name} \"{setting.Value}\" ({setting.Source})");
            }
        }

        if (missing.Count > 0)
        {
            findings.Add(Finding("no-auto-updates", Severity.Warning, "security updates do not install themselves",
                string.Join("; ", missing),
                "Most break-ins use holes already fixed upstream; a server that waits for someone to run apt upgrade stays open for weeks after each fix.",
                "apt install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades (it writes /etc/apt/apt.conf.d/20auto-upgrades with both settings \"1\")"));
        }
    }

    /// <summary>Whether a periodic setting runs: a number of days above 0, or always/true/yes.</summary>
    private static bool On(string value) =>
        (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int days) && days > 0) ||
        value.Equals("always", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase);
}
