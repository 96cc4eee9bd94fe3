#!/usr/bin/env bash
# Tunnel benchmark: Holt against wireguard-go over a veth pair, run by hand as root (never in CI).
#
#   sudo bench/tunnel.sh                       # every path, 10 s per iperf3 test
#   sudo bench/tunnel.sh --only a,b --duration 5
#   sudo HOLT=/tmp/holt/holt bench/tunnel.sh --only c,d
#   sudo bench/tunnel.sh --same-session        # the tunnels in this script's session, as before issue #14
#
# Every tunnel process runs in a session of its own (setsid), as a daemonized `holt tunnel`, `holt up` or a
# systemd service runs: with the scheduler's autogroups (on in Debian's kernels) a session gets a fair share of the
# CPU, not what it can take from iperf3 beside it. --same-session keeps them in the script's session instead.
#
# Paths, each in a fresh pair of network namespaces joined by one veth pair:
#   (a) raw veth, no tunnel            (b) wireguard-go <-> wireguard-go
#   (c) Holt <-> Holt                  (d) Holt (side A) <-> wireguard-go (side B)
#   (e) a wg-quick client (wireguard-go) -> a Holt gateway (holt init, peer add, holt up), 10.8.0.2 -> 10.8.0.1
#   (f) a Holt client (holt up --config, the gateway's client config) -> the same Holt gateway
#
#   netns hbN-P-a                                        netns hbN-P-b
#   iperf3 client, ping                                  iperf3 server
#   tunnel A  192.168.241.1/24, MTU 1420                 tunnel B  192.168.241.2/24, MTU 1420
#     UDP :51820 ----- veth 10.201.0.1/24 <--> 10.201.0.2/24 ----- UDP :51821
#
# Traffic always flows from A to B (A sends, B receives), so in (d) Holt encrypts and wireguard-go decrypts.
# Nothing is pinned: both tunnel processes, both iperf3 ends and the kernel's softirq work share every core.
# Every address lives inside the two namespaces; no packet leaves them.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: bench/tunnel.sh [--duration N] [--only a,b,c,d,e,f] [--same-session] [--markdown]

Measures iperf3 TCP (1 and 4 streams), iperf3 UDP at full rate and at 1 Gbit/s offered, and ping RTT through:
  (a) a raw veth pair   (b) wireguard-go <-> wireguard-go
  (c) Holt <-> Holt     (d) Holt <-> wireguard-go
  (e) a wg-quick client (wireguard-go) -> a Holt gateway (holt up)
  (f) a Holt client (holt up --config) -> a Holt gateway (holt up)
plus CPU seconds and peak RSS of every tunnel process, then prints one table.

  --duration N   seconds per iperf3 test (default 10)
  --only LIST    paths to run, comma-separated (default a,b,c,d,e,f)
  --same-session run the tunnel processes of (b) to (d) in this script's session (default: each in a
                 session of its own, as users run them); (e) and (f) are daemons, always in their own
  --markdown     print the table as Markdown as well

Environment:
  HOLT=/path/to/holt   the holt binary for (c) and (d); without it the script publishes one
                       (NativeAOT, falling back to dotnet build) from the repository it lives in.

Example: sudo bench/tunnel.sh --only a,b --duration 5
EOF
}

duration=10
only=a,b,c,d,e,f
markdown=0
same_session=0
session_word="setsid "
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --duration=*) duration=${1#*=}; shift ;;
    --only) only=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --only=*) only=${1#*=}; shift ;;
    --markdown) markdown=1; shift ;;
    --same-session) same_session=1; session_word=""; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "tunnel.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $duration =~ ^[1-9][0-9]*$ ]]; then
  echo "tunnel.sh: --duration must be a whole number of seconds, got '$duration'" >&2
  exit 2
fi
paths=()
IFS=, read -r -a requested <<<"$only"
for p in "${requested[@]}"; do
  [[ $p =~ ^[abcdef]$ ]] || { echo "tunnel.sh: --only takes letters a to f, got '$p'" >&2; exit 2; }
  [[ " ${paths[*]} " == *" $p "* ]] || paths+=("$p")
