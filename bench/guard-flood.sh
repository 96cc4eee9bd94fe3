#!/usr/bin/env bash
# Guard flood benchmark (issue #17), run by hand as root, never in CI: a botnet's worth of sshd failures through
# the live guard. `holt guard run` runs as users run it, in a session of its own (setsid) and in a cgroup of its own
# (memory, cpu and cpuacct, cgroup v1, created and removed here), inside a network namespace of its own so that its
# ban table never touches the host. Its one jail follows a log file with the default limits (maxretry 5 within
# findtime 10m). The script appends N failure lines from S distinct addresses (IPv4 mostly, some IPv6) in Debian 12's
# sshd formats with RFC 3339 timestamps, at a steady rate; B of the sources fail maxretry times within findtime,
# every other one fewer times. It prints the guard's peak RSS (VmHWM) and the cgroup's peak
# (memory.max_usage_in_bytes), how long the guard took to read everything, the latency from writing each banned
# source's maxretry-th failure to its ban arriving in the kernel (`nft monitor` in the namespace, each event
# timestamped as it arrives), and whether exactly the expected sources were banned.
#
#   sudo HOLT=/tmp/aot-mem/holt bench/guard-flood.sh                    # 1,000,000 failures, 700,000 sources
#   sudo HOLT=/tmp/aot-mem/holt bench/guard-flood.sh --failures 200000 --sources 140000 --banned 1000
set -uo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/guard-flood.sh [--failures N] [--sources N] [--banned N] [--rate N] [--v6 PERCENT] [--keep]

  --failures N   failure lines appended to the followed log (default 1000000)
  --sources N    distinct source addresses among them (default 700000)
  --banned N     sources that fail maxretry (5) times within findtime, so must be banned (default 5000);
                 every other source fails 1 to 4 times
  --rate N       failure lines written per second (default 10000); 0 writes them as fast as possible
  --v6 PERCENT   share of the sources that are IPv6 (default 10)
  --keep         keep the working directory (the log, the guard's output, the nft events); its path is printed

Environment:
  HOLT=/path/to/holt   the holt binary (default: publish the NativeAOT holt of this checkout first, 3-5 min)

Needs root, ip (iproute2), nft, python3, setsid and stdbuf, and cgroup v1's memory, cpu and cpuacct hierarchies
under /sys/fs/cgroup. Takes failures / rate seconds, plus half a minute to draw the plan first.

Example: sudo HOLT=/tmp/aot-mem/holt bench/guard-flood.sh --failures 1000000 --sources 700000 --rate 10000
EOF2
}

