namespace Holt.Hosting;

/// <summary>
/// The systemd unit <c>holt install</c> writes: <c>holt up --foreground</c> restarted on failure, with the
/// capabilities the gateway needs (TUN and nftables, raw sockets for the ICMP checks, reading other users' logs for
/// the guard) and little else; the file system read-only but for Holt's own directories.
/// </summary>
internal static class SystemdUnit
{
    public const string Name = "holt.service";

    public const string Directory = "etc/systemd/system";

    public const string WantedBy = "multi-user.target";

    public static string Text(string binary) => $"""
        # Written by holt install; holt uninstall removes it.
        [Unit]
        Description=Holt: WireGuard gateway, firewall, guard, monitor and dashboard
        Documentation=man:wg(8)
        Wants=network-online.target
        After=network-online.target nftables.service

        [Service]
        Type=simple
        ExecStart={binary} up --foreground
        Restart=on-failure
        RestartSec=2
        # Stopping removes the interface; the firewall's table stays when it is enabled.
        TimeoutStopSec=30
        KillMode=mixed
        CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_DAC_READ_SEARCH
        NoNewPrivileges=yes
        ProtectSystem=strict
        # Its own directories (made 0700 if missing), and /run for /run/holt and wireguard-go's /run/wireguard.
        ConfigurationDirectory=holt
        ConfigurationDirectoryMode=0700
        StateDirectory=holt
        StateDirectoryMode=0700
        ReadWritePaths=/run
        # holt audit fix's sshd drop-in: after a reboot the daemon rolls back an unconfirmed fix there.
        ReadWritePaths=-/etc/ssh/sshd_config.d
        ProtectHome=read-only
        PrivateTmp=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        SystemCallArchitectures=native
        DevicePolicy=closed
        DeviceAllow=/dev/net/tun rw

        [Install]
        WantedBy={WantedBy}

        """;
}