done
[ ${#paths[@]} -gt 0 ] || { echo "tunnel.sh: --only names no path" >&2; exit 2; }

[ "$(id -u)" = 0 ] || { echo "tunnel.sh: run as root (it creates namespaces and TUN devices)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Fixed choices.

readonly run_id=$$            # a live PID, so two runs of this script never pick the same names
readonly underlay_a=10.201.0.1 underlay_b=10.201.0.2
readonly tunnel_a=192.168.241.1 tunnel_b=192.168.241.2
readonly port_a=51820 port_b=51821 iperf_port=5201
readonly tunnel_mtu=1420      # wg-quick's default: 1500 minus the 80 bytes an IPv6 outer header needs
# 1420 minus 20 (IPv4) and 8 (UDP): one datagram per tunnel packet, never fragmented. iperf3 warns that it exceeds
# the TCP MSS (1368, which leaves room for TCP options); it still fits the MTU exactly. (a) sends the same size.
readonly udp_len=1392
readonly pings=20 ping_interval=0.05
readonly start_timeout=10     # seconds for a tunnel process to create its interface and control socket
readonly handshake_timeout=10
readonly wg_timeout=5         # one wg command, or an ip command that creates something
readonly socket_dir=/var/run/wireguard
clk_tck=$(getconf CLK_TCK)
readonly clk_tck

tmp=$(mktemp -d /tmp/holt-tunnel-bench.XXXXXX) || exit 1
readonly tmp

# What cleanup must undo. Kept in the main shell (never a subshell), so the trap sees all of it.
tunnel_pids=()
server_pids=()
namespaces=()
sockets=()
child=""

# Progress goes to a copy of the original stderr: a trap runs inside whatever redirections the interrupted command
# had, so writing to fd 2 there could land in an iperf3 log that is about to be deleted.
exec 9>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&9; }

stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

cleanup() {
  local pid ns sock
  [ -n "$child" ] && stop_pid "$child"
  for pid in "${server_pids[@]}" "${tunnel_pids[@]}"; do stop_pid "$pid"; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  # A process killed with SIGKILL leaves its socket behind; only sockets this run created are removed.
  for sock in "${sockets[@]}"; do rm -f "$sock"; done
  tunnel_pids=(); server_pids=(); namespaces=(); sockets=(); child=""
}

on_exit() {
  cleanup
  rm -rf "$tmp"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Runs a command under a deadline, in the background and waited for, so that an interrupt reaches the trap at
# once instead of after the command ends (timeout puts its child in a process group the terminal does not signal).
bounded() {
  local secs=$1 status
  shift
  timeout --kill-after=3 "$secs" "$@" 9>&- &
  child=$!
  wait "$child"
  status=$?
  child=""
  return "$status"
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "tunnel.sh: $1 not found; install $2" >&2; exit 1; }
}
need ip iproute2
need iperf3 iperf3
need jq jq
need ping iputils-ping
need timeout coreutils
need ss iproute2
need wg wireguard-tools
need setsid util-linux
if [[ " ${paths[*]} " =~ \ [bde]\  ]]; then need wireguard-go wireguard-go; fi
if [[ " ${paths[*]} " == *" e "* ]]; then need wg-quick wireguard-tools; fi

# ---------------------------------------------------------------------------------------------------------------
# Holt: the caller's binary, else a NativeAOT publish of this checkout, else a JIT build of it.

holt=${HOLT:-}
holt_how=""
holt_error=""
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

find_holt() {
  if [ -n "$holt" ]; then
    [ -x "$holt" ] || { holt_error="HOLT=$holt is not an executable file"; return 1; }
    holt_how="given as HOLT=$holt"
    return 0
  fi
  if [ ! -f "$repo/src/Holt/Holt.csproj" ]; then
    holt_error="no HOLT given and no src/Holt/Holt.csproj beside this script to build"
    return 1
  fi
  command -v dotnet >/dev/null 2>&1 || { holt_error="no HOLT given and no dotnet SDK to build one"; return 1; }
  local commit
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  log "publishing holt (NativeAOT) from $repo at $commit"
  if bounded 900 dotnet publish "$repo/src/Holt" -c Release -r linux-x64 -o "$tmp/holt-aot" -nologo \
      >"$tmp/holt-publish.log" 2>&1 && [ -x "$tmp/holt-aot/holt" ]; then
    holt=$tmp/holt-aot/holt
    holt_how="NativeAOT publish of $repo at $commit"
    return 0
  fi
  log "NativeAOT publish failed (last lines below); falling back to dotnet build"
  tail -n 5 "$tmp/holt-publish.log" >&2
  if bounded 900 dotnet build "$repo/src/Holt" -c Release -o "$tmp/holt-jit" -nologo \
      >"$tmp/holt-build.log" 2>&1 && [ -x "$tmp/holt-jit/holt" ]; then
    holt=$tmp/holt-jit/holt
    holt_how="dotnet build output (JIT; the NativeAOT publish failed) of $repo at $commit"
    return 0
  fi
  tail -n 5 "$tmp/holt-build.log" >&2
  holt_error="could not build holt from $repo (dotnet publish and dotnet build both failed)"
  return 1
}

holt_ready=0
if [[ " ${paths[*]} " =~ \ [cdef]\  ]]; then
  if find_holt; then holt_ready=1; else log "holt: $holt_error"; fi
fi

# ---------------------------------------------------------------------------------------------------------------
# One path's plumbing.

ns_a="" ns_b="" if_a="" if_b="" peer_b=""
pid_a="" pid_b="" started_pid=""
path_error=""

fail_path() { path_error=$*; log "FAILED: $*"; return 1; }

make_namespaces() {
  local p=$1 veth_a="hb${run_id}${p}va" veth_b="hb${run_id}${p}vb"
  ns_a="hb${run_id}-$p-a"
  ns_b="hb${run_id}-$p-b"
  bounded $wg_timeout ip netns add "$ns_a" || return 1
  namespaces+=("$ns_a")
  bounded $wg_timeout ip netns add "$ns_b" || return 1
  namespaces+=("$ns_b")
  # Created inside A with its peer moved straight into B, so no interface ever appears in the root namespace.
  bounded $wg_timeout ip -n "$ns_a" link add "$veth_a" type veth peer name "$veth_b" netns "$ns_b" || return 1
  ip -n "$ns_a" link set lo up && ip -n "$ns_b" link set lo up || return 1
  ip -n "$ns_a" addr add "$underlay_a/24" dev "$veth_a" && ip -n "$ns_a" link set "$veth_a" up || return 1
  ip -n "$ns_b" addr add "$underlay_b/24" dev "$veth_b" && ip -n "$ns_b" link set "$veth_b" up || return 1
}

# Starts one tunnel process in the foreground mode of its CLI (so its PID is the engine's own, whose CPU and memory
# are read) and waits until its interface and control socket exist. Sets started_pid. Unless --same-session, the
# process leads a session of its own: setsid makes one without forking (a background job of a script is no process
# group leader), and ip netns exec execs, so $! stays the engine's PID.
start_tunnel() {
  local impl=$1 ns=$2 name=$3 sock="$socket_dir/$3.sock" pid status deadline what
  local -a session=(setsid)
  [ $same_session = 1 ] && session=()
  # The socket directory is shared by every namespace: refuse to touch another tunnel's socket.
  [ -e "$sock" ] && { fail_path "$sock already exists (another tunnel named $name?)"; return 1; }
  sockets+=("$sock")
  case $impl in
    wireguard-go) ip netns exec "$ns" "${session[@]}" wireguard-go -f "$name" >"$tmp/$name.log" 2>&1 9>&- & ;;
    holt) ip netns exec "$ns" "${session[@]}" "$holt" tunnel -f "$name" >"$tmp/$name.log" 2>&1 9>&- & ;;
  esac
  pid=$!
  tunnel_pids+=("$pid")
  deadline=$((SECONDS + start_timeout))
  what="'$(describe "$impl" "$name")'"
  while :; do
    if ip -n "$ns" link show "$name" >/dev/null 2>&1 && [ -S "$sock" ]; then
      # What is measured must be how it ran: the engine itself, leading its own session or in this script's.
      local sid
      sid=$(session_of "$pid")
      if [ $same_session = 0 ] && [ "$sid" != "$pid" ]; then
        fail_path "$what (PID $pid) is in session ${sid:-?}, not one of its own"
        return 1
      fi
      if [ $same_session = 1 ] && [ "$sid" != "$(session_of $$)" ]; then
        fail_path "$what (PID $pid) is in session ${sid:-?}, not this script's"
        return 1
      fi
      started_pid=$pid
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      status=$?
      fail_path "$what exited with status $status before creating interface $name and $sock$(last_lines "$tmp/$name.log")"
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      fail_path "$what created no interface $name and $sock within ${start_timeout} s$(last_lines "$tmp/$name.log")"
      return 1
    fi
    sleep 0.1
  done
}

