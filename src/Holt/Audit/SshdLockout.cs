using System.Net;
using Holt.Config;
using Holt.Gateway;

namespace Holt.Audit;

/// <summary>
/// The guards that keep <c>holt audit fix</c> from locking its operator out. Turning passwords off (or root's
/// logins) is refused while the SSH session running the fix logged in with a password, or while the user it logged
/// in as has no authorized key; restricting where sshd listens to the VPN is refused unless the VPN is up and this
/// session comes through it. When the session's login cannot be found in the logs, the fix goes ahead with a
/// warning: the rollback, which only a new login can stop, is then the guard.
/// </summary>
internal sealed class SshdLockout
{
    /// <summary>The SSH session running the fix: client address and client port; null outside SSH.</summary>
    public required (IPAddress Client, int ClientPort)? Session { get; init; }

    /// <summary>The address the session reached the server on, or null.</summary>
    public IPAddress? ServerAddress { get; init; }

    /// <summary>Log files to look for the session's login in (the auth log); the journal is asked too.</summary>
    public required IReadOnlyList<string> AuthLogs { get; init; }

    /// <summary>The user who ran the command (sudo's SUDO_USER, else the process's user), for when there is no session.</summary>
    public required string User { get; init; }

    public required AuditMachine Machine { get; init; }

    /// <summary>Runs the guards for <paramref name="lines"/>; returns warnings to print.</summary>
    /// <exception cref="CommandException">A guard refuses; nothing has been changed.</exception>
    public List<string> Check(SshdEffective sshd, IReadOnlyList<string> lines)
    {
        var warnings = new List<string>();
        bool passwordsOff = lines.Any(l => Is(l, "PasswordAuthentication", "no") || Is(l, "KbdInteractiveAuthentication", "no"));
        bool rootRestricted = lines.Any(l => l.StartsWith("PermitRootLogin ", StringComparison.OrdinalIgnoreCase) && !Is(l, "PermitRootLogin", "yes"));
        bool listenChanged = lines.Any(l => l.StartsWith("ListenAddress ", StringComparison.OrdinalIgnoreCase));
        if (passwordsOff || rootRestricted)
        {
            SessionLogin? login = Login();
            string user = login?.User ?? User;
            if (login is { WithPassword: true } && (passwordsOff || user == "root"))
            {
                throw new CommandException(
                    $"this SSH session logged in with a password ({login.Line}); turning passwords off now could leave you without a way back in. Log in with a key, then run the fix from that session");
            }

            if (login is null && Session is not null)
            {
                warnings.Add($"cannot tell how this SSH session logged in (no 'Accepted ... port {Session.Value.ClientPort}' line in {string.Join(", ", AuthLogs)} or the journal); if it used a password, do not confirm, and the change rolls back by itself");
            }

            if (sshd["authorizedkeyscommand"] is string command && command != "none")
            {
                warnings.Add($"sshd also takes keys from AuthorizedKeysCommand {command}, which Holt cannot look into");
            }
            else if (AuthorizedKeys.Count(Machine, sshd, user) == 0)
            {
                throw new CommandException(
                    $"{user} has no authorized key ({string.Join(", ", AuthorizedKeys.Files(Machine, sshd, user))} {(AuthorizedKeys.Files(Machine, sshd, user).Count == 1 ? "holds" : "hold")} none); with passwords off {user} could not log in. Add a key first (ssh-copy-id {user}@this-server)");
            }
        }

        if (listenChanged)
        {
            CheckVpnSession();
        }

        return warnings;
    }

    private static bool Is(string line, string keyword, string value) =>
        string.Equals(line, $"{keyword} {value}", StringComparison.OrdinalIgnoreCase);

    private SessionLogin? Login()
    {
        if (Session is not (IPAddress client, int port))
        {
            return null;
        }

        foreach (string log in AuthLogs)
        {
            if (SshLogin.Find(SshLogin.Tail(log), client, port) is SessionLogin found)
            {
                return found;
            }
        }

        External.ToolResult? journal = Machine.Run("journalctl", ["--quiet", "--no-pager", "--output=short", "--lines=20000", "SYSLOG_IDENTIFIER=sshd", "+", "SYSLOG_IDENTIFIER=sshd-session"]);
        return journal is { ExitCode: 0 } ? SshLogin.Find(journal.Output.Split('\n'), client, port) : null;
    }

    /// <summary>sshd may listen only on the VPN when the VPN runs and this very session came through it.</summary>
    private void CheckVpnSession()
    {
        HoltConfig config = Machine.Store?.Load() ?? throw new CommandException("there is no gateway (holt.toml), so there is no VPN for sshd to listen on");
        GatewayConfig gateway = config.Gateway;
        if (WireGuardControl.For(gateway).TryGet() is null)
        {
            throw new CommandException($"the VPN ({gateway.Interface}) is not running; sshd listening only on it would take SSH away. Run holt up first");
        }

        bool throughVpn = Session is (IPAddress client, _) && gateway.VpnSubnets.Any(s => s.Contains(client))
            && ServerAddress is IPAddress server && (server.Equals(gateway.Address) || server.Equals(gateway.Address6));
        if (!throughVpn)
        {
            throw new CommandException(
                $"this session does not come through the VPN (ssh to {gateway.Address} from a peer first); restricting sshd to the VPN from outside it could cut you off");
        }
    }
}
