using System.Net;

namespace Holt.Guard;

/// <summary>What an authentication log line (or utmp record) says happened.</summary>
internal enum AuthKind
{
    /// <summary>A failed attempt for an existing user (wrong password, refused key, keyboard-interactive).</summary>
    Failed,

    /// <summary>An attempt for a user that does not exist.</summary>
    InvalidUser,

    /// <summary>A successful login.</summary>
    Accepted,

    /// <summary>A failure that counts only in aggressive mode (key exchange, banner, protocol errors).</summary>
    Aggressive,
}

/// <summary>
/// One authentication event, from sshd's log, the journal, btmp (failures) or wtmp (logins). <see cref="Address"/>
/// is the connection's source, taken from where sshd writes it (or from the connection's earlier line), never
/// from text an attacker chose.
/// </summary>
internal sealed record AuthEvent(
    DateTimeOffset Time,
    AuthKind Kind,
    IPAddress? Address,
    string? User,
    string? Method,
    string Source);
