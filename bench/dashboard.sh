#!/usr/bin/env bash
# Dashboard benchmark (issue #15), run by hand as root (never in CI): the server time of the dashboard's API with
# N peers and D days of history, and the daemon's added memory. A Holt gateway (holt init, N peers in holt.toml, a
# monitor.db seeded with D days of hour rows and 48 hours of minute rows for each of them, holt up: daemonized in a
# session of its own, as users run it) runs in a network namespace of its own. A session is opened with holt
# dashboard link; curl then asks each endpoint R times over loopback, one request at a time, and the time until the
# whole answer has arrived is the server's time (loopback adds tens of microseconds). The overview is also timed as
# the page loads it: its five requests at once, until the last one has arrived (curl's start, also timed, included). Memory: the daemon's RSS after a
# settling time with [dashboard] enabled = false and with it enabled but never asked, two rounds of each in turn,
# then after the requests.
#
#   sudo bench/dashboard.sh                          # 1000 peers, 30 days, 30 requests each, publishes holt first
#   sudo HOLT=/tmp/aot/holt bench/dashboard.sh --peers 1000 --days 30 --requests 30 --settle 20
set -uo pipefail

peers=1000
days=30
requests=30
settle=20
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=${2:-}; shift 2 || exit 2 ;;
    --days) days=${2:-}; shift 2 || exit 2 ;;
    --requests) requests=${2:-}; shift 2 || exit 2 ;;
    --settle) settle=${2:-}; shift 2 || exit 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "dashboard.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $peers =~ ^[1-9][0-9]*$ ]] && [ "$peers" -le 4000 ] || { echo "dashboard.sh: --peers must be from 1 to 4000" >&2; exit 2; }
