#!/bin/sh
# Produces openssh-9.2-debian12.log (and the btmp/wtmp the same sshd wrote) from the machine's own sshd.
#
# Everything runs inside two network namespaces joined by a veth pair, and sshd inside a private mount namespace
# on top of that: there it sees copies of passwd/shadow/group with test users, its own btmp/wtmp/lastlog/utmp, and
# a /dev/log socket that a small listener reads. Capturing /dev/log, rather than sshd -e's stderr, keeps what
# rsyslog would have received: every message with the pid of the process that logged it (the listener, the
# per-connection monitor, the session). Nothing is sent outside the namespaces and nothing of the host is changed.
#
# Usage (root, Debian 12 with openssh-server, sshpass, iproute2, python3): capture-openssh.sh OUTDIR
set -eu

out=${1:?usage: capture-openssh.sh OUTDIR}
lab=/tmp/holt-sshlab
srv=holt-cap-srv
cli=holt-cap-cli

cleanup() {
    [ -f "$lab/sshd22.pid" ] && kill "$(cat "$lab/sshd22.pid")" 2>/dev/null || true
    [ -f "$lab/sshd2200.pid" ] && kill "$(cat "$lab/sshd2200.pid")" 2>/dev/null || true
    [ -f "$lab/listener.pid" ] && kill "$(cat "$lab/listener.pid")" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
    ip netns del "$cli" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$lab"
mkdir -p "$lab/keys" "$lab/home/alice" "$lab/home/bob" "$lab/home/carol" "$lab/home/dave" "$out"
chmod 755 "$lab"

# --- Network: server 192.0.2.1 / 2001:db8:5::1, clients .10/.11 and ::10/::11 (documentation ranges).
ip netns add "$srv"
ip netns add "$cli"
ip link add holtcap0 type veth peer name holtcap1
ip link set holtcap0 netns "$srv"
ip link set holtcap1 netns "$cli"
ip -n "$srv" link set lo up
ip -n "$cli" link set lo up
ip -n "$srv" addr add 192.0.2.1/24 dev holtcap0
ip -n "$srv" addr add 2001:db8:5::1/64 dev holtcap0 nodad
ip -n "$cli" addr add 192.0.2.10/24 dev holtcap1
ip -n "$cli" addr add 192.0.2.11/24 dev holtcap1
ip -n "$cli" addr add 2001:db8:5::10/64 dev holtcap1 nodad
ip -n "$cli" addr add 2001:db8:5::11/64 dev holtcap1 nodad
ip -n "$srv" link set holtcap0 up
ip -n "$cli" link set holtcap1 up

# --- Users: copies of the account files with four test users; their home directories live in the lab.
cp /etc/passwd /etc/shadow /etc/group "$lab/"
hash=$(openssl passwd -6 -salt holtlab1 'correct horse')
uid=60001
for u in alice bob carol dave; do
    echo "$u:x:$uid:$uid:holt test:$lab/home/$u:/bin/sh" >>"$lab/passwd"
    echo "$u:$hash:20000:0:99999:7:::" >>"$lab/shadow"
    echo "$u:x:$uid:" >>"$lab/group"
    uid=$((uid + 1))
done
: >"$lab/btmp"; : >"$lab/wtmp"; : >"$lab/lastlog"; : >"$lab/utmp"
# sshd refuses to write a btmp that group or others could read.
chmod 600 "$lab/btmp"

# Containers cannot write /proc/self/loginuid; Debian's sshd PAM stack requires it, so the copy makes it optional.
sed 's/^session[[:space:]]*required[[:space:]]*pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd >"$lab/pam-sshd"

ssh-keygen -q -t ed25519 -N '' -C holt-lab-host -f "$lab/hostkey"
for k in authorized stranger k1 k2 k3 k4; do
    ssh-keygen -q -t ed25519 -N '' -C "holt-lab-$k" -f "$lab/keys/$k"
done
cp "$lab/keys/authorized.pub" "$lab/keys/alice.authorized"

common="HostKey $lab/hostkey
PidFile none
LogLevel VERBOSE
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
PermitRootLogin no
StrictModes no
AuthorizedKeysFile $lab/keys/%u.authorized
PrintMotd no
Subsystem sftp internal-sftp"
printf '%s\nPort 22\nDenyUsers carol\n' "$common" >"$lab/sshd22.conf"
printf '%s\nPort 2200\nAllowUsers alice\nMaxAuthTries 2\nLoginGraceTime 2\nMaxStartups 1\n' "$common" >"$lab/sshd2200.conf"

# --- The /dev/log listener: one datagram per message, written one per line exactly as received.
cat >"$lab/listener.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.rstrip(b"\n").replace(b"\n", b"#012") + b"\n")
EOF
python3 "$lab/listener.py" "$lab/log.sock" "$lab/syslog.raw" >/dev/null 2>&1 251>&- &
echo $! >"$lab/listener.pid"
sleep 0.5
# Sessions log as the user who logged in, so the socket must be writable by all.
chmod 666 "$lab/log.sock"

# sshd in a private mount namespace: its own /dev (with a log socket), account files and login records.
start_sshd() {
    port=$1
    ip netns exec "$srv" unshare -m --propagation private sh -c "
        set -e
        mkdir -p $lab/olddev
        mount --rbind /dev $lab/olddev
        mount -t tmpfs -o mode=755 holtdev /dev
        for n in null zero full random urandom tty; do touch /dev/\$n; mount --bind $lab/olddev/\$n /dev/\$n; done
        mkdir /dev/pts; mount --bind $lab/olddev/pts /dev/pts; ln -s pts/ptmx /dev/ptmx
        touch /dev/log; mount --bind $lab/log.sock /dev/log
        for f in passwd shadow group; do mount --bind $lab/\$f /etc/\$f; done
        mount --bind $lab/pam-sshd /etc/pam.d/sshd
        mount --bind $lab/btmp /var/log/btmp
        mount --bind $lab/wtmp /var/log/wtmp
        mount --bind $lab/lastlog /var/log/lastlog
        if [ -e /run/utmp ]; then mount --bind $lab/utmp /run/utmp; fi
        exec /usr/sbin/sshd -D -f $lab/sshd$port.conf
    " >"$lab/sshd$port.out" 2>&1 251>&- &
    echo $! >"$lab/sshd$port.pid"
}
start_sshd 22
start_sshd 2200
sleep 1

c() { ip netns exec "$cli" "$@"; }
opts="-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR"
# Each scenario is one connection; a pause between them keeps the log in the order the scenarios are listed.
step() { sleep 0.3; }

# 1. Invalid users with a wrong password, over IPv4 and IPv6.
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 nosuchuser@192.0.2.1 true || true; step
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -b 2001:db8:5::11 oracle@2001:db8:5::1 true || true; step
# 2. A wrong password for an existing user, three prompts.
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -b 192.0.2.11 alice@192.0.2.1 true || true; step
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 bob@2001:db8:5::1 true || true; step
# 3. A key the server does not know (publickey failure, then the client gives up).
c ssh $opts -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/stranger" alice@192.0.2.1 true || true; step
c ssh $opts -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/stranger" nosuchuser@2001:db8:5::1 true || true; step
# 4. Keyboard-interactive (PAM) failure.
c sshpass -p wrong ssh $opts -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 alice@192.0.2.1 true || true; step
# 5. MaxAuthTries 2 with four keys: "maximum authentication attempts exceeded", "Too many authentication failures".
c ssh $opts -p 2200 -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/k1" -i "$lab/keys/k2" -i "$lab/keys/k3" -i "$lab/keys/k4" alice@192.0.2.1 true || true; step
c ssh $opts -p 2200 -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/k1" -i "$lab/keys/k2" -i "$lab/keys/k3" -i "$lab/keys/k4" -b 2001:db8:5::11 alice@2001:db8:5::1 true || true; step
# 6. Users refused by DenyUsers and AllowUsers.
c sshpass -p 'correct horse' ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 carol@192.0.2.1 true || true; step
c sshpass -p 'correct horse' ssh $opts -p 2200 -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 dave@192.0.2.1 true || true; step
# 7. Key exchange and host key negotiation failures.
c ssh $opts -o KexAlgorithms=diffie-hellman-group1-sha1 alice@192.0.2.1 true || true; step
c ssh $opts -o Ciphers=3des-cbc -b 2001:db8:5::11 alice@2001:db8:5::1 true || true; step
c ssh $opts -o HostKeyAlgorithms=ssh-rsa alice@192.0.2.1 true || true; step
# 8. Banner exchange: garbage, an HTTP request, an SSH-1 banner, addresses inside the banner, and silence.
cat >"$lab/banner.py" <<'EOF'
import socket, sys, time
host, port, data = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
s = socket.create_connection((host, port))
s.settimeout(3)
# Reading the server's banner first lets the close be a FIN rather than a reset.
banner = s.recv(256)
if data == b"DISCONNECT":
    # A plaintext SSH_MSG_DISCONNECT (reason 11) before key exchange, as scanners send it; the reason text is chosen
    # by the client, so it carries an address that is not the connection's.
    reason = b"Bye Bye from 203.0.113.9 port 22"
    payload = b"\x01" + (11).to_bytes(4, "big") + len(reason).to_bytes(4, "big") + reason + b"\0\0\0\0"
    pad = 8 - (5 + len(payload)) % 8
    pad += 8 if pad < 4 else 0
    data = b"SSH-2.0-libssh_0.9.6\r\n" + (1 + len(payload) + pad).to_bytes(4, "big") + bytes([pad]) + payload + b"\0" * pad
if data:
    s.sendall(data)
time.sleep(float(sys.argv[4]) if len(sys.argv) > 4 else 0.5)
s.close()
EOF
c python3 "$lab/banner.py" 192.0.2.1 22 'GET / HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n'; step
c python3 "$lab/banner.py" 192.0.2.1 22 '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03'; step
c python3 "$lab/banner.py" 2001:db8:5::1 22 'SSH-1.5-OpenSSH_1.2.3\r\n'; step
c python3 "$lab/banner.py" 192.0.2.1 22 'SSH-2.0-scanner from 203.0.113.9 port 22\r\n'; step
c python3 "$lab/banner.py" 192.0.2.1 22 'Connection from 198.51.100.7 port 4242 on 192.0.2.1 port 22\r\n'; step
c python3 "$lab/banner.py" 192.0.2.1 22 ''; step
c python3 "$lab/banner.py" 192.0.2.1 22 DISCONNECT; step
c python3 "$lab/banner.py" 2001:db8:5::1 22 DISCONNECT; step
# LoginGraceTime 2 on port 2200: a silent client outlives it.
c python3 "$lab/banner.py" 192.0.2.1 2200 'SSH-2.0-Go\r\n' 4; step
# MaxStartups 1 on port 2200: a second unauthenticated connection while the first is open is dropped.
c python3 "$lab/banner.py" 192.0.2.1 2200 '' 1.5 &
first=$!
sleep 0.5
c python3 "$lab/banner.py" 2001:db8:5::1 2200 '' 0.2 || true
wait "$first"; step
# 9. Hostile user names that imitate the text around them.
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -l 'root from 203.0.113.9 port 22' 192.0.2.1 true || true; step
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -l 'admin] from 198.51.100.7' -b 2001:db8:5::11 2001:db8:5::1 true || true; step
c sshpass -p wrong ssh $opts -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -l 'x from 2001:db8:bad::1 port 1 ssh2' 192.0.2.1 true || true; step
c ssh $opts -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/stranger" -l 'alice from 203.0.113.9 port 22 ssh2' -b 192.0.2.11 192.0.2.1 true || true; step
# 10. Successful logins: publickey (v4 and v6) and password.
# -tt: sshd writes wtmp only for sessions with a terminal.
c ssh $opts -tt -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/authorized" alice@192.0.2.1 true </dev/null; step
c ssh $opts -tt -o BatchMode=yes -o IdentitiesOnly=yes -i "$lab/keys/authorized" alice@2001:db8:5::1 true </dev/null; step
c sshpass -p 'correct horse' ssh $opts -tt -o PreferredAuthentications=password -b 192.0.2.11 bob@192.0.2.1 true; step
c sshpass -p 'correct horse' ssh $opts -tt -o PreferredAuthentications=keyboard-interactive bob@2001:db8:5::1 true; step
sleep 1

# rsyslog's traditional file format: "Mmm dd HH:MM:SS host tag[pid]: message"; the datagram carries all but the host.
python3 - "$lab/syslog.raw" "$out/openssh-9.2-debian12.log" <<'EOF'
import re, sys
rx = re.compile(rb"^<\d+>(\w{3} [ \d]\d \d\d:\d\d:\d\d) (.*)$")
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as o:
    for line in f:
        m = rx.match(line.rstrip(b"\n"))
        if m:
            o.write(m.group(1) + b" holt-lab " + m.group(2) + b"\n")
EOF
cp "$lab/btmp" "$out/btmp-openssh-9.2"
cp "$lab/wtmp" "$out/wtmp-openssh-9.2"
cat "$lab/sshd22.out" "$lab/sshd2200.out" >&2