session_of() { # the session ID of a process: field 6 of /proc/PID/stat, counted after the command name
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  awk '{ print $4 }' <<<"$stat"
}

describe() { # the command line start_tunnel runs, for messages
  case $1 in
    wireguard-go) printf '%swireguard-go -f %s' "${session_word}" "$2" ;;
    holt) printf '%s%s tunnel -f %s' "${session_word}" "$holt" "$2" ;;
  esac
}

last_lines() {
  [ -s "$1" ] || { printf ' (no output)'; return; }
  printf ' (last output: %s)' "$(tail -n 3 "$1" | tr '\n' ' ' | sed 's/ *$//')"
}

configure_tunnels() {
  local key_a=$tmp/a.key key_b=$tmp/b.key pub_a pub_b
  (umask 077; wg genkey >"$key_a" && wg genkey >"$key_b") || return 1
  pub_a=$(wg pubkey <"$key_a") && pub_b=$(wg pubkey <"$key_b") || return 1
  bounded $wg_timeout ip netns exec "$ns_a" wg set "$if_a" private-key "$key_a" listen-port $port_a \
    peer "$pub_b" allowed-ips "$tunnel_b/32" endpoint "$underlay_b:$port_b" \
    || { fail_path "wg set $if_a failed"; return 1; }
  bounded $wg_timeout ip netns exec "$ns_b" wg set "$if_b" private-key "$key_b" listen-port $port_b \
    peer "$pub_a" allowed-ips "$tunnel_a/32" endpoint "$underlay_a:$port_a" \
    || { fail_path "wg set $if_b failed"; return 1; }
  ip -n "$ns_a" addr add "$tunnel_a/24" dev "$if_a" && ip -n "$ns_a" link set "$if_a" mtu $tunnel_mtu up \
    || { fail_path "could not address or bring up $if_a"; return 1; }
  ip -n "$ns_b" addr add "$tunnel_b/24" dev "$if_b" && ip -n "$ns_b" link set "$if_b" mtu $tunnel_mtu up \
    || { fail_path "could not address or bring up $if_b"; return 1; }
}

