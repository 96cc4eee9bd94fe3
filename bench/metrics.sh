#!/usr/bin/env bash
# Metrics benchmark (issue #13), run by hand as root (never in CI): how long a /metrics scrape takes with N peers.
# A gateway with N peers runs in a network namespace of its own (holt up, Holt's engine, daemonized as users run
# it, the monitor sampling every 5 s); curl scrapes http://VPN-ADDRESS:9586/metrics inside the namespace, each scrape
# more than a second after the last, so every one builds the exposition afresh (the endpoint reuses a text younger
# than a second). It prints each scrape's total time as curl measures it, the median and the slowest, and the size.
# The peers never handshake: the exposition has the same families and series either way, less one timestamp each.
#
#   sudo bench/metrics.sh                      # 1000 peers, 20 scrapes, publishes NativeAOT holt first
#   sudo HOLT=/tmp/aot/holt bench/metrics.sh --peers 1000 --scrapes 20
set -uo pipefail

peers=1000
scrapes=20
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=${2:-}; shift 2 || exit 2 ;;
    --scrapes) scrapes=${2:-}; shift 2 || exit 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "metrics.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $peers =~ ^[1-9][0-9]*$ ]] && [ "$peers" -le 4000 ] || { echo "metrics.sh: --peers must be from 1 to 4000" >&2; exit 2; }
[[ $scrapes =~ ^[1-9][0-9]*$ ]] && [ "$scrapes" -le 1000 ] || { echo "metrics.sh: --scrapes must be from 1 to 1000" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "metrics.sh: run as root (it creates a network namespace)" >&2; exit 1; }
for tool in ip wg nft curl; do
  command -v "$tool" >/dev/null || { echo "metrics.sh: $tool is missing" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-metrics-bench.XXXXXX)
ns=hbx$$
iface=hbx$$
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
run init --endpoint 192.0.2.1 --interface "$iface" --subnet 10.8.0.0/20 --port 51997 >/dev/null 2>&1 || { echo "metrics.sh: holt init failed" >&2; exit 1; }

# N peers written straight into holt.toml (keys from wg), every tenth expected.
{
  for i in $(seq 1 "$peers"); do
    n=$((i + 1))
    printf '\n[[peer]]\nname = "p%d"\npublic_key = "%s"\naddress = "10.8.%d.%d"\nkeepalive = 25\nenabled = true\nexpected = %s\n' \
      "$i" "$(wg genkey | wg pubkey)" $((n / 256)) $((n % 256)) "$([ $((i % 10)) = 0 ] && echo true || echo false)"
  done
} >>"$HOLT_CONFIG"

run up >/dev/null 2>"$tmp/up.log" || { cat "$tmp/up.log" >&2; exit 1; }
url=http://10.8.0.1:9586/metrics
for _ in $(seq 50); do
  ip netns exec "$ns" curl -sf -o /dev/null "$url" && break
  sleep 0.2
done
sleep 6 # one monitor round at least, so the holt_peer_* families are there

echo "holt: $("$holt" --version 2>/dev/null | head -n 1) ($holt); $peers peers; $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
times=()
for i in $(seq 1 "$scrapes"); do
  sleep 1.1
  out=$(ip netns exec "$ns" curl -sf -o "$tmp/scrape" -w '%{time_total} %{size_download}' "$url") || { echo "metrics.sh: scrape $i failed" >&2; exit 1; }
  read -r t size <<<"$out"
  times+=("$t")
  printf 'scrape %2d: %6.1f ms, %d bytes\n' "$i" "$(awk -v t="$t" 'BEGIN {print t * 1000}')" "$size"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1 * 1000} END {printf "median %.1f ms, fastest %.1f ms, slowest %.1f ms over %d scrapes\n", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[1], a[NR], NR}'
echo "series: $(grep -vc '^#' "$tmp/scrape"), families: $(grep -c '^# TYPE' "$tmp/scrape")"
command -v promtool >/dev/null && { promtool check metrics <"$tmp/scrape" && echo "promtool check metrics: no problem"; }
