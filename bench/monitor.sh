#!/usr/bin/env bash
# Monitor benchmark (issue #13), run by hand as root (never in CI): what the daemon's monitor costs with N peers.
# A gateway with N peers runs in a network namespace of its own (holt up, Holt's engine, daemonized as users run
# it); the daemon's CPU time is read from /proc over a window with the monitor sampling every 5 s, then over the
# same window with [monitor] enabled = false. It also prints the status file's size, the daemon's RSS and how long
# `holt monitor status --json` takes. The peers never handshake: the monitor's work per look is the same.
#
#   sudo bench/monitor.sh                      # 1000 peers, 60 s windows, publishes NativeAOT holt first
#   sudo HOLT=/tmp/aot/holt bench/monitor.sh --peers 1000 --window 60
set -uo pipefail

peers=1000
window=60
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=${2:-}; shift 2 || exit 2 ;;
    --window) window=${2:-}; shift 2 || exit 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "monitor.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $peers =~ ^[1-9][0-9]*$ ]] && [ "$peers" -le 4000 ] || { echo "monitor.sh: --peers must be from 1 to 4000" >&2; exit 2; }
[[ $window =~ ^[1-9][0-9]*$ ]] || { echo "monitor.sh: --window must be a whole number of seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "monitor.sh: run as root (it creates a network namespace)" >&2; exit 1; }
for tool in ip wg nft; do
  command -v "$tool" >/dev/null || { echo "monitor.sh: $tool is missing" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-monitor-bench.XXXXXX)
ns=hbm$$
iface=hbm$$
export HOLT_CONFIG=$tmp/holt.toml HOLT_STATE_DIR=$tmp/state
run() { ip netns exec "$ns" "$holt" "$@"; }
cleanup() {
  run down >/dev/null 2>&1
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

holt=${HOLT:-}
if [ -z "$holt" ]; then
  echo "publishing holt (NativeAOT) from $repo" >&2
  dotnet publish "$repo/src/Holt" -c Release -r linux-x64 -o "$tmp/publish" -nologo >"$tmp/publish.log" 2>&1 ||
    { tail -n 5 "$tmp/publish.log" >&2; exit 1; }
  holt=$tmp/publish/holt
fi

ip netns add "$ns" && ip -n "$ns" link set lo up
run init --endpoint 192.0.2.1 --interface "$iface" --subnet 10.8.0.0/20 --port 51998 >/dev/null 2>&1 || { echo "monitor.sh: holt init failed" >&2; exit 1; }

# N peers written straight into holt.toml (keys from wg): the bench is about the monitor, not about adding.
{
  for i in $(seq 1 "$peers"); do
    n=$((i + 1))
    printf '\n[[peer]]\nname = "p%d"\npublic_key = "%s"\naddress = "10.8.%d.%d"\nkeepalive = 25\nenabled = true\n' \
      "$i" "$(wg genkey | wg pubkey)" $((n / 256)) $((n % 256))
  done
} >>"$HOLT_CONFIG"

run up >/dev/null 2>"$tmp/up.log" || { cat "$tmp/up.log" >&2; exit 1; }
pid=$(cat "/run/holt/$iface.pid")
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

measure() { # label
  sleep 10
  local before after
  before=$(cpu)
  sleep "$window"
  after=$(cpu)
  awk -v l="$1" -v t="$((after - before))" -v hz="$ticks" -v w="$window" -v r="$(rss)" \
    'BEGIN {printf "%-34s CPU %6.3f %% of one core (%d ticks in %d s), RSS %.1f MiB\n", l, 100 * t / hz / w, t, w, r / 1024}'
}

echo "holt: $("$holt" --version 2>/dev/null | head -n 1) ($holt); $peers peers; $(nproc) cores"
measure "daemon, monitor every 5 s:"
status=/run/holt/$iface.monitor.json
[ -f "$status" ] && echo "status file: $(stat -c %s "$status") bytes"
start=$(date +%s%N)
run monitor status --json >/dev/null || echo "monitor.sh: holt monitor status failed" >&2
echo "holt monitor status --json: $(( ($(date +%s%N) - start) / 1000000 )) ms"
printf '\n[monitor]\nenabled = false\n' >>"$HOLT_CONFIG"
measure "daemon, monitor off:"