[[ $days =~ ^[1-9][0-9]*$ ]] && [ "$days" -le 90 ] || { echo "dashboard.sh: --days must be from 1 to 90" >&2; exit 2; }
[[ $requests =~ ^[1-9][0-9]*$ ]] || { echo "dashboard.sh: --requests must be a whole number" >&2; exit 2; }
[[ $settle =~ ^[1-9][0-9]*$ ]] || { echo "dashboard.sh: --settle must be a whole number of seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "dashboard.sh: run as root (it creates a network namespace)" >&2; exit 1; }
for tool in ip curl; do
  command -v "$tool" >/dev/null || { echo "dashboard.sh: $tool is missing" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-dashboard-bench.XXXXXX)
ns=hbd$$
iface=hbd$$
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

mkdir -p "$HOLT_STATE_DIR"
dotnet run -c Release --project "$repo/bench/Holt.HistoryBench" -- seed --db "$HOLT_STATE_DIR/monitor.db" --interface "$iface" \
  --peers "$peers" --days "$days" --keys-out "$tmp/keys" || { echo "dashboard.sh: seeding the history failed" >&2; exit 1; }

ip netns add "$ns" && ip -n "$ns" link set lo up
run init --endpoint 192.0.2.1 --interface "$iface" --subnet 10.8.0.0/20 --port 51998 >/dev/null 2>&1 || { echo "dashboard.sh: holt init failed" >&2; exit 1; }
base=$(cat "$HOLT_CONFIG")
i=0
while read -r name key; do
  i=$((i + 1))
  n=$((i + 1))
  printf '\n[[peer]]\nname = "%s"\npublic_key = "%s"\naddress = "10.8.%d.%d"\nkeepalive = 25\nenabled = true\n' "$name" "$key" $((n / 256)) $((n % 256))
done <"$tmp/keys" >"$tmp/peers.toml"

kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
up() { # dashboard-enabled
  printf '%s\n%s\n\n[dashboard]\nenabled = %s\n' "$base" "$(cat "$tmp/peers.toml")" "$1" >"$HOLT_CONFIG"
  run up >/dev/null 2>"$tmp/up.log" || { cat "$tmp/up.log" >&2; exit 1; }
  pid=$(cat "/run/holt/$iface.pid")
}
rss() { awk -v r="$(kib "$pid" VmRSS)" 'BEGIN {printf "%.1f", r / 1024}'; }
rss_parts() { awk -v a="$(kib "$pid" RssAnon)" -v f="$(kib "$pid" RssFile)" 'BEGIN {printf "anonymous %.1f MiB, files %.1f MiB", a / 1024, f / 1024}'; }

off=()
idle=()
for round in 1 2; do
  up false
  sleep "$settle"
  off+=("$(rss)")
  run down >/dev/null 2>&1
  up true
  sleep "$settle"
  idle+=("$(rss)")
  [ "$round" = 2 ] || run down >/dev/null 2>&1
done

link=$(run dashboard link 2>/dev/null)
jar=$tmp/cookies
ip netns exec "$ns" curl -s -o /dev/null -c "$jar" "$link" || { echo "dashboard.sh: the login link did not work" >&2; exit 1; }
measure() { # label path
  for _ in $(seq 1 "$requests"); do
    ip netns exec "$ns" curl -s -o /dev/null -b "$jar" -w '%{time_total} %{size_download} %{http_code}\n' "http://127.0.0.1:9587$2"
  done | sort -n | awk -v l="$1" -v n="$requests" '
    { t[NR] = $1 * 1000; size = $2; code = $3 }
    END {
      if (code != 200) { printf "%-40s HTTP %s\n", l, code; exit }
      printf "%-40s median %7.1f ms  p90 %7.1f ms  max %7.1f ms  %8.1f KiB\n", l, t[int((n + 1) / 2)], t[int(n * 0.9 + 0.5)], t[n], size / 1024
    }'
}
# The overview page's requests, all at once as the browser sends them; the time is until the last answer is in.
overview() { # label path...
  local label=$1 urls=() path
  shift
  for path in "$@"; do
    urls+=(-o /dev/null "http://127.0.0.1:9587$path")
  done
  for _ in $(seq 1 "$requests"); do
    local start end
    start=$(date +%s%N)
    ip netns exec "$ns" curl -s -f -Z --parallel-immediate -b "$jar" "${urls[@]}" 2>/dev/null || { echo "failed"; continue; }
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
  done | sort -n | awk -v l="$label" -v n="$requests" '
    $1 == "failed" { failed = 1 }
    { t[NR] = $1 / 1000 }
    END {
      if (failed) { printf "%-40s a request failed\n", l; exit }
      printf "%-40s median %7.1f ms  p90 %7.1f ms  max %7.1f ms  \n", l, t[int((n + 1) / 2)], t[int(n * 0.9 + 0.5)], t[n]
    }'
}
echo "holt dashboard, $peers peers, $days days of history ($(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
echo "server time until the whole answer, $requests requests each, one at a time:"
measure "GET /api/session" /api/session
measure "GET /api/status" /api/status
measure "GET /api/peers" /api/peers
measure "GET /api/monitor" /api/monitor
measure "GET /api/traffic" /api/traffic
measure "GET /api/peers/p1/history?since=24h" "/api/peers/p1/history?since=24h"
measure "GET /api/peers/p1/history?since=30d" "/api/peers/p1/history?since=30d"
measure "GET /api/peers/p1/history?since=90d" "/api/peers/p1/history?since=90d"
measure "GET /api/guard" /api/guard
measure "GET /api/guard/auth" /api/guard/auth
measure "GET /api/firewall" /api/firewall
measure "GET /api/checks" /api/checks
measure "GET / (the page)" /
overview "overview: its 5 requests at once" /api/status /api/peers /api/monitor /api/guard /api/traffic
overview "(curl's own start: 5 x /api/session)" /api/session /api/session /api/session /api/session /api/session
sleep "$settle"
echo "daemon RSS: dashboard off ${off[*]} MiB, on and idle ${idle[*]} MiB (two rounds each), on after the requests $(rss) MiB ($(rss_parts))"