# Paths (e) and (f): side B is a Holt gateway as users run it (holt init, holt peer add, holt up: a daemon in a
# session of its own), side A its client from the gateway's own client config, through wg-quick (which starts
# wireguard-go, a daemon too) or through Holt's wg-quick mode (holt up --config). Sets pid_a, pid_b and peer_b.
start_gateway_path() {
  local client=$1 dir="$tmp/gateway-$p" conf="$tmp/$if_a.conf" deadline
  mkdir -p "$dir"
  local -a gw=(ip netns exec "$ns_b" env HOLT_CONFIG="$dir/holt.toml" HOLT_STATE_DIR="$dir/state" "$holt")
  "${gw[@]}" init --endpoint "$underlay_b:$port_b" --port $port_b --interface "$if_b" --subnet 10.8.0.0/24 >"$dir/init.log" 2>&1 \
    || { fail_path "holt init failed$(last_lines "$dir/init.log")"; return 1; }
  "${gw[@]}" peer add client >"$dir/add.log" 2>&1 || { fail_path "holt peer add failed$(last_lines "$dir/add.log")"; return 1; }
  # The client config as a user gets it, but for the gateway's subnet only: no default route, no DNS to set.
  (umask 077; "${gw[@]}" peer config client 2>"$dir/config.err" | sed -e '/^DNS *=/d' -e 's|^AllowedIPs *=.*|AllowedIPs = 10.8.0.0/24|' >"$conf") \
    || { fail_path "holt peer config failed$(last_lines "$dir/config.err")"; return 1; }
  sockets+=("$socket_dir/$if_b.sock" "$socket_dir/$if_a.sock")
  bounded 60 "${gw[@]}" up 9>&- >"$dir/up.log" 2>&1 || { fail_path "holt up failed$(last_lines "$dir/up.log")"; return 1; }
  pid_b=$(cat "/run/holt/$if_b.pid" 2>/dev/null)
  [ -n "$pid_b" ] || { fail_path "holt up left no /run/holt/$if_b.pid"; return 1; }
  tunnel_pids+=("$pid_b")
  case $client in
    wg-quick) bounded 60 ip netns exec "$ns_a" wg-quick up "$conf" 9>&- >"$dir/client.log" 2>&1 ;;
    holt) bounded 60 ip netns exec "$ns_a" "$holt" up --config "$conf" 9>&- >"$dir/client.log" 2>&1 ;;
  esac || { fail_path "the client's up failed$(last_lines "$dir/client.log")"; return 1; }
  # The client's engine, left running by the client's up: the one process whose command line ends in the interface's
  # name ("wireguard-go NAME", "holt tunnel --foreground NAME"; the name holds this script's PID, so it is unique).
  deadline=$((SECONDS + start_timeout))
  while [ -z "$pid_a" ] && [ $SECONDS -lt $deadline ]; do
    pid_a=$(pgrep -f -- "[ ]$if_a\$" | head -n 1)
    [ -n "$pid_a" ] || sleep 0.1
  done
  [ -n "$pid_a" ] || { fail_path "no engine process for $if_a$(last_lines "$dir/client.log")"; return 1; }
  tunnel_pids+=("$pid_a")
  peer_b=10.8.0.1
}