failures=1000000
sources=700000
banned=5000
rate=10000
v6=10
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --failures) failures=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --sources) sources=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --banned) banned=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --rate) rate=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --v6) v6=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "guard-flood.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for pair in "failures:$failures" "sources:$sources" "banned:$banned"; do
  [[ ${pair#*:} =~ ^[1-9][0-9]{0,8}$ ]] ||
    { echo "guard-flood.sh: --${pair%%:*} must be a positive whole number, got '${pair#*:}'" >&2; exit 2; }
done
[[ $rate =~ ^[0-9]{1,9}$ ]] || { echo "guard-flood.sh: --rate must be a whole number of lines per second (0: as fast as possible)" >&2; exit 2; }
[[ $v6 =~ ^[0-9]{1,3}$ ]] && [ "$v6" -le 100 ] || { echo "guard-flood.sh: --v6 must be a percentage from 0 to 100" >&2; exit 2; }
[ "$sources" -gt "$banned" ] || { echo "guard-flood.sh: --sources must be more than --banned" >&2; exit 2; }
least=$((banned * 5 + sources - banned))
most=$((banned * 5 + (sources - banned) * 4))
[ "$failures" -ge "$least" ] && [ "$failures" -le "$most" ] ||
  { echo "guard-flood.sh: with $sources sources of which $banned banned, --failures must be from $least to $most" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "guard-flood.sh: run as root (a network namespace, cgroups, nftables)" >&2; exit 1; }
for tool in ip nft python3 setsid stdbuf mkfifo; do
  command -v "$tool" >/dev/null || { echo "guard-flood.sh: $tool is missing" >&2; exit 1; }
done
controllers=(memory cpu cpuacct)
for controller in "${controllers[@]}"; do
  [ -f "/sys/fs/cgroup/$controller/cgroup.procs" ] ||
    { echo "guard-flood.sh: no cgroup v1 $controller hierarchy at /sys/fs/cgroup/$controller" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-guard-flood.XXXXXX)
ns=hgf$$
group=holt-guard-flood-$$
export HOLT_CONFIG=$tmp/holt.toml HOLT_STATE_DIR=$tmp/state
guard_pid=
monitor_pid=
stamper_pid=

stop() { # pid: TERM, then KILL after 10 s; waits for it
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
cleanup() {
  [ -n "$guard_pid" ] && stop "$guard_pid"
  [ -n "$monitor_pid" ] && stop "$monitor_pid"
  [ -n "$stamper_pid" ] && stop "$stamper_pid"
  ip netns del "$ns" 2>/dev/null
  for controller in "${controllers[@]}"; do
    [ -d "/sys/fs/cgroup/$controller/$group" ] && rmdir "/sys/fs/cgroup/$controller/$group"
  done
  if [ $keep = 1 ]; then echo "kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

holt=${HOLT:-}
how="HOLT"
if [ -z "$holt" ]; then
  echo "publishing holt (NativeAOT) from $repo" >&2
  dotnet publish "$repo/src/Holt" -c Release -r linux-x64 -o "$tmp/publish" -nologo >"$tmp/publish.log" 2>&1 ||
    { tail -n 5 "$tmp/publish.log" >&2; exit 1; }
  holt=$tmp/publish/holt
  how="published from $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
fi
[ -x "$holt" ] || { echo "guard-flood.sh: $holt is not executable" >&2; exit 1; }

ip netns add "$ns" && ip -n "$ns" link set lo up || { echo "guard-flood.sh: cannot create network namespace $ns" >&2; exit 1; }

# `holt guard run` wants holt.toml's [gateway] section (the guard never bans the VPN's subnets), so holt init writes
# one; the gateway itself never runs. Then one sshd jail on a log of its own with the default limits, and the
# default recidive jail.
log=$tmp/auth.log
ip netns exec "$ns" "$holt" init --endpoint 192.0.2.1 --interface "$ns" --port 51995 >"$tmp/init.log" 2>&1 ||
  { echo "guard-flood.sh: holt init failed: $(tail -n 3 "$tmp/init.log")" >&2; exit 1; }
cat >>"$HOLT_CONFIG" <<EOF

[guard]

[[guard.jail]]
name = "sshd"
filter = "sshd"
logpath = "$log"
EOF
: >"$log"
for controller in "${controllers[@]}"; do
  mkdir "/sys/fs/cgroup/$controller/$group" || { echo "guard-flood.sh: cannot create cgroup $controller/$group" >&2; exit 1; }
done

# The kernel's view of the bans: every nftables event of the namespace, stamped with CLOCK_MONOTONIC as it arrives
# (nft writes each event at once; stdbuf makes sure). Through a FIFO, so that both processes are stopped by PID.
cat >"$tmp/stamp.py" <<'PY'
import sys, time
with open(sys.argv[1], "w", buffering=1) as out:
    for line in iter(sys.stdin.buffer.readline, b""):
        out.write("%d\t%s" % (time.monotonic_ns(), line.decode("utf-8", "replace")))
PY
mkfifo "$tmp/monitor.fifo"
python3 "$tmp/stamp.py" "$tmp/monitor.log" <"$tmp/monitor.fifo" &
stamper_pid=$!
ip netns exec "$ns" stdbuf -oL nft monitor >"$tmp/monitor.fifo" 2>"$tmp/monitor.err" &
monitor_pid=$!
for i in $(seq 1 100); do
  ip netns exec "$ns" nft add table inet holt_flood_probe && ip netns exec "$ns" nft delete table inet holt_flood_probe
  grep -q holt_flood_probe "$tmp/monitor.log" 2>/dev/null && break
  [ "$i" = 100 ] && { echo "guard-flood.sh: nft monitor shows nothing: $(cat "$tmp/monitor.err")" >&2; exit 1; }
  sleep 0.1
done

# The guard: a subshell joins the cgroups, then becomes ip netns exec, setsid and holt in turn (each execs; the
# subshell is no process group leader, so setsid does not fork), so $! is the guard's own PID.
(
  for controller in "${controllers[@]}"; do echo "$BASHPID" >"/sys/fs/cgroup/$controller/$group/cgroup.procs"; done
  exec ip netns exec "$ns" setsid "$holt" guard run
) >"$tmp/guard.log" 2>&1 &
guard_pid=$!
for i in $(seq 1 200); do
  [ -f "$HOLT_STATE_DIR/guard.status" ] && break
  kill -0 "$guard_pid" 2>/dev/null || { echo "guard-flood.sh: holt guard run exited: $(tail -n 5 "$tmp/guard.log")" >&2; guard_pid=; exit 1; }
  [ "$i" = 200 ] && { echo "guard-flood.sh: the guard did not start within 20 s: $(tail -n 5 "$tmp/guard.log")" >&2; exit 1; }
  sleep 0.1
done
stat=$(cat "/proc/$guard_pid/stat")
stat=${stat##*) }
read -r _ _ _ sid _ <<<"$stat"
[ "$sid" = "$guard_pid" ] || { echo "guard-flood.sh: the guard (PID $guard_pid) is in session $sid, not one of its own" >&2; exit 1; }
grep -qx "$guard_pid" "/sys/fs/cgroup/memory/$group/cgroup.procs" || { echo "guard-flood.sh: the guard is not in cgroup $group" >&2; exit 1; }

echo "holt:     $("$holt" --version 2>/dev/null | head -n 1) ($holt, $how)"
echo "machine:  $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "guard:    PID $guard_pid, session $sid, cgroup $group, netns $ns; jail sshd, maxretry 5, findtime 10m, bantime 1h"

# The plan, the writing, the kernel's bans and the figures.
cat >"$tmp/flood.py" <<'PY'
import datetime, ipaddress, json, os, random, re, subprocess, sys, time

(log, monitor_log, ns, group, guard_pid, failures, sources, banned, rate, v6_percent) = sys.argv[1:11]
guard_pid, failures, sources, banned, rate, v6_percent = map(int, (guard_pid, failures, sources, banned, rate, v6_percent))
MAXRETRY, FINDTIME = 5, 600
SENTINEL = "192.0.2.250"
random.seed(17)

def kib(field):
    with open("/proc/%d/status" % guard_pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

def cpu_seconds():
    with open("/proc/%d/stat" % guard_pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def cgroup(controller, name):
    with open("/sys/fs/cgroup/%s/%s/%s" % (controller, group, name)) as f:
        return f.read()

def mib(n):
    return n / 1048576

# Sources: distinct public-looking IPv4 addresses (no private, loopback, link-local, shared, documentation or
# multicast ranges) and IPv6 addresses in 2001:db8::/32, written in the canonical form nft prints.
n6 = sources * v6_percent // 100
n4 = sources - n6
v4 = set()
while len(v4) < n4:
    a = random.getrandbits(32)
    o = a >> 24
    if o in (0, 10, 127) or o >= 224 or (a >> 16) in (0xA9FE, 0xC0A8) or (a >> 20) == 0xAC1 or (a >> 22) == 0x191 or (a >> 8) == 0xC00002:
        continue
    v4.add(a)
v6 = set()
while len(v6) < n6:
    v6.add((random.randrange(1, 0x10000), random.randrange(1, 0x10000), random.randrange(1, 0x10000)))
addresses = ["%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255) for a in sorted(v4)]
addresses += ["2001:db8:%x:%x::%x" % g for g in sorted(v6)]
random.shuffle(addresses)

# How often each source fails: the first `banned` maxretry times (a fifth of them once more, a second after the
# ban, as a connection's later attempts are logged), the others 1 to 4 times: 1 % four, 3 % three, the rest once or
# twice, so that the total is `failures`.
late = banned // 5
rest = sources - banned
c4, c3 = rest // 100, rest * 3 // 100
left = failures - banned * MAXRETRY - late - 4 * c4 - 3 * c3
c2 = left - (rest - c3 - c4)
if c2 < 0:
    c4 = c3 = 0
    left = failures - banned * MAXRETRY - late
    c2 = left - rest
c1 = rest - c2 - c3 - c4
if min(c1, c2) < 0:
    sys.exit("flood: %d failures cannot come from %d sources this way" % (failures, sources))
counts = [MAXRETRY] * banned + [4] * c4 + [3] * c3 + [2] * c2 + [1] * c1

# When, as a fraction of the flood: a banned source's failures lie within half a findtime (half of these sources
# fail five times within two seconds, the others spread theirs), every other source's anywhere. Each line comes
# from an sshd process of its own, as each connection of a botnet does.
n_lines = failures
span = 1.0 if rate == 0 else min(1.0, rate * FINDTIME / 2 / n_lines)
burst = 1.0 if rate == 0 else min(1.0, rate * 2 / n_lines)
pos, src = [], []
for i, k in enumerate(counts):
    if i < banned:
        w = burst if i % 2 else span
        start = random.random() * (1 - w)
        times = sorted(start + random.random() * w for _ in range(k))
        if i < late:
            times.append(times[-1] + (rate if rate else 100) / n_lines)
    else:
        times = [random.random() for _ in range(k)]
    pos.extend(times)
    src.extend([i] * len(times))
order = sorted(range(len(pos)), key=pos.__getitem__)
del pos
print("plan: %d failure lines from %d sources (%d IPv6): %d fail 5 times (%d of them once more after the ban), %d 4 times, %d 3 times, %d twice, %d once"
      % (len(order), sources, n6, banned, late, c4, c3, c2, c1), flush=True)

users = ["admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "deploy", "pi", "guest", "ftpuser", "support"]
def line(stamp, pid, address, port):
    r = random.random()
    if r < 0.6:
        return "%s gw sshd[%d]: Failed password for root from %s port %d ssh2\n" % (stamp, pid, address, port)
    user = random.choice(users)
    if r < 0.85:
        return "%s gw sshd[%d]: Invalid user %s from %s port %d\n" % (stamp, pid, user, address, port)
    return "%s gw sshd[%d]: Failed password for invalid user %s from %s port %d ssh2\n" % (stamp, pid, user, address, port)

def stamp():
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="microseconds")

# Writing: chunks every 10 ms at the rate (or 2,000 lines at a time as fast as possible), each line stamped with the
# time it is written; a banned source's maxretry-th failure is timed when the write() that holds it returns.
fd = os.open(log, os.O_WRONLY | os.O_APPEND)
def write_all(data):
    view = memoryview(data.encode())
    while view:
        view = view[os.write(fd, view):]

per_chunk = 2000 if rate == 0 else max(1, round(rate / 100))
tick = 0 if rate == 0 else per_chunk / rate
seen = [0] * banned
written_at = {}
pid = 10000
idle_rss = kib("VmRSS")
cpu_before = cpu_seconds()
cpuacct_before = int(cgroup("cpuacct", "cpuacct.usage"))
start = time.monotonic()
start_ns = time.monotonic_ns()
next_tick = start
step = max(1, len(order) // 10)
i = 0
while i < len(order):
    chunk, marks = [], []
    now_stamp = stamp()
    for j in order[i:i + per_chunk]:
        s = src[j]
        pid = pid + 1 if pid < 4194303 else 300
        chunk.append(line(now_stamp, pid, addresses[s], random.randrange(1024, 65536)))
        if s < banned:
            seen[s] += 1
            if seen[s] == MAXRETRY:
                marks.append(s)
    write_all("".join(chunk))
    t = time.monotonic_ns()
    for s in marks:
        written_at[s] = t
    before = i
    i += per_chunk
    if i // step != before // step:
        print("  %7d lines in %5.1f s, guard RSS %.1f MiB" % (min(i, len(order)), time.monotonic() - start, kib("VmRSS") / 1024), flush=True)
    if tick:
        next_tick += tick
        delay = next_tick - time.monotonic()
        if delay > 0:
            time.sleep(delay)
flood_seconds = time.monotonic() - start

# The sentinel: maxretry failures of one more address in one write, after everything else. Its ban is the last one
# the guard decides, so its arrival says that the guard has read the whole log.
now_stamp = stamp()
write_all("".join("%s gw sshd[%d]: Failed password for root from %s port %d ssh2\n" % (now_stamp, 9, SENTINEL, 40000 + k) for k in range(MAXRETRY)))
sentinel_written = time.monotonic_ns()
os.close(fd)

add = re.compile(r"^(\d+)\tadd element inet holt_guard (ban_v4|ban_v6) \{ (.*) \}\s*$")
def bans():
    first, events = {}, 0
    with open(monitor_log) as f:
        for text in f:
            m = add.match(text)
            if not m:
                continue
            for element in m.group(3).split(", "):
                address = str(ipaddress.ip_address(element.split(" ", 1)[0]))
                events += 1
                first.setdefault(address, int(m.group(1)))
    return first, events

deadline = time.monotonic() + 900
while True:
    first, _ = bans()
    if SENTINEL in first or time.monotonic() > deadline:
        break
    time.sleep(0.05)
if SENTINEL not in first:
    print("the sentinel's ban did not arrive within 15 minutes of the last line; the figures below are partial")
time.sleep(1)  # any later event (a second ban of someone) is counted too
first, events = bans()
cpu_used = cpu_seconds() - cpu_before
cpuacct_used = (int(cgroup("cpuacct", "cpuacct.usage")) - cpuacct_before) / 1e9

expected = {str(ipaddress.ip_address(addresses[s])) for s in range(banned)}
got = set(first) - {SENTINEL}
missing = expected - got
unexpected = got - expected
kernel = set()
for family in ("ban_v4", "ban_v6"):
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "-j", "list", "set", "inet", "holt_guard", family], capture_output=True, text=True)
    if out.returncode == 0:
        for item in json.loads(out.stdout)["nftables"]:
            for element in item.get("set", {}).get("elem", []):
                value = element["elem"]["val"] if isinstance(element, dict) else element
                kernel.add(str(ipaddress.ip_address(value)))
kernel.discard(SENTINEL)

latencies = sorted((first[a] - written_at[s]) / 1e6 for s, a in ((s, str(ipaddress.ip_address(addresses[s]))) for s in range(banned)) if a in first and s in written_at)
def pct(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

status = open("/proc/%d/status" % guard_pid).read()
stat = dict(l.split(" ", 1) for l in cgroup("memory", "memory.stat").splitlines())
print()
print("flood:    %d lines written in %.1f s (%s), then the sentinel" % (len(order), flood_seconds, "as fast as possible" if rate == 0 else "%d lines/s" % rate))
if SENTINEL in first:
    print("read:     the sentinel's ban arrived %.3f s after its lines were written, %.1f s after the first line"
          % ((first[SENTINEL] - sentinel_written) / 1e9, (first[SENTINEL] - start_ns) / 1e9))
print("cpu:      guard %.1f s (utime + stime), its cgroup %.1f s (with the nft processes it ran)" % (cpu_used, cpuacct_used))
print("memory:   guard VmHWM %.1f MiB, VmRSS %.1f MiB now, %.1f MiB idle before the flood" % (kib("VmHWM") / 1024, kib("VmRSS") / 1024, idle_rss / 1024))
print("          cgroup memory.max_usage_in_bytes %.1f MiB (now: rss %.1f, cache %.1f, mapped_file %.1f MiB)"
      % (mib(int(cgroup("memory", "memory.max_usage_in_bytes"))), mib(int(stat["rss"])), mib(int(stat["cache"])), mib(int(stat["mapped_file"]))))
print("bans:     %d expected, %d seen by nft monitor (%d add events), %d in the kernel's sets now; missing %d, unexpected %d, kernel differs %d"
      % (len(expected), len(got), events, len(kernel), len(missing), len(unexpected), len(kernel ^ expected)))
if missing:
    print("          missing, for example: " + ", ".join(sorted(missing)[:5]))
if unexpected:
    print("          unexpected, for example: " + ", ".join(sorted(unexpected)[:5]))
print("latency:  maxretry-th failure written -> ban in the kernel, %d bans: median %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
      % (len(latencies), pct(0.5), pct(0.9), pct(0.99), latencies[-1] if latencies else float("nan")))
ok = SENTINEL in first and not missing and not unexpected and kernel == expected
print("result:   " + ("exactly the expected sources were banned" if ok else "NOT exactly the expected sources were banned"))
sys.exit(0 if ok else 3)
PY
python3 "$tmp/flood.py" "$log" "$tmp/monitor.log" "$ns" "$group" "$guard_pid" "$failures" "$sources" "$banned" "$rate" "$v6"
status=$?
if ! kill -0 "$guard_pid" 2>/dev/null; then
  echo "guard-flood.sh: the guard exited during the flood: $(tail -n 5 "$tmp/guard.log")" >&2
  status=1
fi
echo "guard log: $(grep -c ' banned ' "$tmp/guard.log") ban lines, $(grep -v ' banned ' "$tmp/guard.log" | grep -c 'WARN\|ERROR\|FAIL') other warnings or errors"
grep -v ' banned ' "$tmp/guard.log" | grep 'WARN\|ERROR\|FAIL' | head -n 3 | sed 's/^/  /'
exit $status
