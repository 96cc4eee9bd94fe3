#!/usr/bin/env bash
# Guard benchmark: `holt guard test` against fail2ban-regex with fail2ban's own sshd filter (Debian's fail2ban
# package), on the same generated auth.log, one after the other on an otherwise quiet machine. Run by hand, never
# in CI; it installs nothing.
#
#   bench/guard.sh                          # 1,000,000 lines
#   bench/guard.sh --lines 200000
#   HOLT=/tmp/holt-aot/holt bench/guard.sh
#
# The log mixes what a public server's auth.log holds: sshd connection lines, failed passwords and invalid users
# from a few thousand addresses (IPv4 and IPv6), preauth disconnects, accepted logins, and other programs' lines
# (CRON, systemd-logind, sudo), in Debian 12's RFC 3339 format. Both tools read the same file; the figures are
# lines per second over the whole run (start-up included) and peak resident memory from /usr/bin/time.
set -uo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/guard.sh [--lines N] [--keep]

  --lines N   lines in the generated log (default 1000000)
  --keep      keep the generated log and outputs (the directory is printed)

Environment:
  HOLT=/path/to/holt   the holt binary (default: dotnet build of this checkout; NativeAOT is what ships)
  FILTER=/path/to/sshd.conf  fail2ban's filter (default /etc/fail2ban/filter.d/sshd.conf)

Example: HOLT=/tmp/holt-aot/holt bench/guard.sh --lines 1000000
EOF2
}

lines=1000000
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --lines) lines=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --lines=*) lines=${1#*=}; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "guard.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $lines =~ ^[1-9][0-9]*$ ]] || { echo "guard.sh: --lines must be a positive whole number, got '$lines'" >&2; exit 2; }
filter=${FILTER:-/etc/fail2ban/filter.d/sshd.conf}
command -v fail2ban-regex >/dev/null || { echo "guard.sh: fail2ban-regex is missing (apt-get install fail2ban)" >&2; exit 1; }
[ -f "$filter" ] || { echo "guard.sh: no fail2ban filter at $filter" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "guard.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-guard-bench.XXXXXX)
[ $keep -eq 1 ] || trap 'rm -rf "$tmp"' EXIT

holt=${HOLT:-}
if [ -z "$holt" ]; then
  echo "building holt (dotnet build, JIT) from $repo" >&2
  dotnet build "$repo/src/Holt" -c Release -o "$tmp/holt" -nologo >"$tmp/build.log" 2>&1 || { tail -5 "$tmp/build.log" >&2; exit 1; }
  holt=$tmp/holt/holt
fi

echo "generating $lines lines" >&2
python3 - "$lines" >"$tmp/auth.log" <<'PY'
import random, sys
random.seed(6)
n = int(sys.argv[1])
v4 = ["%d.%d.%d.%d" % (random.choice([45, 61, 103, 185, 193, 218]), random.randrange(256), random.randrange(256), random.randrange(1, 255)) for _ in range(3000)]
v6 = ["2001:db8:%x::%x" % (random.randrange(65536), random.randrange(1, 65536)) for _ in range(300)]
users = ["root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "deploy", "pi", "guest", "ftpuser"]
out = sys.stdout
pid = 10000
t = 0.0
written = 0
while written < n:
    pid += 1
    t += random.random() * 0.5
    sec = int(t)
    stamp = "2026-11-%02dT%02d:%02d:%02d.%06d+00:00" % (1 + (sec // 86400) % 28, (sec // 3600) % 24, (sec // 60) % 60, sec % 60, int((t - sec) * 1e6))
    ip = random.choice(v6) if random.random() < 0.1 else random.choice(v4)
    port = random.randrange(1024, 65535)
    kind = random.random()
    lines = []
    pre = "%s gw sshd[%d]: " % (stamp, pid)
    lines.append(pre + 'Connection from %s port %d on 192.0.2.10 port 22 rdomain ""' % (ip, port))
    if kind < 0.45:
        user = random.choice(users)
        lines.append(pre + "Invalid user %s from %s port %d" % (user, ip, port))
        for _ in range(random.randrange(1, 4)):
            lines.append(pre + "Failed password for invalid user %s from %s port %d ssh2" % (user, ip, port))
        lines.append(pre + "Connection closed by invalid user %s %s port %d [preauth]" % (user, ip, port))
    elif kind < 0.80:
        for _ in range(random.randrange(1, 6)):
            lines.append(pre + "Failed password for root from %s port %d ssh2" % (ip, port))
        lines.append(pre + "error: maximum authentication attempts exceeded for root from %s port %d ssh2 [preauth]" % (ip, port))
        lines.append(pre + "Disconnecting authenticating user root %s port %d: Too many authentication failures [preauth]" % (ip, port))
    elif kind < 0.90:
        lines.append(pre + "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port))
        lines.append(pre + "Disconnected from %s port %d [preauth]" % (ip, port))
    elif kind < 0.93:
        lines.append(pre + "Accepted publickey for deploy from %s port %d ssh2: ED25519 SHA256:q6Xw8mHkzC0s4B1Vn2eQJ7yRtU5pLaDfGhIjKlMnOpQ" % (ip, port))
        lines.append("%s gw sshd[%d]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)" % (stamp, pid))
    else:
        lines.append("%s gw CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)" % (stamp, pid))
        lines.append("%s gw systemd-logind[412]: New session %d of user deploy." % (stamp, pid))
    for line in lines:
        if written >= n:
            break
        out.write(line + "\n")
        written += 1
PY

measure() { # name, output file, command...
  local name=$1 output=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" >"$output" 2>"$tmp/$name.err" || { echo "guard.sh: $name failed: $(tail -3 "$tmp/$name.err")" >&2; exit 1; }
  read -r seconds rss <"$tmp/$name.time"
  awk -v n="$lines" -v s="$seconds" -v r="$rss" -v name="$name" 'BEGIN { printf "%-16s %8.2f s  %12.0f lines/s  peak RSS %6.1f MiB\n", name, s, n / s, r / 1024 }'
}

echo
echo "log: $lines lines, $(du -h "$tmp/auth.log" | cut -f1); holt: $holt; fail2ban $(fail2ban-regex --version 2>/dev/null | head -1), filter $filter"
echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, $(uname -r)"
measure "holt guard test" "$tmp/holt.out" "$holt" guard test --json "$tmp/auth.log"
measure "fail2ban-regex" "$tmp/f2b.out" fail2ban-regex "$tmp/auth.log" "$filter"
holt_counted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines_matched"])' "$tmp/holt.out")
f2b_counted=$(sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p' "$tmp/f2b.out" | head -1)
read -r holt_s _ <"$tmp/holt guard test.time"
read -r f2b_s _ <"$tmp/fail2ban-regex.time"
echo
echo "counted:  holt $holt_counted, fail2ban $f2b_counted$([ "$holt_counted" = "$f2b_counted" ] && echo ' (the same)' || echo ' (DIFFERENT)')"
awk -v h="$holt_s" -v f="$f2b_s" 'BEGIN { if (h > 0) printf "holt is %.0f times as fast as fail2ban-regex\n", f / h }'
[ $keep -eq 1 ] && echo "kept in $tmp"
[ "$holt_counted" = "$f2b_counted" ]
