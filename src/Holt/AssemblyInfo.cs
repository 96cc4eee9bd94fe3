// holt drives Linux itself (TUN, netlink, nftables, /proc): it runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