latest_handshake() {
  bounded $wg_timeout ip netns exec "$1" wg show "$2" latest-handshakes 2>/dev/null | awk '{ print $2; exit }'
}

# No keepalive is configured, so a ping starts the handshake; both sides must report it before anything is timed.
wait_handshake() {
  local deadline=$((SECONDS + handshake_timeout)) ha hb
  while [ $SECONDS -lt $deadline ]; do
    bounded 3 ip netns exec "$ns_a" ping -c 1 -W 1 -q "$peer_b" >/dev/null 2>&1
    ha=$(latest_handshake "$ns_a" "$if_a")
    hb=$(latest_handshake "$ns_b" "$if_b")
    if [ "${ha:-0}" -gt 0 ] 2>/dev/null && [ "${hb:-0}" -gt 0 ] 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  fail_path "no handshake between $if_a and $if_b within ${handshake_timeout} s" \
    "(latest-handshakes: A=${ha:-none}, B=${hb:-none})"
}

start_iperf_server() {
  local deadline=$((SECONDS + 5))
  ip netns exec "$ns_b" iperf3 -s -p $iperf_port >"$tmp/iperf3-server.log" 2>&1 9>&- &
  server_pids+=($!)
  while [ $SECONDS -lt $deadline ]; do
    [ -n "$(ip netns exec "$ns_b" ss -Hltn "sport = :$iperf_port" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  fail_path "iperf3 server did not listen within 5 s$(last_lines "$tmp/iperf3-server.log")"
}

# ---------------------------------------------------------------------------------------------------------------
# Measurements. Results go into one associative array keyed "path,test,field".

declare -A result=()
tests=(ping tcp1 tcp4 udp udp1g)
declare -A test_label=([ping]="ping" [tcp1]="TCP, 1 stream" [tcp4]="TCP, 4 streams" [udp]="UDP, -b 0" [udp1g]="UDP, -b 1G")
declare -A path_label=([a]="(a) raw veth" [b]="(b) wg-go <-> wg-go" [c]="(c) Holt <-> Holt" [d]="(d) Holt <-> wg-go"
  [e]="(e) wg-quick -> holt up" [f]="(f) Holt cl. -> holt up")

# utime + stime of the whole process (all threads, the live and the exited), in clock ticks.
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  # Fields after the command name, which may hold spaces, start at "state": utime and stime are the 12th and 13th.
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}

peak_rss_kib() {
  awk '/^VmHWM:/ { print $2; found = 1 } END { if (!found) print "" }' "/proc/$1/status" 2>/dev/null
}

run_test() {
  local p=$1 t=$2 dest=$3 out="$tmp/$p-$t.json" before_a=0 before_b=0 status err
  [ -n "$pid_a" ] && before_a=$(cpu_ticks "$pid_a")
  [ -n "$pid_b" ] && before_b=$(cpu_ticks "$pid_b")
  case $t in
    ping)
      bounded 30 ip netns exec "$ns_a" ping -q -c $pings -i $ping_interval -W 1 "$dest" >"$tmp/$p-ping.txt" 2>&1
      status=$?
      # "rtt min/avg/max/mdev = 0.021/0.034/0.060/0.009 ms" and "20 packets transmitted, 20 received, 0% packet loss"
      result[$p,$t,rtt]=$(awk -F'/' '/^rtt/ { print $5 }' "$tmp/$p-ping.txt")
      result[$p,$t,loss]=$(grep -o '[0-9.]*% packet loss' "$tmp/$p-ping.txt" | cut -d% -f1)
      [ -n "${result[$p,$t,rtt]}" ] || result[$p,$t,error]="ping failed (status $status)$(last_lines "$tmp/$p-ping.txt")"
      ;;
    tcp1|tcp4|udp|udp1g)
      local -a args=(-c "$dest" -p $iperf_port -t "$duration" --connect-timeout 3000 --json)
      [ "$t" = tcp4 ] && args+=(-P 4)
      [ "$t" = udp ] && args+=(-u -b 0 -l $udp_len)
      [ "$t" = udp1g ] && args+=(-u -b 1G -l $udp_len)
      bounded $((duration + 20)) ip netns exec "$ns_a" iperf3 "${args[@]}" >"$out" 2>"$tmp/$p-$t.err"
      status=$?
      err=$(jq -r '.error // empty' "$out" 2>/dev/null)
      if [ $status -ne 0 ] || [ -n "$err" ] || ! jq -e '.end.sum_received' "$out" >/dev/null 2>&1; then
        [ $status -eq 124 ] && err="timed out after $((duration + 20)) s"
        result[$p,$t,error]="iperf3 failed (status $status): ${err:-$(head -c 200 "$tmp/$p-$t.err")}"
      else
        # The receiver's view: what arrived, and (UDP) what the server counted as lost.
        result[$p,$t,gbps]=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$out")
        if [ "$t" = udp ] || [ "$t" = udp1g ]; then
          result[$p,$t,loss]=$(jq -r '.end.sum_received.lost_percent // .end.sum.lost_percent' "$out")
        else
          result[$p,$t,retr]=$(jq -r '.end.sum_sent.retransmits' "$out")
        fi
      fi
      ;;
  esac
  if [ -n "$pid_a" ]; then
    result[$p,$t,cpu_a]=$(awk -v d=$(($(cpu_ticks "$pid_a") - before_a)) -v hz="$clk_tck" 'BEGIN { print d / hz }')
    result[$p,$t,rss_a]=$(peak_rss_kib "$pid_a")
  fi
  if [ -n "$pid_b" ]; then
    result[$p,$t,cpu_b]=$(awk -v d=$(($(cpu_ticks "$pid_b") - before_b)) -v hz="$clk_tck" 'BEGIN { print d / hz }')
    result[$p,$t,rss_b]=$(peak_rss_kib "$pid_b")
  fi
  [ -n "${result[$p,$t,error]:-}" ] && log "  $t: ${result[$p,$t,error]}"
  return 0
}

run_path() {
  local p=$1 impl_a="" impl_b="" dest t
  path_error=""
  pid_a="" pid_b=""
  case $p in
    b) impl_a=wireguard-go impl_b=wireguard-go ;;
    c) impl_a=holt impl_b=holt ;;
    d) impl_a=holt impl_b=wireguard-go ;;
    e) impl_a=wg-quick impl_b=gateway ;;
    f) impl_a=holt impl_b=gateway ;;
  esac
  if { [ "$impl_a" = holt ] || [ "$impl_b" = gateway ]; } && [ $holt_ready = 0 ]; then
    fail_path "holt unavailable: $holt_error"
    return 1
  fi
  make_namespaces "$p" || { fail_path "could not create namespaces and veth for path ($p)"; return 1; }
  peer_b=$tunnel_b
  if [ "$p" = a ]; then
    dest=$underlay_b
  elif [ "$impl_b" = gateway ]; then
    if_a="hb${run_id}${p}a"
    if_b="hb${run_id}${p}b"
    start_gateway_path "$impl_a" || return 1
    wait_handshake || return 1
    dest=$peer_b
  else
    if_a="hb${run_id}${p}a"
    if_b="hb${run_id}${p}b"
    start_tunnel "$impl_a" "$ns_a" "$if_a" || return 1
    pid_a=$started_pid
    start_tunnel "$impl_b" "$ns_b" "$if_b" || return 1
    pid_b=$started_pid
    configure_tunnels || return 1
    wait_handshake || return 1
    dest=$tunnel_b
  fi
  start_iperf_server || return 1
  for t in "${tests[@]}"; do
    log "  ${path_label[$p]}: ${test_label[$t]}"
    run_test "$p" "$t" "$dest"
    # A UDP flood or a TCP test leaves queues to drain; a pause keeps one test's tail out of the next.
    sleep 1
  done
  if [ -n "$pid_a" ] && ! kill -0 "$pid_a" 2>/dev/null; then fail_path "tunnel A ($impl_a) died during the tests"; return 1; fi
  if [ -n "$pid_b" ] && ! kill -0 "$pid_b" 2>/dev/null; then fail_path "tunnel B ($impl_b) died during the tests"; return 1; fi
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
# Run.

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -Iseconds)
failed_paths=0
declare -A path_failure=()
for p in "${paths[@]}"; do
  log "path ${path_label[$p]}"
  if ! run_path "$p"; then
    path_failure[$p]=$path_error
    failed_paths=$((failed_paths + 1))
  fi
  cleanup
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
# Report.

fmt() { # fmt VALUE PRINTF-FORMAT: "-" when there is no value
  if [ -z "$1" ] || [ "$1" = null ]; then printf -- '-'; else awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; fi
}
ratio() { # ratio NUMERATOR DENOMINATOR
  if [ -z "$1" ] || [ -z "$2" ] || [ "$1" = null ] || [ "$2" = null ]; then printf -- '-'; return; fi
  awk -v n="$1" -v d="$2" 'BEGIN { if (d + 0 == 0) printf "-"; else printf "%.2f", n / d }'
}
per_gbps() { # per_gbps CPU-SECONDS GBIT/S: empty unless both exist and the rate is not zero
  [ -n "$1" ] && [ -n "$2" ] && awk -v c="$1" -v g="$2" 'BEGIN { if (g + 0 > 0) print c / g }'
}
per_gbit() { # per_gbit CPU-SECONDS GBIT/S: CPU seconds per gigabit moved (the same as cores per Gbit/s)
  [ -n "$1" ] && [ -n "$2" ] && [ "$2" != null ] && awk -v c="$1" -v g="$2" -v d="$duration" 'BEGIN { if (g + 0 > 0) print c / (g * d) }'
}
mib() { # mib KIB: empty stays empty
  [ -n "$1" ] && awk -v k="$1" 'BEGIN { print k / 1024 }'
}
cpu_sum() { # both tunnel processes' CPU seconds for one path and test
  local a=${result[$1,$2,cpu_a]:-} b=${result[$1,$2,cpu_b]:-}
  [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { print a + b }'
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
wggo_version=$(command -v wireguard-go >/dev/null && wireguard-go --version 2>/dev/null | head -n 1)
holt_version="-"
[ $holt_ready = 1 ] && holt_version="$(bounded 10 "$holt" --version 2>/dev/null | head -n 1) ($holt_how)"

header=(Path Test Gbit/s Retr "Loss %" "RTT ms" "CPU s A" "CPU s B" "s/Gbit A" "s/Gbit B" "RSS A MiB" "RSS B MiB" "x (b)" "CPU/Gbit x (b)")
rows=()
for p in "${paths[@]}"; do
  if [ -n "${path_failure[$p]:-}" ] && [ -z "${result[$p,ping,rtt]:-}${result[$p,tcp1,gbps]:-}" ]; then
    rows+=("${path_label[$p]}|FAILED: ${path_failure[$p]}")
    continue
  fi
  for t in "${tests[@]}"; do
    if [ -n "${result[$p,$t,error]:-}" ]; then
      rows+=("${path_label[$p]}|${test_label[$t]}|FAILED: ${result[$p,$t,error]}")
      continue
    fi
    main_ratio="-" cpu_ratio="-"
    if [[ $p == [cdef] ]]; then
      # Throughput: above 1 means Holt moved more. Ping: above 1 means Holt's round trip took longer; its CPU, a
      # few clock ticks, would make a meaningless ratio.
      if [ "$t" = ping ]; then
        main_ratio=$(ratio "${result[$p,$t,rtt]:-}" "${result[b,$t,rtt]:-}")
      else
        main_ratio=$(ratio "${result[$p,$t,gbps]:-}" "${result[b,$t,gbps]:-}")
        # CPU per Gbit/s rather than CPU alone: a tunnel that moves more data is expected to burn more.
        cpu_ratio=$(ratio "$(per_gbps "$(cpu_sum "$p" "$t")" "${result[$p,$t,gbps]:-}")" \
                          "$(per_gbps "$(cpu_sum b "$t")" "${result[b,$t,gbps]:-}")")
      fi
    fi
    row="${path_label[$p]}|${test_label[$t]}|$(fmt "${result[$p,$t,gbps]:-}" %.2f)|$(fmt "${result[$p,$t,retr]:-}" %d)"
    row+="|$(fmt "${result[$p,$t,loss]:-}" %.2f)|$(fmt "${result[$p,$t,rtt]:-}" %.3f)"
    row+="|$(fmt "${result[$p,$t,cpu_a]:-}" %.2f)|$(fmt "${result[$p,$t,cpu_b]:-}" %.2f)"
    if [ "$t" = ping ]; then
      row+="|-|-"
    else
      row+="|$(fmt "$(per_gbit "${result[$p,$t,cpu_a]:-}" "${result[$p,$t,gbps]:-}")" %.3f)"
      row+="|$(fmt "$(per_gbit "${result[$p,$t,cpu_b]:-}" "${result[$p,$t,gbps]:-}")" %.3f)"
    fi
    row+="|$(fmt "$(mib "${result[$p,$t,rss_a]:-}")" %.1f)|$(fmt "$(mib "${result[$p,$t,rss_b]:-}")" %.1f)"
    rows+=("$row|$main_ratio|$cpu_ratio")
  done
done

print_text_table() {
  local widths=(23 15 7 7 6 7 7 7 8 8 9 9 5 14) i row
  local -a cells
  printf '%-*s %-*s' "${widths[0]}" "${header[0]}" "${widths[1]}" "${header[1]}"
  for ((i = 2; i < ${#header[@]}; i++)); do printf ' %*s' "${widths[$i]}" "${header[$i]}"; done
  printf '\n'
  for row in "${rows[@]}"; do
    IFS='|' read -r -a cells <<<"$row"
    if [ ${#cells[@]} -lt ${#header[@]} ]; then
      # A failed path or test: its reason, on the rest of the line.
      printf '%-*s %s\n' "${widths[0]}" "${cells[0]}" "${cells[*]:1}"
      continue
    fi
    printf '%-*s %-*s' "${widths[0]}" "${cells[0]}" "${widths[1]}" "${cells[1]}"
    for ((i = 2; i < ${#cells[@]}; i++)); do printf ' %*s' "${widths[$i]}" "${cells[$i]}"; done
    printf '\n'
  done
}

print_markdown_table() {
  local row
  local -a cells
  printf '| %s |\n' "$(IFS='|'; echo "${header[*]}" | sed 's/|/ | /g')"
  printf '|---|---|%s\n' "$(printf -- '---:|%.0s' $(seq 3 ${#header[@]}))"
  for row in "${rows[@]}"; do
    IFS='|' read -r -a cells <<<"$row"
    while [ ${#cells[@]} -lt ${#header[@]} ]; do cells+=(""); done
    printf '| %s |\n' "$(IFS='|'; echo "${cells[*]}" | sed 's/|/ | /g')"
  done
}

echo
echo "Holt tunnel benchmark, $started"
echo "Machine:      $cpu_model, $(nproc) cores, kernel $(uname -r)"
echo "Load average: $load_start at start, $load_end at end (1, 5, 15 min)"
echo "wireguard-go: ${wggo_version:--}"
echo "holt:         $holt_version"
echo "iperf3:       $(iperf3 --version | head -n 1); $duration s per test; UDP datagrams of $udp_len B; $pings pings every $ping_interval s"
if [ $same_session = 1 ]; then
  echo "Sessions:     every tunnel process in this script's session (--same-session)"
else
  echo "Sessions:     every tunnel process in a session of its own (setsid), as daemons and services run"
fi
echo "In (e) and (f) the gateway (B) and its client (A) run as daemons, each in a session of its own, whatever the mode."
echo "A sends, B receives; in (d) A is Holt and B wireguard-go. CPU s: the tunnel process's utime+stime during that"
echo "test. s/Gbit: those CPU seconds per gigabit received (cores per Gbit/s). RSS: its peak (VmHWM) so far."
echo "x (b): Gbit/s, or for ping the RTT, over (b)'s. CPU/Gbit x (b): A+B CPU seconds per Gbit/s received, over"
echo "(b)'s (below 1: Holt spends less CPU for the same throughput)."
echo
print_text_table
if [ $markdown = 1 ]; then
  echo
  print_markdown_table
fi
if [ ${#path_failure[@]} -gt 0 ]; then
  echo
  for p in "${paths[@]}"; do
    [ -n "${path_failure[$p]:-}" ] && echo "${path_label[$p]} failed: ${path_failure[$p]}"
  done
fi
[ $failed_paths -eq 0 ]
